// Package app assembles Hotline once: from checked settings to the HTTP handler,
// the conversation service on its store, the outbox and reminder workers and the
// pack watcher. `hotline serve`, the load generator and the fault harness all
// start the bot through it, so there is one wiring to read and to keep right.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/bot/mailer"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/config"
	"github.com/hotline-legal/hotline/pack"
	"github.com/hotline-legal/hotline/webhook"
)

// Options are what the app takes from the world besides its settings.
type Options struct {
	Now func() time.Time
	// Random feeds referral references and email ids (crypto/rand.Reader).
	Random io.Reader
	Log    *slog.Logger
	// Reload, when set, asks for the pack to be read again (SIGHUP).
	Reload <-chan os.Signal
	// RedisHooks are added to the Redis client before it sends anything: to
	// trace what it sends (as OpenTelemetry's go-redis hook does), or count it.
	RedisHooks []redis.Hook
	// Getenv reads the environment variables a pack names: the signing keys
	// of organizations' JSON hand-offs (directory.yaml handoff: secret_env),
	// checked when a pack is loaded and read when each hand-off is sent. Nil
	// reads none: a pack with a hand-off is then refused.
	Getenv func(string) string
}

// App is the assembled bot.
type App struct {
	cfg     config.Config
	log     *slog.Logger
	packs   *packs
	rdb     redis.UniversalClient
	closeDB func()
	store   *redisstore.Store
	outbox  *bot.Outbox
	// reminders is nil when reminders are off.
	reminders *bot.Reminders
	// service applies messages, and follows referrals (its loop worker).
	service *bot.Service
	handler http.Handler
	// metrics serves /metrics, on its own listener (cfg.MetricsAddr).
	metrics http.Handler
	keys    *hotline.Keys
	reload  <-chan os.Signal
}

