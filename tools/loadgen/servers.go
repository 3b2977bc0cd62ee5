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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/config"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/webhook"
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
	// store is the hotline's, nil for the bare server.
	store *redisstore.Store
}

// newRedisClient returns a client made as `hotline serve` makes it from REDIS_URL
// (config's parsing, ContextTimeoutEnabled and all), with a round-trip counter.
// The hook is added before the first command, so every connection carries it.
func newRedisClient(redisURL string) (redis.UniversalClient, *roundTrips, error) {
	opts, err := config.Config{RedisURL: redisURL}.RedisOptions()
	if err != nil {
		return nil, nil, err
	}
	rdb := redis.NewUniversalClient(opts)
	trips := &roundTrips{}
	rdb.AddHook(trips)
	return rdb, trips, nil
}

// startBare starts the yardstick: an Echo v4 server whose only route parses the
// form, does one Redis round trip and answers constant TwiML. No middleware: it is
// the least any webhook on Echo and Redis must do.
func startBare(redisURL, keyPrefix string) (*server, error) {
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
	return serve(e, rdb, trips)
}

// startHotline starts webhook.New wired as cmd/hotline/serve.go wires it. The
// referral outbox worker and the reminder sender are not started: they work per
// referral and per reminder, not per message, and their Redis traffic would blur
// the count of round trips per message. The referrals the screenings queue stay in
// Redis, and count in used_memory's growth.
func startHotline(redisURL, keyPrefix string, pack *flows.Pack) (*server, error) {
	rdb, trips, err := newRedisClient(redisURL)
	if err != nil {
		return nil, err
	}
	// Production logs JSON at info level; discarding the bytes keeps the cost of
	// building each access log line, which is what the server pays.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	store := redisstore.New(rdb, keyPrefix)
	// The defaults of HOTLINE_RETENTION and HOTLINE_REMINDER_DELAY: with Twilio's
	// credentials set, as in production, every message of an unfinished screening
	// also schedules a reminder.
	service := bot.New(bot.Options{
		Store: store, Pack: func() *flows.Pack { return pack }, Now: time.Now, Random: rand.Reader,
		Log: log, Observer: m, Retention: 7 * 24 * time.Hour, ReminderDelay: 2 * time.Hour,
	})
	handler := webhook.New(webhook.Deps{
		Bot: service, Log: log, Observer: m, Gatherer: reg, Ready: store.Ping,
		PublicURL: publicURL, AuthToken: authToken,
		MaxBodyBytes: 64 << 10, HandleTimeout: 10 * time.Second,
	})
	s, err := serve(handler, rdb, trips)
	if err != nil {
		return nil, err
	}
	s.store = store
	return s, nil
}

// serve listens on a free loopback port with serve.go's timeouts.
func serve(h http.Handler, rdb redis.UniversalClient, trips *roundTrips) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	s := &server{url: "http://" + ln.Addr().String(), rdb: rdb, trips: trips, http: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      20 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}
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
	_ = s.rdb.Close()
}
