package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/client"

	"github.com/hotline-legal/hotline"
)

// verifyTwilio refuses any request to /twilio/* whose X-Twilio-Signature does not
// match: HMAC-SHA1 with the auth token over HOTLINE_PUBLIC_URL + the request URI and
// the sorted form parameters. Without a token, every request is refused, unless the
// insecure switch is on (local trials only).
func verifyTwilio(d Deps) echo.MiddlewareFunc {
	validator := client.NewRequestValidator(d.AuthToken)
	sign := newSigner(d.AuthToken)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if err := req.ParseForm(); err != nil {
				return formError(err)
			}
			if d.SkipSignature {
				return next(c)
			}
			sig := req.Header.Get("X-Twilio-Signature")
			fullURL := d.PublicURL + req.RequestURI
			if d.AuthToken == "" || sig == "" || !(sign.matches(fullURL, req.PostForm, sig) ||
				validator.Validate(fullURL, firstValues(req.PostForm), sig)) {
				d.Observer.Error("signature")
				d.Log.Warn("refused a Twilio request with a missing or wrong signature", "path", req.URL.Path, "signed", sig != "")
				return echo.NewHTTPError(http.StatusForbidden, "invalid Twilio signature")
			}
			return next(c)
		}
	}
}

// signer computes Twilio's signatures with one auth token. It is the common case
// of Twilio's check, done in one pass over exactly this URL; twilio-go's
// validator, tried when this fails, also accepts the URL with and without the
// default port, at about three times the cost. The two agree
// (TestSignatureMatchesTwilioGo). Every message is signed, so the keyed HMAC and
// the buffers are reused rather than made per request: made per request, they
// cost about 6 µs and 10 allocations a message under load (BENCHMARKS.md).
type signer struct {
	pool sync.Pool // of *signState
}

// signState is one computation's HMAC (keyed with the token) and buffers.
type signState struct {
	mac  hash.Hash
	keys []string
	buf  []byte
	sum  []byte
	want []byte
}

func newSigner(token string) *signer {
	s := &signer{}
	s.pool.New = func() any { return &signState{mac: hmac.New(sha1.New, []byte(token))} }
	return s
}

// sigLen is the length of a signature: an HMAC-SHA1 in base64.
const sigLen = 28

// maxPooledBuffer bounds the buffer a pooled state keeps: a huge form (refused
// anyway) is not worth holding on to.
const maxPooledBuffer = 8 << 10

// matches reports whether sig is the signature of fullURL and form. Anything
// but a signature's length is refused before any work.
func (s *signer) matches(fullURL string, form url.Values, sig string) bool {
	if len(sig) != sigLen {
		return false
	}
	st := s.pool.Get().(*signState)
	defer func() {
		// The buffer held the last request's form (a person's message): it is
		// cleared, and not kept at all when it grew large.
		clear(st.buf)
		clear(st.keys)
		st.buf, st.keys = st.buf[:0], st.keys[:0]
		if cap(st.buf) <= maxPooledBuffer {
			s.pool.Put(st)
		}
	}()
	n := base64.StdEncoding.DecodedLen(len(sig))
	if cap(st.want) < n {
		st.want = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(st.want[:n], []byte(sig))
	if err != nil {
		return false
	}
	st.sum = st.sign(fullURL, form, st.sum[:0])
	return hmac.Equal(st.sum, st.want[:n])
}

// sign appends the signature of fullURL and form to sum: the URL, then each
// parameter's name and first value, sorted by name.
func (st *signState) sign(fullURL string, form url.Values, sum []byte) []byte {
	st.keys = st.keys[:0]
	for k := range form {
		st.keys = append(st.keys, k)
	}
	slices.Sort(st.keys)
	st.buf = append(st.buf[:0], fullURL...)
	for _, k := range st.keys {
		st.buf = append(st.buf, k...)
		if v := form[k]; len(v) > 0 {
			st.buf = append(st.buf, v[0]...)
		}
	}
	st.mac.Reset()
	st.mac.Write(st.buf)
	return st.mac.Sum(sum)
}

func firstValues(form url.Values) map[string]string {
	params := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	return params
}

// formError maps a body that could not be read as a form.
func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
	}
	return echo.NewHTTPError(http.StatusBadRequest, "the body is not a valid form")
}

