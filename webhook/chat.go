package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/pack"
)

// chatPage is the web chat: one HTML page and its script and style, all in the
// binary, nothing from a CDN.
//
//go:embed chatpage
var chatPage embed.FS

// Limits of the web chat API.
const (
	maxChatBody = 16 << 10
	maxChatText = 1600 // what one SMS conversation turn may hold, for parity
)

// chatRequest is the body of POST /chat/messages.
type chatRequest struct {
	Session string `json:"session"`
	Text    string `json:"text"`
	// ID, optional, names the message: sent again with the same id (after a
	// failure), it is applied once.
	ID string `json:"id"`
	// Lang, optional, is the language the page is in ("es"): a new
	// conversation starts in it instead of asking.
	Lang string `json:"lang"`
	// Switch marks the page's language button, not a message: the
	// conversation switches to Lang and its question is asked again.
	Switch bool `json:"switch"`
}

// chatResponse is its answer.
type chatResponse struct {
	Session string   `json:"session"`
	Replies []string `json:"replies"`
	// Lang is the language the conversation is in, for the page to follow
	// ("" before one is chosen).
	Lang string `json:"lang,omitempty"`
	// The question's buttons and progress, how the conversation ended and
	// whom to call in danger: what the page shows beside the replies.
	pack.Screen
	Preview *chatPreview `json:"preview,omitempty"`
}

// chatPreview is the coordinators' preview: where the conversation stands
// and, for the message that made a referral, what the organization gets.
type chatPreview struct {
	pack.Inspection
	Referral *bot.ReferralPreview `json:"referral,omitempty"`
}

// chatError is every error of the chat API: a JSON body with one message.
func chatError(status int, msg string) error {
	return echo.NewHTTPError(status, msg)
}

// chatCSP is the chat page's Content-Security-Policy: only its own script,
// style and images (and data: images) load, and it may not be framed.
const chatCSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// handleChatPage serves the page with a strict Content-Security-Policy: only its
// own script and style may run.
func handleChatPage(d Deps) echo.HandlerFunc {
	page, err := chatPage.ReadFile("chatpage/index.html")
	if err == nil && d.ChatTitle != "" {
		// Fails closed: a page that would still name the hotline is not served.
		page, err = neutralTitle(page, d.ChatTitle)
	}
	return func(c echo.Context) error {
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", chatCSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		return c.HTMLBlob(http.StatusOK, page)
	}
}

// neutralTitle gives the page the title: in its <title> (what the tab and
// the browser's history show from the first moment) and as the html
// element's data-title, which app.js keeps in place of its own in either
// language. The tab's icon (the scales of justice, kept beside the address in
// history and on new-tab tiles) gives way to none. An error says the page no
// longer has what is replaced: serving it would name the hotline after all.
func neutralTitle(page []byte, title string) ([]byte, error) {
	esc := html.EscapeString(title)
	out := string(page)
	for _, r := range []struct{ old, new string }{
		{"<title>Legal Aid Hotline: chat</title>", "<title>" + esc + "</title>"},
		{`<html lang="en">`, `<html lang="en" data-title="` + esc + `">`},
		{`<link rel="icon" href="/chat/assets/icon.svg" type="image/svg+xml">`, `<link rel="icon" href="data:,">`},
	} {
		if !strings.Contains(out, r.old) {
			return nil, fmt.Errorf("webhook: HOTLINE_CHAT_TITLE: the chat page has no %s to replace", r.old)
		}
		out = strings.Replace(out, r.old, r.new, 1)
	}
	return []byte(out), nil
}

// handleChatAsset serves the page's script, style and icons.
func handleChatAsset() echo.HandlerFunc {
	return func(c echo.Context) error {
		name := path.Base(c.Param("name"))
		data, err := chatPage.ReadFile("chatpage/" + name)
		if err != nil || name == "index.html" {
			return echo.NewHTTPError(http.StatusNotFound, "no such file")
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, ctype, data)
	}
}

// chatLookupsPerDay is how many referrals one client may look up on the web
// chat by typing a reference, in a day.
const chatLookupsPerDay = 10

