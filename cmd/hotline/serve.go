package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/app"
	"github.com/hotline-legal/hotline/config"
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

	a, err := app.New(cfg, app.Options{Now: e.now, Random: e.random, Log: log, Reload: hup, Getenv: e.getenv})
	if err != nil {
		fmt.Fprintln(e.stderr, "hotline serve:", err)
		return errFailed
	}
	defer a.Close()
	return a.Run(ctx)
}

// redisLog adapts go-redis's logger to slog.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
