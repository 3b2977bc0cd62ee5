package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/mailer"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/config"
	"github.com/hotline-legal/hotline/webhook"
)

// serve runs the bot: the HTTP server, conversations in Redis, pack reloads. It
// stops on SIGINT or SIGTERM (or when ctx ends): no new connections, in-flight
// requests finished, then Redis closed.
func (e *env) serve(args []string) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	configFile := fset.String("config", "", "a YAML file of settings (environment variables win)")
	if arg, err := e.parseFlags(fset, args); err != nil {
		return err
	} else if arg != "" {
		fmt.Fprintf(e.stderr, "hotline serve: unexpected argument %q; the pack is set by HOTLINE_FLOWS\n", arg)
		return errUsage
	}
	cfg, err := config.Load(e.getenv, *configFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return errFailed
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	// go-redis reports dial failures through its own process-wide logger; send
	// them to the JSON log instead of bare lines on stderr.
	redis.SetLogger(redisLog{log})
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}

	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)

	src := builtinPack
	if cfg.Flows != "" {
		if src, err = e.packSource(cfg.Flows); err != nil {
			return err
		}
	}
	packs, err := loadPacks(src, log, e.now, m.PackReload)
	if err != nil {
		fmt.Fprintln(e.stderr, "hotline serve:", err)
		return errFailed
	}

	rdb, closeRedis, err := openRedis(cfg)
	if err != nil {
		return err
	}
	defer closeRedis()
	store := redisstore.New(rdb, cfg.RedisPrefix)

	workCtx, stopWork := context.WithCancel(context.Background())
	var work sync.WaitGroup
	defer func() { stopWork(); work.Wait() }()

	sender, err := mailer.New(cfg.SMTPURL, cfg.OutboxDir)
	if err != nil {
		return err
	}
	outbox := bot.NewOutbox(bot.OutboxOptions{
		Store: store, Shards: redisstore.Shards, Mailer: sender, Permanent: mailer.IsPermanent, Pack: packs.Pack,
		Now: e.now, Log: log, Observer: m, From: cfg.EmailFrom, Domain: emailDomain(cfg.EmailFrom),
		Coordinator: cfg.CoordinatorEmail, Retention: cfg.ReferralRetention,
		FirstRetry: cfg.RetryFirst, MaxRetry: cfg.RetryMax, GiveUpAfter: cfg.RetryFor,
		Lease: 2 * time.Minute, Poll: min(time.Second, cfg.RetryFirst),
	})
	work.Add(1)
	go func() { defer work.Done(); outbox.Run(workCtx) }()

	reminderDelay := cfg.ReminderDelay
	switch {
	case reminderDelay == 0:
	case cfg.TwilioAccountSID == "" || cfg.TwilioAuthToken == "":
		log.Warn("reminders are off: they are sent through Twilio's REST API, which needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
		reminderDelay = 0
	default:
		start, end, on := cfg.QuietWindow()
		reminders := bot.NewReminders(bot.RemindersOptions{
			Store: store, Shards: redisstore.Shards, Texter: newTexter(cfg), Pack: packs.Pack, Now: e.now,
			Quiet: bot.QuietHours(start, end, on), StatusCallback: statusCallback(cfg.PublicURL), Describe: texter.Describe,
			Poll: min(time.Second, reminderDelay), Log: log, Observer: m,
		})
		work.Add(1)
		go func() { defer work.Done(); reminders.Run(workCtx) }()
	}

	service := bot.New(bot.Options{
		Store: store, Pack: packs.Pack, Now: e.now, Random: e.random, Log: log, Observer: m, Retention: cfg.Retention,
		ReminderDelay: reminderDelay,
	})
	handler := webhook.New(webhook.Deps{
		Bot: service, Log: log, Observer: m, Gatherer: reg,
		Ready: func(ctx context.Context) error {
			if packs.Pack() == nil {
				return errors.New("no pack loaded")
			}
			return store.Ping(ctx)
		},
		PublicURL: cfg.PublicURL, AuthToken: cfg.TwilioAuthToken, SkipSignature: cfg.InsecureSkipSignature,
		MaxBodyBytes: cfg.MaxBodyBytes, HandleTimeout: 10 * time.Second,
		Preview: cfg.Preview, AdminToken: cfg.AdminToken, TrustedProxies: cfg.TrustedProxies,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	go packs.watch(ctx, cfg.ReloadInterval, hup)
	log.Info("hotline is listening", "addr", ln.Addr().String(), "pack", src.String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown did not finish in time", "err", err)
	}
	// The workers finish the email or reminder in hand; what is still queued
	// stays in Redis for the next start (or another process).
	stopWork()
	work.Wait()
	log.Info("stopped")
	return nil
}

// emailDomain is the domain of the From address, for Message-IDs.
func emailDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 {
			return a.Address[at+1:]
		}
	}
	return "hotline.invalid"
}

// statusCallback is where Twilio reports the delivery of texts we send.
func statusCallback(publicURL string) string {
	if publicURL == "" {
		return ""
	}
	return publicURL + "/twilio/status"
}

// newTexter returns the Twilio REST sender, pointed at HOTLINE_TWILIO_API_URL.
func newTexter(cfg config.Config) *texter.Twilio {
	var httpClient *http.Client
	if cfg.TwilioAPIURL != "https://api.twilio.com" {
		base, _ := url.Parse(cfg.TwilioAPIURL)
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
	if cfg.RedisURL == "" {
		mini := miniredis.NewMiniRedis()
		// Expire keys by the wall clock, as a real Redis does.
		mini.ClockTTL(true)
		if err := mini.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start the embedded Redis: %w", err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: mini.Addr(), ContextTimeoutEnabled: true})
		return rdb, func() { _ = rdb.Close(); mini.Close() }, nil
	}
	opts, err := cfg.RedisOptions()
	if err != nil {
		return nil, nil, err
	}
	rdb := redis.NewUniversalClient(opts)
	return rdb, func() { _ = rdb.Close() }, nil
}

// redisLog adapts go-redis's logger to slog.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
