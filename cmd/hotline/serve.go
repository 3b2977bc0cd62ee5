package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/redisstore"
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

	service := bot.New(bot.Options{
		Store: store, Pack: packs.Pack, Now: e.now, Random: e.random, Log: log, Observer: m, Retention: cfg.Retention,
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
	log.Info("stopped")
	return nil
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