// Limits on Twilio's fields: generous for real values, small enough that nothing
// else gets far.
const (
	maxSidLen   = 64
	maxPhoneLen = 40
)

// handleMessages applies an inbound SMS or WhatsApp message and answers with TwiML.
// Nothing a person sends and no passing fault gives Twilio a 5xx: a message that
// cannot be applied gets the technical-problem apology, and Twilio keeps it.
func handleMessages(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		form := c.Request().PostForm
		sid := form.Get("MessageSid")
		if sid == "" {
			sid = form.Get("SmsMessageSid")
		}
		from, to := form.Get("From"), form.Get("To")
		if sid == "" || from == "" || len(sid) > maxSidLen || len(from) > maxPhoneLen || len(to) > maxPhoneLen {
			return echo.NewHTTPError(http.StatusBadRequest, "MessageSid and From are required")
		}
		channel := "sms"
		if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
			channel, from = "whatsapp", rest
			to = strings.TrimPrefix(to, "whatsapp:")
		}
		body := form.Get("Body")
		media, _ := strconv.Atoi(form.Get("NumMedia"))
		msg := hotline.Message{
			Conversation: hotline.Conversation{Channel: channel, From: from, To: to},
			ID:           sid,
			Text:         body,
			MediaOnly:    media > 0 && strings.TrimSpace(body) == "",
			// Twilio's Advanced Opt-Out answered STOP, START or HELP itself.
			Silent: form.Get("OptOutType") != "",
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), d.HandleTimeout)
		defer cancel()
		reply, err := d.Bot.Handle(ctx, msg)
		if err != nil {
			d.Log.Error("could not apply a message; sent the technical-problem apology", "channel", channel,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
			reply.Messages = []string{d.Bot.TechnicalProblem()}
		}
		return writeTwiML(c, reply.Messages)
	}
}

// handleStatus records a delivery status callback.
func handleStatus(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		status := c.Request().PostForm.Get("MessageStatus")
		switch status {
		case "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "receiving", "received", "canceled", "partially_delivered":
		default:
			return echo.NewHTTPError(http.StatusBadRequest, "unknown MessageStatus")
		}
		d.Observer.DeliveryStatus(status)
		if status == "failed" || status == "undelivered" {
			d.Log.Warn("a message was not delivered", "status", status, "error_code", c.Request().PostForm.Get("ErrorCode"))
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// writeTwiML answers with a <Response> holding one <Message> per reply; an empty
// <Response/> sends nothing.
func writeTwiML(c echo.Context, replies []string) error {
	return c.Blob(http.StatusOK, "text/xml; charset=utf-8", renderTwiML(replies))
}

// renderTwiML writes the TwiML of some replies: the bytes twilio-go's
// twiml.Messages writes (a test holds it to them), at a small part of its cost,
// which was more than a step of the engine and once needed a cache.
func renderTwiML(replies []string) []byte {
	n := len(twimlHead) + len(twimlTail)
	for _, r := range replies {
		n += len(r) + 32
	}
	b := make([]byte, 0, n)
	b = append(b, twimlHead...)
	empty := true
	for _, r := range replies {
		if r = xmlSafe(r); r != "" {
			b = append(b, "<Message>"...)
			b = appendEscaped(b, r)
			b = append(b, "</Message>"...)
			empty = false
		}
	}
	if empty {
		return append(b[:len(twimlHead)-1], "/>"...)
	}
	return append(b, twimlTail...)
}

const (
	twimlHead = `<?xml version="1.0" encoding="UTF-8"?><Response>`
	twimlTail = `</Response>`
)

// appendEscaped appends s with the five characters XML reserves escaped, as
// twilio-go's XML library writes text.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\'':
			esc = "&apos;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		b = append(append(b, s[last:i]...), esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// xmlSafe drops what XML 1.0 cannot carry at all (most control characters,
// invalid UTF-8); the TwiML encoder escapes the rest.
func xmlSafe(s string) string {
	clean := true
	for _, r := range s {
		if !xmlChar(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if xmlChar(r) && r != utf8.RuneError {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