// handleChatMessage applies a message from the web chat and returns the replies.
func handleChatMessage(d Deps, sessions sessions) echo.HandlerFunc {
	perClient := newLimiter(d.ChatPerClientPerMinute, d.ChatPerClientPerMinute/2+1)
	perSession := newLimiter(d.ChatPerSessionPerMinute, d.ChatPerSessionPerMinute/2+1)
	referrals := newReferralCap(d.ChatReferralsPerDay)
	// Lookups of a referral by its typed reference, found or not, per client
	// and day: a person back with their reference needs one or two; someone
	// guessing references needs thousands.
	lookups := newReferralCap(chatLookupsPerDay)
	return func(c echo.Context) error {
		req := c.Request()
		if ctype, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); ctype != "application/json" {
			return chatError(http.StatusUnsupportedMediaType, "send JSON with Content-Type: application/json")
		}
		if !sameOrigin(req, d.PublicURL) {
			return chatError(http.StatusForbidden, "this origin may not use the chat")
		}
		now := time.Now()
		client := clientKey(clientIP(req, d.TrustedProxies))
		if ok, wait := perClient.allow(client, now); !ok {
			return tooMany(c, wait)
		}
		var in chatRequest
		dec := json.NewDecoder(io.LimitReader(req.Body, maxChatBody+1))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return chatError(http.StatusRequestEntityTooLarge, "request body too large")
			}
			return chatError(http.StatusBadRequest, `the body must be JSON like {"session": "...", "text": "hi"}`)
		}
		if dec.More() {
			return chatError(http.StatusBadRequest, "the body must hold one JSON object")
		}
		if utf8.RuneCountInString(in.Text) > maxChatText {
			return chatError(http.StatusRequestEntityTooLarge, "the message is too long")
		}
		switch {
		case in.Session == "":
			in.Session = sessions.issue()
		case !sessions.valid(in.Session):
			return chatError(http.StatusBadRequest, "session is not one this server gave out; leave it empty to start")
		}
		if len(in.ID) > 64 || !plainID(in.ID) && in.ID != "" {
			return chatError(http.StatusBadRequest, "id must be up to 64 letters, digits, - or _")
		}
		if len(in.Lang) > 8 || !plainID(in.Lang) && in.Lang != "" {
			return chatError(http.StatusBadRequest, "lang must be a language code, like es")
		}
		if in.Switch && (in.Lang == "" || in.Text != "") {
			return chatError(http.StatusBadRequest, "switch needs lang and no text")
		}
		if ok, wait := perSession.allow(in.Session, now); !ok {
			return tooMany(c, wait)
		}
		// A client that made its referrals for the day still talks with the bot
		// (one connection may be a shelter's wifi, and the bot's safety answers
		// are for everyone): only a message that would make another referral is
		// not applied, and gets the pack's referral_limit text instead.
		// Past the cap, or at it with messages in flight that may reach it, the
		// message is handled with referrals closed.
		ok := referrals.begin(client, now)
		var reply bot.Reply
		var err error
		if ok {
			// Deferred, so that a panic in the bot does not leave the message
			// counted as in flight for good.
			// A notice to the staff counts as a referral does: each emails
			// someone, and a flood of fresh sessions must not flood an inbox.
			// (Not a STOP's withdrawal, which the cap never holds back.)
			defer func() {
				notice := reply.Notice != nil && reply.Notice.Reason != hotline.NoticeWithdrawn
				referrals.done(client, now, err == nil && (reply.Referred || notice))
			}()
		}
		canLookUp := lookups.begin(client, now)
		if canLookUp {
			defer func() { lookups.done(client, now, err == nil && reply.LookedUp) }()
		}
		// Not cancelled when the client hangs up: a referral whose commit was
		// under way would then be answered as "not known" and escape the count.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), d.HandleTimeout)
		defer cancel()
		reply, err = d.Bot.Handle(ctx, hotline.Message{Conversation: hotline.Conversation{Channel: "web", From: in.Session}, ID: in.ID, Text: in.Text,
			ReferralsClosed: !ok, LookupsClosed: !canLookUp, Language: in.Lang, SwitchLanguage: in.Switch})
		out := chatResponse{Session: in.Session, Replies: reply.Messages, Lang: reply.State.Language()}
		if err != nil {
			d.Log.Error("could not apply a web chat message; sent the technical-problem apology",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
			out.Replies = []string{d.Bot.TechnicalProblem(hotline.ChannelWeb)}
		} else {
			// A duplicate (the page sent it again after a timeout) carries
			// the state after it, so its screen is the same, but for a
			// private referral's card: the state keeps no organization, and
			// the reply's text has the number.
			out.Screen = d.Bot.Screen(reply.State, reply.Referral, hotline.ChannelWeb)
		}
		if err == nil && previewAllowed(req, d) {
			p := chatPreview{Inspection: d.Bot.Inspect(reply.State)}
			if reply.Notice != nil {
				p.Notice = pack.NoticeLine(reply.Notice)
			}
			if reply.Referral != nil {
				if rp, err := d.Bot.PreviewReferral(reply.Referral); err != nil {
					d.Log.Warn("could not write the preview of a referral", "err", err)
				} else {
					p.Referral = &rp
				}
			}
			out.Preview = &p
		}
		if out.Replies == nil {
			out.Replies = []string{}
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, out)
	}
}