// New wires the app: it loads the pack (failing when it has errors), connects to
// Redis (or starts the embedded one) and builds every service. Nothing runs until
// Run; Close releases what New took.
func New(cfg config.Config, o Options) (*App, error) {
	if o.Now == nil || o.Random == nil || o.Log == nil {
		return nil, errors.New("app.New: Now, Random and Log are required")
	}
	a := &App{cfg: cfg, log: o.Log, reload: o.Reload}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	a.metrics = webhook.Metrics(reg)

	secret, err := serverSecret(cfg, o.Random)
	if err != nil {
		return nil, err
	}
	if a.keys, err = hotline.NewKeys(subkey(secret, "conversation keys")); err != nil {
		return nil, err
	}

	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	src, err := pack.Open(cfg.Flows)
	if err != nil {
		return nil, err
	}
	check := func(p *pack.Pack) error {
		return checkHandoffs(p, getenv, coordinator(cfg.CoordinatorEmail) != "", o.Log)
	}
	packs, err := loadPacks(src, o.Log, o.Now, m.PackReload, check)
	if err != nil {
		return nil, err
	}
	a.packs = packs
	if a.rdb, a.closeDB, err = openRedis(cfg); err != nil {
		return nil, err
	}
	for _, h := range o.RedisHooks {
		a.rdb.AddHook(h)
	}
	a.store = redisstore.New(a.rdb, cfg.RedisPrefix)
	fail := func(err error) (*App, error) {
		a.Close()
		return nil, err
	}

	sender, err := mailer.New(cfg.SMTP, cfg.OutboxDir)
	if err != nil {
		return fail(err)
	}
	outboxOptions := bot.OutboxOptions{
		Store: a.store, Shards: redisstore.Shards, Mailer: sender, Permanent: mailer.IsPermanent, Pack: packs.Pack,
		Now: o.Now, Log: o.Log, Observer: m, From: cfg.EmailFrom.String(), Domain: emailDomain(cfg.EmailFrom),
		Coordinator: coordinator(cfg.CoordinatorEmail), Retention: cfg.ReferralRetention,
		FirstRetry: cfg.RetryFirst, MaxRetry: cfg.RetryMax, GiveUpAfter: cfg.RetryFor,
		Lease: 2 * time.Minute, Poll: min(time.Second, cfg.RetryFirst),
		Poster:         &handoff.Poster{Client: handoff.NewClient(handoff.ClientOptions{Timeout: handoffTimeout, AllowPrivate: cfg.HandoffAllowPrivate}), Getenv: getenv},
		StatusCallback: statusCallback(cfg.PublicURL),
	}
	if texting(cfg) {
		// Texts about referrals (a re-route, a follow-up) go through the
		// outbox, at most once; without Twilio's keys they are given up on.
		outboxOptions.Texter, outboxOptions.TextPermanent, outboxOptions.TextRetryable, outboxOptions.DescribeText =
			newTexter(cfg), texter.IsPermanent, texter.IsRetryable, texter.Describe
	}
	a.outbox, err = bot.NewOutbox(outboxOptions)
	if err != nil {
		return fail(err)
	}

	reminderDelay := cfg.ReminderDelay
	switch {
	case reminderDelay == 0:
	case !texting(cfg):
		o.Log.Warn("reminders are off: they are sent through Twilio's REST API, which needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
		reminderDelay = 0
	default:
		a.reminders, err = bot.NewReminders(bot.RemindersOptions{
			Store: a.store, Shards: redisstore.Shards, Texter: newTexter(cfg), Pack: packs.Pack, Now: o.Now,
			Quiet: bot.QuietHours(cfg.QuietHours.Start, cfg.QuietHours.End, cfg.QuietHours.On), StatusCallback: statusCallback(cfg.PublicURL), Describe: texter.Describe,
			Poll: min(time.Second, reminderDelay), Log: o.Log, Observer: m,
		})
		if err != nil {
			return fail(err)
		}
	}

	links, err := referrallink.New(subkey(secret, "referral links"))
	if err != nil {
		return fail(err)
	}
	followUpAfter := cfg.FollowUpAfter
	if followUpAfter > 0 && !texting(cfg) {
		o.Log.Warn("follow-ups are off: they are texted through Twilio's REST API, which needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
		followUpAfter = 0
	}
	if cfg.PublicURL == "" {
		o.Log.Warn("referral emails carry no link for organizations to accept or decline: set HOTLINE_PUBLIC_URL")
	}
	quiet := cfg.QuietHours
	service, err := bot.New(bot.Options{
		Store: a.store, Keys: a.keys, Pack: packs.Pack, Now: o.Now, Random: o.Random, Log: o.Log, Observer: m, Retention: cfg.Retention,
		ReminderDelay: reminderDelay, EmailFrom: cfg.EmailFrom.String(), EmailDomain: emailDomain(cfg.EmailFrom),
		Coordinator: coordinator(cfg.CoordinatorEmail),
		Loop: bot.LoopOptions{Links: links, PublicURL: cfg.PublicURL, Retention: cfg.ReferralRetention, FollowUpAfter: followUpAfter,
			Quiet: bot.QuietHours(quiet.Start, quiet.End, quiet.On)},
	})
	if err != nil {
		return fail(err)
	}
	a.service = service
	a.handler = webhook.New(webhook.Deps{
		Bot: service, Referrals: service, Log: o.Log, Observer: m,
		Ready: func(ctx context.Context) error {
			if packs.Pack() == nil {
				return errors.New("no pack loaded")
			}
			return a.store.Ping(ctx)
		},
		PublicURL: cfg.PublicURL, AuthToken: cfg.TwilioAuthToken, SkipSignature: cfg.InsecureSkipSignature,
		// Once a message has its turn, the service answers within 1.5 s by
		// itself (bot.Handle), the product's promise of an answer within 2 s
		// when Redis fails. This outer bound adds the wait behind the same
		// person's earlier messages, which arrive together (a burst of texts).
		MaxBodyBytes: cfg.MaxBodyBytes, HandleTimeout: 5 * time.Second,
		Preview: cfg.Preview, AdminToken: cfg.AdminToken, TrustedProxies: cfg.TrustedProxies,
		SessionKey: subkey(secret, "web chat sessions"), ChatReferralsPerDay: cfg.ChatReferralsPerDay,
		ChatTitle: cfg.ChatTitle,
	})
	return a, nil
}

// Handler is the HTTP surface, every route of Hotline.
func (a *App) Handler() http.Handler { return a.handler }

// Metrics serves Prometheus's /metrics, which Run serves on its own listener:
// referrals per organization in real time are not for the public.
func (a *App) Metrics() http.Handler { return a.metrics }

// Keys names conversations in Redis, as the app's secret makes them.
func (a *App) Keys() *hotline.Keys { return a.keys }

// Redis is the app's Redis client, whose pool statistics tell how it copes.
func (a *App) Redis() redis.UniversalClient { return a.rdb }

// Server returns an HTTP server of the app's handler, with the timeouts Run
// serves it with.
func (a *App) Server() *http.Server {
	return &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

// Run serves HTTP on the configured address and runs the outbox and reminder
// workers and the pack watcher, until ctx ends or one of them fails. It then
// stops taking connections, lets requests in flight finish (within the shutdown
// timeout) and lets the workers finish the email or reminder in hand; what is
// still queued stays in Redis for the next start, or another process.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	var metricsLn net.Listener
	if a.cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", a.cfg.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on HOTLINE_METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err)
		}
	}
	srv := a.Server()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		a.log.Info("shutting down: finishing requests in flight")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			// Requests still in flight are cut off: Redis closes after Run.
			a.log.Error("shutdown did not finish in time; closing the connections left", "err", err)
			_ = srv.Close()
		}
		return nil
	})
	if metricsLn != nil {
		a.serveMetrics(gctx, g, metricsLn)
	}
	g.Go(func() error { a.checkClock(gctx); return nil })
	g.Go(func() error { a.outbox.Run(gctx); return nil })
	g.Go(func() error { a.service.RunLoops(gctx, redisstore.Shards, time.Second); return nil })
	if a.reminders != nil {
		g.Go(func() error { a.reminders.Run(gctx); return nil })
	}
	g.Go(func() error { return a.packs.watch(gctx, a.cfg.ReloadInterval, a.reload) })
	a.log.Info("hotline is listening", "addr", ln.Addr().String(), "pack", a.packs.src.String())
	err = g.Wait()
	a.log.Info("stopped")
	return err
}

