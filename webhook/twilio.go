package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hotline-legal/hotline"
)

// verifyTwilio refuses any request to /twilio/* whose X-Twilio-Signature does not
// match: HMAC-SHA1 with the auth token over HOTLINE_PUBLIC_URL + the request URI and
// the sorted form parameters. Without a token, every request is refused, unless the
// insecure switch is on (local trials only). Anyone can post here, so the work
// done before the signature is known to be right is bounded and linear in the
// body: a form is refused by its count of parameters before it is parsed, and the
// signature is checked in one pass of our own signer.
func verifyTwilio(d Deps) echo.MiddlewareFunc {
	sign := newSigner(d.AuthToken)
	// The port lives in the public URL, not in the request URI: its variants are
	// worked out once.
	bases := portVariants(d.PublicURL)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if d.AuthToken == "" && !d.SkipSignature {
				// Said apart from a wrong signature: the fix is in the settings,
				// not at Twilio.
				d.Observer.Error("signature")
				d.Log.Warn("refused a Twilio request: no auth token is set", "path", req.URL.Path)
				return echo.NewHTTPError(http.StatusForbidden, "this server has no TWILIO_AUTH_TOKEN set, so it refuses every Twilio request")
			}
			if err := readForm(req, d); err != nil {
				return err
			}
			if d.SkipSignature {
				return next(c)
			}
			sig := req.Header.Get("X-Twilio-Signature")
			if !sign.matches(bases, req.RequestURI, req.PostForm, sig) {
				d.Observer.Error("signature")
				d.Log.Warn("refused a Twilio request with a missing or wrong signature", "path", req.URL.Path, "signed", sig != "")
				return echo.NewHTTPError(http.StatusForbidden, "invalid Twilio signature")
			}
			return next(c)
		}
	}
}

// maxTwilioParams bounds the parameters of a form from Twilio. An SMS comes with
// about 20 (the sids, From and To with their city, state, zip and country, Body,
// NumMedia, NumSegments, SmsStatus, ApiVersion); a WhatsApp message can add about
// 25 more (profile, button, replied-to message, ad referral, a shared location)
// and up to 10 media, each a MediaUrlN and a MediaContentTypeN: some 65 at most
// today. 100 leaves room for fields Twilio adds (a refusal is logged with the
// count, so an operator would see it) and stays far below the 9,000 a forged
// 64 KB body can hold.
const maxTwilioParams = 100

// readForm reads the body, as limitBody bounds it, into req.PostForm. A form of
// more than maxTwilioParams parameters is refused by counting its separators,
// before a map is made of it.
func readForm(req *http.Request, d Deps) error {
	if ctype, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); ctype != "application/x-www-form-urlencoded" {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send a form (application/x-www-form-urlencoded), as Twilio does")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return formError(err)
	}
	if n := bytes.Count(body, []byte{'&'}) + 1; n > maxTwilioParams {
		d.Log.Warn("refused a Twilio request with too many parameters", "path", req.URL.Path, "params", n)
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("the form has %d parameters; Twilio sends at most %d", n, maxTwilioParams))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return formError(err)
	}
	req.PostForm = form
	return nil
}

// portVariants returns rawURL and the same URL with its port the other way: the
// scheme's default port added when it has none, its port removed when it has
// one. Twilio signs some requests with the port and some without; these are the
// URLs twilio-go's validator accepts (TestSignatureMatchesTwilioGo holds the two
// to the same answers). Only the host changes: the rest is kept byte for byte.
func portVariants(rawURL string) []string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return []string{rawURL}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	at := strings.LastIndexByte(authority, '@') + 1 // past any user info
	user, host := authority[:at], authority[at:]
	var other string
	if colon := strings.LastIndexByte(host, ':'); colon > strings.LastIndexByte(host, ']') && colon < len(host)-1 {
		other = host[:colon]
	} else if strings.EqualFold(scheme, "https") {
		other = host + ":443"
	} else {
		other = host + ":80"
	}
	return []string{rawURL, scheme + "://" + user + other + tail}
}

