package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/app"
	"github.com/hotline-legal/hotline/config"
)

// The hotline's settings: those of `hotline serve` with its defaults, and a token
// that is really checked.
const (
	publicURL   = "https://hotline.example.org"
	authToken   = "loadgen-auth-token-0123456789abcdef"
	hotlineNo   = "+13125550100"
	accountSid  = "AC00000000000000000000000000000000"
	messagePath = "/twilio/messages"
	barePath    = "/bare"
)

// bareReply is the bare handler's answer: small, constant TwiML.
var bareReply = []byte(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks</Message></Response>`)

// server is one HTTP server on loopback and the Redis client behind it.
type server struct {
	url   string
	http  *http.Server
	rdb   redis.UniversalClient
	trips *roundTrips
	// app is the hotline's, nil for the bare server; outboxDir is where it
	// writes its referral emails (.eml files), removed at close.
	app       *app.App
	outboxDir string
}

// newRedisClient returns a client made as `hotline serve` makes it from REDIS_URL
// (config's parsing, ContextTimeoutEnabled and all), with a round-trip counter.
// The hook is added before the first command, so every connection carries it.
func newRedisClient(redisURL string) (redis.UniversalClient, *roundTrips, error) {
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "REDIS_URL":
			return redisURL
		case "HOTLINE_SECRET":
			return loadgenSecret
		}
		return ""
	}, "")
	if err != nil {
		return nil, nil, err
	}
	if cfg.Redis == nil {
		return nil, nil, errors.New("loadgen: no Redis URL")
	}
	rdb := cfg.Redis.NewClient()
	trips := &roundTrips{}
	rdb.AddHook(trips)
	return rdb, trips, nil
}

// startBare starts the yardstick: an Echo v4 server whose only route parses the
// form, does one Redis round trip and answers constant TwiML. No middleware: it is
// the least any webhook on Echo and Redis must do. It is served by srv, an HTTP
// server as the hotline's (its timeouts), whose handler it replaces.
func startBare(redisURL, keyPrefix string, srv *http.Server) (*server, error) {
	rdb, trips, err := newRedisClient(redisURL)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST(barePath, func(c echo.Context) error {
		req := c.Request()
		if err := req.ParseForm(); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "not a form")
		}
		if err := rdb.Incr(req.Context(), keyPrefix+req.PostForm.Get("From")).Err(); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "text/xml; charset=utf-8", bareReply)
	})
	srv.Handler = e
	return serve(srv, rdb, trips)
}

// startHotline starts the bot as `hotline serve` assembles it (app.New, from
// the same settings a deployment gives), on its own HTTP server. The referral
// outbox worker and the reminder sender are not started (app.Run would): they
// work per referral and per reminder, not per message, and their Redis traffic
// would blur the count of round trips per message. The referrals the screenings
// queue stay in Redis, and count in used_memory's growth.
// loadgenSecret is the hotline's HOTLINE_SECRET in a run: its keys in Redis are
// this run's only, under their own prefix.
const loadgenSecret = "loadgen-secret-0123456789abcdef0123456789"

func startHotline(redisURL, keyPrefix string) (*server, error) {
	// The emails go to memory where there is a tmpfs: each .eml file is synced
	// twice, which on a disk would make delivering the run's referrals take
	// minutes, for nothing the measure needs.
	tmp := ""
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		tmp = "/dev/shm"
	}
	outboxDir, err := os.MkdirTemp(tmp, "loadgen-outbox")
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		// The outbox worker runs only after the phases (bench.deliver), to empty
		// the outbox quickly: it polls every 100 ms. The reminder worker runs
		// then too; no reminder comes due, and Twilio's API is a closed port.
		"HOTLINE_ADDR": "127.0.0.1:0", "HOTLINE_RETRY_FIRST": "100ms", "HOTLINE_RELOAD_INTERVAL": "0",
		"HOTLINE_TWILIO_API_URL": "http://127.0.0.1:9",
		"REDIS_URL":              redisURL, "HOTLINE_REDIS_PREFIX": keyPrefix, "HOTLINE_PUBLIC_URL": publicURL,
		// With Twilio's credentials set, as in production, every message of an
		// unfinished screening also schedules a reminder.
		"TWILIO_ACCOUNT_SID": accountSid, "TWILIO_AUTH_TOKEN": authToken, "HOTLINE_OUTBOX_DIR": outboxDir,
		"HOTLINE_SECRET": loadgenSecret, "HOTLINE_METRICS_ADDR": "off",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, "")
	if err != nil {
		os.RemoveAll(outboxDir)
		return nil, err
	}
	trips := &roundTrips{}
	// Production logs JSON at info level; discarding the bytes keeps the cost of
	// building each access log line, which is what the server pays.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(cfg, app.Options{Now: time.Now, Random: rand.Reader, Log: log, RedisHooks: []redis.Hook{trips}})
	if err != nil {
		os.RemoveAll(outboxDir)
		return nil, err
	}
	s, err := serve(a.Server(), nil, trips)
	if err != nil {
		a.Close()
		os.RemoveAll(outboxDir)
		return nil, err
	}
	// The client is read for its pool statistics, and closed by a.Close.
	s.app, s.outboxDir, s.rdb = a, outboxDir, a.Redis()
	return s, nil
}

// serve serves srv on a free loopback port. rdb, when not nil, is closed with it.
func serve(srv *http.Server, rdb redis.UniversalClient, trips *roundTrips) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if rdb != nil {
			_ = rdb.Close()
		}
		return nil, err
	}
	s := &server{url: "http://" + ln.Addr().String(), rdb: rdb, trips: trips, http: srv}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "loadgen: http server:", err)
		}
	}()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	if s.app != nil {
		s.app.Close()
		os.RemoveAll(s.outboxDir)
		return
	}
	_ = s.rdb.Close()
}
