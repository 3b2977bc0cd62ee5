package handoff

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Sign returns the X-Hotline-Signature of body under secret:
// "sha256=" and the hex HMAC-SHA256 of the exact bytes.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrNoSecret means the environment variable that holds a hand-off's signing
// key is not set, or blank, when it is sent: worth retrying, since an
// operator can set it (serve checks it at start and on each pack reload, so
// this means the environment changed under a running server).
var ErrNoSecret = errors.New("the signing key's environment variable is not set")

// maxResponse bounds what is read of an answer: its first line of text says
// why a hand-off was refused; the rest is drained up to here, so that the
// connection can serve the next one, and never read further.
const maxResponse = 4 << 10

// maxDetail bounds what the error keeps of the server's words.
const maxDetail = 200

// Error is a hand-off the organization's server did not take. Its message
// names the host and the HTTP status (or what went wrong on the way), never
// the body sent nor what the server answered, which may echo a person's
// data: it is logged and kept in the dead letters. Detail gives the
// server's words, for the coordinator's alert only.
type Error struct {
	// Host is the server's host (and port).
	Host string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Permanent says that sending it again cannot help: a 4xx other than 408
	// and 429, a redirect, or a request that cannot be made.
	Permanent bool
	// Err is what went wrong when there was no answer (a timeout, a refused
	// connection, a missing signing key).
	Err error
	// detail is the first line of the answer's body, cleaned.
	detail string
}

// Error says what happened, like "JSON hand-off to intake.example.org: HTTP
// 400 Bad Request".
func (e *Error) Error() string {
	switch {
	case e.Status >= 300 && e.Status < 400:
		return fmt.Sprintf("JSON hand-off to %s: HTTP %d %s: redirects are not followed; set the handoff url to the address that takes the POST", e.Host, e.Status, http.StatusText(e.Status))
	case e.Status != 0:
		return fmt.Sprintf("JSON hand-off to %s: HTTP %d %s", e.Host, e.Status, http.StatusText(e.Status))
	}
	return fmt.Sprintf("JSON hand-off to %s: %v", e.Host, e.Err)
}

// Unwrap returns what went wrong on the way, if anything.
func (e *Error) Unwrap() error { return e.Err }

// Detail is the first line of what the server answered (at most 200 bytes),
// "" for nothing: for the coordinator, not for logs.
func (e *Error) Detail() string { return e.detail }

// IsPermanent reports whether err is a hand-off failure that retrying cannot
// fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// Poster sends hand-offs. The zero value is not usable: give it a Client and
// Getenv.
type Poster struct {
	// Client sends the requests; its Timeout bounds each one (NewClient).
	// Redirects are never followed, whatever the client says.
	Client *http.Client
	// Getenv reads the signing keys, at each attempt: a key changed in the
	// environment (by a restart) is used from then on.
	Getenv func(string) string
}

// NewClient returns the client a Poster should have: each request bounded by
// timeout, redirects not followed.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, CheckRedirect: noRedirects}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Post sends one hand-off of the referral ref: the body as queued, signed
// with the key in req.SecretEnv, with ref as its Idempotency-Key, so that a
// resend (after a crash between the server's answer and the outbox's record
// of it) is recognisably the same. nil means a 2xx answer. Otherwise the
// error is an *Error; IsPermanent tells whether to retry.
func (p *Poster) Post(ctx context.Context, ref string, req Request) error {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &Error{Host: "?", Permanent: true, Err: errors.New("the handoff url is not an absolute http(s) address")}
	}
	host := u.Host
	secret := p.Getenv(req.SecretEnv)
	if strings.TrimSpace(secret) == "" {
		return &Error{Host: host, Err: fmt.Errorf("%w: %s", ErrNoSecret, req.SecretEnv)}
	}
	if len(req.Body) == 0 {
		return &Error{Host: host, Permanent: true, Err: errors.New("nothing to send: the body was never rendered")}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return &Error{Host: host, Permanent: true, Err: errors.New("the request cannot be made")}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", "hotline")
	hr.Header.Set("Idempotency-Key", ref)
	hr.Header.Set("X-Hotline-Signature", Sign([]byte(secret), req.Body))
	client := *p.Client
	client.CheckRedirect = noRedirects
	resp, err := client.Do(hr)
	if err != nil {
		return &Error{Host: host, Err: transportError(err)}
	}
	defer resp.Body.Close()
	// Read a few KB at most, whatever the server sends.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 && code < 600
	return &Error{Host: host, Status: code, Permanent: !retry, detail: firstLine(head)}
}

// transportError says what went wrong on the way, without the URL (whose
// query may hold a key) that *url.Error adds.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer in time (%w)", err)
	}
	return err
}

// firstLine is the first line of text of b, cleaned of anything unprintable,
// at most maxDetail bytes.
func firstLine(b []byte) string {
	line, _, _ := bufio.NewReader(bytes.NewReader(b)).ReadLine()
	s := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(string(line), ""))
	s = strings.TrimSpace(s)
	if len(s) > maxDetail {
		s = strings.ToValidUTF8(s[:maxDetail], "") + "…"
	}
	return s
}