// signer computes Twilio's signatures with one auth token, in one pass: the
// sorted parameters are written out once and HMACed after each variant of the
// URL (portVariants). Every message is signed, so the keyed HMAC and the buffers
// are reused rather than made per request: made per request, they cost about
// 6 µs and 10 allocations a message under load (BENCHMARKS.md).
type signer struct {
	pool sync.Pool // of *signState
}

// signState is one computation's HMAC (keyed with the token) and buffers.
type signState struct {
	mac    hash.Hash
	keys   []string
	head   []byte // a URL variant and the request URI
	params []byte // each parameter's name and first value, sorted by name
	sum    []byte
	want   []byte
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

// matches reports whether sig is the signature of form posted to one of bases
// followed by uri. Anything but a signature's length is refused before any work.
func (s *signer) matches(bases []string, uri string, form url.Values, sig string) bool {
	if len(sig) != sigLen {
		return false
	}
	st := s.pool.Get().(*signState)
	defer func() {
		// The buffer held the last request's form (a person's message): it is
		// cleared, and not kept at all when it grew large.
		clear(st.params)
		clear(st.keys)
		st.params, st.keys = st.params[:0], st.keys[:0]
		if cap(st.params) <= maxPooledBuffer && cap(st.head) <= maxPooledBuffer {
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
	st.writeParams(form)
	for _, base := range bases {
		st.head = append(append(st.head[:0], base...), uri...)
		st.mac.Reset()
		st.mac.Write(st.head)
		st.mac.Write(st.params)
		st.sum = st.mac.Sum(st.sum[:0])
		if hmac.Equal(st.sum, st.want[:n]) {
			return true
		}
	}
	return false
}

// writeParams writes each parameter's name and first value, sorted by name, as
// Twilio signs them.
func (st *signState) writeParams(form url.Values) {
	st.keys = st.keys[:0]
	n := 0
	for k, v := range form {
		st.keys = append(st.keys, k)
		n += len(k)
		if len(v) > 0 {
			n += len(v[0])
		}
	}
	slices.Sort(st.keys)
	// Sized once: grown by appends, a large form was copied over and over.
	st.params = slices.Grow(st.params[:0], n)
	for _, k := range st.keys {
		st.params = append(st.params, k...)
		if v := form[k]; len(v) > 0 {
			st.params = append(st.params, v[0]...)
		}
	}
}

// formError maps a body that could not be read as a form.
func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
	}
	return echo.NewHTTPError(http.StatusBadRequest, "the body is not a valid form")
}

// messageSid reports whether s is a message SID as Twilio writes one: SM (or MM
// for MMS) and 32 hex digits. The fields a message is keyed by must have a fixed
// form: Twilio signs the names and values joined with nothing between, so a value
// that may run on could take in the next parameter's name and value
// ("MessageSid=SM…NumMedia0" without NumMedia) and still match the signature,
// making a captured request look like a new message, or another sender's.
func messageSid(s string) bool {
	if len(s) != 34 || (s[:2] != "SM" && s[:2] != "MM") {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// shortCode reports whether s is a short code, which Twilio writes as bare
// digits: a hotline may text from one.
func shortCode(s string) bool {
	return len(s) >= 3 && len(s) <= 8 && digits(s)
}

// e164 reports whether s is a phone number in E.164: "+" and 2 to 15 digits,
// the first not 0. See messageSid for why the form is checked.
func e164(s string) bool {
	return len(s) >= 3 && len(s) <= 16 && s[0] == '+' && s[1] != '0' && digits(s[1:])
}

// digits reports whether s is only the digits 0 to 9.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

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
		if sid == "" || from == "" {
			return echo.NewHTTPError(http.StatusBadRequest, "MessageSid and From are required")
		}
		if !messageSid(sid) {
			return echo.NewHTTPError(http.StatusBadRequest, "MessageSid must be a Twilio message SID: SM or MM and 32 hex digits")
		}
		channel := "sms"
		if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
			channel, from = "whatsapp", rest
			to = strings.TrimPrefix(to, "whatsapp:")
		}
		if !e164(from) || to != "" && !e164(to) && !shortCode(to) {
			return echo.NewHTTPError(http.StatusBadRequest, "From and To must be phone numbers in E.164, like +13125550100 (To may be a short code)")
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
			reply.Messages = []string{d.Bot.TechnicalProblem(channel)}
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
