// Package webhook is Hotline's HTTP surface: Twilio's signed webhooks, the web
// chat, the organizations' pages for their referrals, health and readiness;
// and, for a separate listener, metrics. It only
// moves bytes: it checks, decodes, calls the bot and encodes the reply.
package webhook

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// Bot applies messages to conversations.
type Bot interface {
	Handle(ctx context.Context, m hotline.Message) (bot.Reply, error)
	// TechnicalProblem is the apology for a message that could not be
	// applied, in the wording of the channel it came by.
	TechnicalProblem(channel string) string
	// Inspect describes a conversation for the coordinators' preview.
	Inspect(st flows.State) pack.Inspection
	// Screen describes a conversation for a chat screen on channel: the
	// question's buttons, how it ended, whom to call in danger. made is the
	// referral the last message made, or nil.
	Screen(st flows.State, made *hotline.Referral, channel string) pack.Screen
	// PreviewReferral writes, for the preview, the email and JSON hand-off
	// of a referral as they are sent.
	PreviewReferral(r *hotline.Referral) (bot.ReferralPreview, error)
}

// Observer counts what the HTTP layer sees.
type Observer interface {
	Error(kind string)
	DeliveryStatus(status string)
}

// Deps are what the routes need.
type Deps struct {
	Bot      Bot
	Log      *slog.Logger
	Observer Observer
	// Ready reports whether the service can take messages (Redis answers, a pack
	// is loaded).
	Ready func(ctx context.Context) error
	// PublicURL is the base URL Twilio calls; signatures are computed over it plus
	// the request URI, never over the Host header.
	PublicURL string
	// AuthToken is Twilio's auth token; "" refuses every Twilio request unless
	// SkipSignature is set.
	AuthToken     string
	SkipSignature bool
	// MaxBodyBytes bounds request bodies (413 beyond).
	MaxBodyBytes int64
	// HandleTimeout bounds the work on one message, under Twilio's 15 s wait.
	HandleTimeout time.Duration
	// Preview shows coordinators the conversation's state beside the web chat, to
	// requests that carry AdminToken.
	Preview    bool
	AdminToken string
	// ChatPerClientPerMinute and ChatPerSessionPerMinute rate-limit the web chat.
	// A client is an IPv4 address, or an IPv6 /64.
	ChatPerClientPerMinute, ChatPerSessionPerMinute int
	// ChatReferralsPerDay caps the referrals one web chat client may make in a
	// day (HOTLINE_CHAT_REFERRALS_PER_DAY; 3 when 0): past it, a message that
	// would make another is not applied and gets the pack's referral_limit
	// text; every other message is answered as usual.
	ChatReferralsPerDay int
	// ChatTitle replaces the chat page's title in the browser's tab and
	// history (HOTLINE_CHAT_TITLE); "" keeps the page's own.
	ChatTitle string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client, for the web chat's rate limit per client.
	TrustedProxies []netip.Prefix
	// SessionKey signs the web chat's session ids, so that the server takes only
	// ids it gave out. Derive it from HOTLINE_SECRET, so that sessions live
	// through a restart and across replicas. Empty, New makes a random key for
	// this process: every web chat session then ends with the process (the page
	// is told its session is unknown and must start again).
	SessionKey []byte
	// Referrals shows organizations their referrals and takes their answers
	// (GET and POST /referrals/{token}); nil, those routes answer 404.
	Referrals Referrals
}

// New returns the HTTP handler with every route of Hotline.
func New(d Deps) *echo.Echo {
	if d.ChatPerClientPerMinute <= 0 {
		d.ChatPerClientPerMinute = 120
	}
	if d.ChatPerSessionPerMinute <= 0 {
		d.ChatPerSessionPerMinute = 60
	}
	if d.ChatReferralsPerDay <= 0 {
		d.ChatReferralsPerDay = 3
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d)
	e.Use(requestID(), accessLog(d.Log), recoverPanics(d), limitBody(d.MaxBodyBytes))

	twilio := e.Group("/twilio", verifyTwilio(d))
	twilio.POST("/messages", handleMessages(d))
	twilio.POST("/status", handleStatus(d))

	e.GET("/chat", handleChatPage(d))
	e.GET("/chat/assets/:name", handleChatAsset())
	e.POST("/chat/messages", handleChatMessage(d, sessions{key: sessionKey(d.SessionKey)}))

	// The organization's page for a referral: the link in its email.
	referralPage := referralTemplate()
	referrals := e.Group("/referrals", referralHeaders())
	referrals.GET("/:token", handleReferralPage(d, referralPage))
	referrals.POST("/:token", handleReferralDecision(d, referralPage))
	e.GET("/referrals/assets/:name", handleReferralAsset())

	e.GET("/healthz", handleHealthz())
	e.GET("/readyz", handleReadyz(d))
	return e
}

// Metrics serves g's metrics in Prometheus's format. It is not a route of New:
// the counts (messages, referrals by organization, errors) are for the operator,
// not for anyone who can reach the webhook, so it belongs on a listener of its
// own, on loopback or a private network.
func Metrics(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// sessionKey is key, or a random key for this process when key is empty.
func sessionKey(key []byte) []byte {
	if len(key) > 0 {
		return key
	}
	key = make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return key
}

func handleHealthz() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.String(http.StatusOK, "ok\n")
	}
}

func handleReadyz(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := d.Ready(ctx); err != nil {
			d.Log.Warn("not ready", "err", err)
			return c.String(http.StatusServiceUnavailable, "not ready\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}
}
