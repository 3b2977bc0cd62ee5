package webhook

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hotline-legal/hotline"
)

// requestID gives every request an id, in the X-Request-Id response header and in
// its log lines. An id sent by a proxy is kept when it looks like one.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(echo.HeaderXRequestID)
			if !plainID(id) {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			return next(c)
		}
	}
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// accessLog writes one line per request: method, path, status, time, request id.
// No query strings and no bodies: they may carry personal data.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			level := slog.LevelInfo
			if c.Path() == "/healthz" || c.Path() == "/readyz" {
				level = slog.LevelDebug
			}
			// LogAttrs, not Log: typed attributes are not boxed, and this runs for
			// every message.
			log.LogAttrs(c.Request().Context(), level, "request", slog.String("method", c.Request().Method),
				slog.String("path", loggedPath(c.Request())), slog.Int("status", status),
				slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
			return nil
		}
	}
}

// loggedPath is the request's path as the logs show it. The token of a
// referral link is a capability (whoever has it may answer for an
// organization), so the logs name its route instead.
func loggedPath(req *http.Request) string {
	p := req.URL.Path
	if strings.Contains(p, "/referrals/") && !strings.HasPrefix(p, "/referrals/assets/") {
		return "/referrals/:token"
	}
	return p
}

// recoverPanics turns a panic into an error reply. For Twilio's message webhook it
// is still a 200 with the apology, so that the person hears something.
func recoverPanics(d Deps) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if p := recover(); p != nil {
					d.Observer.Error("panic")
					d.Log.Error("panic while handling a request", "path", loggedPath(c.Request()), "panic", fmt.Sprint(p),
						"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
					if c.Path() == "/twilio/messages" && !c.Response().Committed {
						// SMS or WhatsApp: both take the texts' own wording.
						err = writeTwiML(c, []string{d.Bot.TechnicalProblem(hotline.ChannelSMS)})
						return
					}
					err = echo.NewHTTPError(http.StatusInternalServerError)
				}
			}()
			return next(c)
		}
	}
}

// limitBody refuses bodies over max bytes with 413 when they are read.
func limitBody(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > max {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, max)
			return next(c)
		}
	}
}

// errorHandler is the one place errors become responses: HTTP errors keep their
// status and message; anything else is logged and shown as a bare 500.
func errorHandler(d Deps) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, msg := http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(status)
			}
		} else {
			d.Observer.Error("internal")
			d.Log.Error("internal error", "path", loggedPath(c.Request()), "err", err,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		if status >= 400 && status < 500 {
			d.Observer.Error("request")
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, map[string]string{"error": msg})
	}
}