// serveMetrics serves /metrics on ln until ctx ends.
func (a *App) serveMetrics(ctx context.Context, g *errgroup.Group, ln net.Listener) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 20 * time.Second,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("metrics server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		return srv.Close() // a scrape in flight is worth nothing after a stop
	})
	a.log.Info("metrics are served", "addr", ln.Addr().String())
}

// serverSecret is HOTLINE_SECRET, or with the embedded Redis (which forgets
// everything at exit anyway) when it is unset, a random one for this process.
func serverSecret(cfg config.Config, random io.Reader) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	if cfg.Redis != nil {
		// config.Load refuses this; a Config made by hand must not share a
		// Redis under keys that change at every start.
		return nil, errors.New("app: HOTLINE_SECRET is required with REDIS_URL")
	}
	secret := make([]byte, 32)
	if _, err := io.ReadFull(random, secret); err != nil {
		return nil, fmt.Errorf("app: a secret for this process: %w", err)
	}
	return secret, nil
}

// subkey derives the key of one use from the server's secret, so that one
// secret serves several uses and a key of one never works for another.
func subkey(secret []byte, use string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("hotline " + use))
	return mac.Sum(nil)
}

// maxClockOffset is how far Redis's clock may be from this host's before the
// app warns: commits are refused after their deadline by Redis's clock, and the
// service leaves 250 ms for the difference (bot's clockSkew).
const maxClockOffset = 100 * time.Millisecond

// checkClock compares Redis's clock with this host's once, at start, and warns
// when they differ by more than maxClockOffset: behind, a commit could apply
// after the person was told it failed; ahead, commits are refused early.
func (a *App) checkClock(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	offset, rtt, err := a.store.ClockOffset(ctx)
	switch {
	case err != nil:
		a.log.Warn("could not compare Redis's clock with this host's", "err", err)
	case offset.Abs() > maxClockOffset+rtt/2:
		a.log.Error("Redis's clock differs from this host's: keep both in sync (NTP); messages may be refused, or applied after their apology",
			"redis_ahead_by", offset.Round(time.Millisecond), "round_trip", rtt.Round(time.Millisecond))
	}
}