func tooMany(c echo.Context, wait time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	return chatError(http.StatusTooManyRequests, "too many messages; please wait a moment")
}

// sessions issues the web chat's session ids and knows them again: 16 random
// bytes and a tag of them, the first 16 bytes of their HMAC-SHA256 under key, in
// base64url (43 characters). A session id names a conversation, so only ids this
// server gave out are taken: a made-up one is refused before it reaches the bot
// or Redis, and the ids of a server cannot be made up without its key.
type sessions struct {
	key []byte
}

const (
	sessionRandom = 16 // bytes: 128 random bits, unguessable
	sessionTag    = 16 // bytes of the HMAC kept: 128 bits, unforgeable
	// sessionLen is the length of an id in base64url.
	sessionLen = (8*(sessionRandom+sessionTag) + 5) / 6
)

// sessionLabel sets the tags apart from any other HMAC under the same key (the
// key may be derived from HOTLINE_SECRET, which keys other things).
const sessionLabel = "hotline web chat session\x00"

// issue returns a new session id.
func (s sessions) issue() string {
	var b [sessionRandom + sessionTag]byte
	_, _ = rand.Read(b[:sessionRandom]) // never fails (crypto/rand, Go 1.24+)
	var sum [sha256.Size]byte
	copy(b[sessionRandom:], s.tag(sum[:0], b[:sessionRandom]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// valid reports whether id is one issue returned (with this key). The tag is
// compared in constant time; a non-canonical encoding (other trailing bits) is
// refused too, so that each id is written one way only.
func (s sessions) valid(id string) bool {
	if len(id) != sessionLen {
		return false
	}
	var b [sessionRandom + sessionTag + 2]byte
	n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(id))
	if err != nil || n != sessionRandom+sessionTag {
		return false
	}
	var sum [sha256.Size]byte
	return hmac.Equal(s.tag(sum[:0], b[:sessionRandom])[:sessionTag], b[sessionRandom:n])
}

// tag appends the HMAC-SHA256 of random under the key to dst.
func (s sessions) tag(dst, random []byte) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(sessionLabel))
	mac.Write(random)
	return mac.Sum(dst)
}

// sameOrigin refuses a browser request from another site: its Origin header, when
// sent, must name this host or the public URL's.
func sameOrigin(req *http.Request, publicURL string) bool {
	origin := req.Header.Get("Origin")
	if origin == "" {
		return true // not a cross-site browser request (curl, or a same-origin GET)
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, req.Host) {
		return true
	}
	if p, err := url.Parse(publicURL); err == nil && p.Host != "" && strings.EqualFold(p.Host, u.Host) && p.Scheme == u.Scheme {
		return true
	}
	return false
}

// clientIP is the address the request came from. X-Forwarded-For is believed only
// from the trusted proxies, read from the right (the nearest hop) past every
// trusted one: anyone else could send the header to escape the rate limit.
func clientIP(req *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	if !isTrusted(host, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		if !isTrusted(hop, trusted) {
			return hop
		}
		host = hop
	}
	return host
}

func isTrusted(ip string, trusted []netip.Prefix) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// previewAllowed reports whether the request may see the coordinators' preview:
// the preview must be on and the request must carry the admin token.
func previewAllowed(req *http.Request, d Deps) bool {
	if !d.Preview || d.AdminToken == "" {
		return false
	}
	token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(d.AdminToken)) == 1
}