// Close releases Redis (and stops the embedded one).
func (a *App) Close() {
	if a.closeDB != nil {
		a.closeDB()
	}
}

// handoffTimeout bounds one JSON hand-off's POST, answer included: an
// organization's server that takes longer is tried again later. The outbox
// posts a few hand-offs at once beside its emails, so a server that hangs
// holds up one of its slots for this long, not every email.
const handoffTimeout = 10 * time.Second

// minHandoffSecret is the shortest signing key that is not warned about: 32
// bytes, as HOTLINE_SECRET.
const minHandoffSecret = 32

// checkHandoffs refuses a pack one of whose organizations takes JSON
// hand-offs signed with a key that getenv does not give (unset or blank):
// hand-offs queued now could never be signed. It warns about a key shorter
// than 32 bytes, and about an organization that takes no referral email when
// no coordinator would be told of a hand-off given up on (hasCoordinator).
func checkHandoffs(p *pack.Pack, getenv func(string) string, hasCoordinator bool, log *slog.Logger) error {
	var problems []string
	for _, o := range p.Directory.Organizations {
		h := o.Handoff
		if h == nil {
			continue
		}
		switch key := getenv(h.SecretEnv); {
		case strings.TrimSpace(key) == "":
			problems = append(problems, fmt.Sprintf("organization %s: handoff: secret_env: %s is not set (or blank); set it to the key the organization checks its hand-offs' signatures with (openssl rand -hex 32), or take out its handoff: block", o.ID, h.SecretEnv))
		case len(key) < minHandoffSecret:
			log.Warn("a JSON hand-off's signing key is short; use at least 32 bytes (openssl rand -hex 32)", "org", o.ID, "secret_env", h.SecretEnv, "bytes", len(key))
		}
		if !h.Email && !hasCoordinator {
			log.Warn("an organization takes its referrals by JSON hand-off only, and no coordinator address is set (HOTLINE_COORDINATOR_EMAIL): a hand-off given up on reaches nobody", "org", o.ID)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("app: %s", strings.Join(problems, "\n"))
	}
	return nil
}

// emailDomain is the domain of the From address, for Message-IDs.
func emailDomain(from mail.Address) string {
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		return from.Address[at+1:]
	}
	return "hotline.invalid"
}

// coordinator is the To of alerts and needs-a-person notices, "" for none.
func coordinator(a *mail.Address) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// statusCallback is where Twilio reports the delivery of texts we send.
func statusCallback(publicURL string) string {
	if publicURL == "" {
		return ""
	}
	return publicURL + "/twilio/status"
}

// texting reports whether the app can text people: Twilio's REST API needs
// the account's SID and auth token.
func texting(cfg config.Config) bool {
	return cfg.TwilioAccountSID != "" && cfg.TwilioAuthToken != ""
}

// newTexter returns the Twilio REST sender, pointed at HOTLINE_TWILIO_API_URL
// when that is not Twilio's own (twilio-go's client is used as it comes for that).
func newTexter(cfg config.Config) *texter.Twilio {
	var httpClient *http.Client
	if base := cfg.TwilioAPIURL; base != nil && base.String() != "https://api.twilio.com" {
		httpClient = &http.Client{
			Timeout:       10 * time.Second,
			Transport:     &texter.RewriteTransport{Base: base, Next: http.DefaultTransport},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return texter.NewTwilio(cfg.TwilioAccountSID, cfg.TwilioAuthToken, httpClient)
}

// openRedis connects to REDIS_URL, or starts the embedded in-memory Redis when it is
// unset. Both are used through the same client code.
func openRedis(cfg config.Config) (redis.UniversalClient, func(), error) {
	if cfg.Redis == nil {
		mini := miniredis.NewMiniRedis()
		// Expire keys by the wall clock, as a real Redis does.
		mini.ClockTTL(true)
		if err := mini.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start the embedded Redis: %w", err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: mini.Addr(), ContextTimeoutEnabled: true})
		return rdb, func() { _ = rdb.Close(); mini.Close() }, nil
	}
	rdb := cfg.Redis.NewClient()
	return rdb, func() { _ = rdb.Close() }, nil
}
