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
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
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
	// and 429, a redirect, a request that cannot be made, or an address the
	// client refuses (ErrPrivateAddress).
	Permanent bool
	// Err is what went wrong when there was no answer (a timeout, a refused
	// connection, a missing signing key, ErrPrivateAddress).
	Err error
	// RetryAfter is how long the server asked to be left alone (a
	// Retry-After of seconds with a 429 or a 503); 0 for no such answer.
	RetryAfter time.Duration
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
	// Client sends the requests; its Timeout bounds each one (NewClient,
	// which also keeps them from private addresses).
	// Redirects are never followed, whatever the client says.
	Client *http.Client
	// Getenv reads the signing keys, at each attempt: a key changed in the
	// environment (by a restart) is used from then on.
	Getenv func(string) string
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Timeout bounds each request, from connecting to the end of the answer.
	Timeout time.Duration
	// AllowPrivate lets hand-offs reach the addresses a pack's URL may
	// otherwise not lead to (see NewClient): the operator's setting
	// HOTLINE_HANDOFF_ALLOW_PRIVATE, for an intake system on the hotline's
	// own network, and tests on 127.0.0.1.
	AllowPrivate bool
}

// connectTimeout bounds connecting to an organization's server, and the TLS
// handshake after it, within the request's timeout.
const connectTimeout = 5 * time.Second

// maxResponseHeader bounds the headers of an answer.
const maxResponseHeader = 16 << 10

// NewClient returns the client a Poster should have: each request bounded by
// o.Timeout (connecting and the TLS handshake by 5 seconds each), redirects
// not followed, an answer's headers at most 16 KiB, and no proxy. Unless
// o.AllowPrivate, it refuses to connect, whatever the URL's host resolves to
// at that moment, to a loopback, private (RFC 1918, fc00::/7), link-local
// (169.254.169.254 included), unspecified, multicast or shared (100.64.0.0/10)
// address, or an IPv4-mapped form of one (ErrPrivateAddress): whoever edits a
// pack must not thereby make the server POST people's data, signed, to the
// cloud's metadata service or an internal system.
func NewClient(o ClientOptions) *http.Client {
	dialer := &net.Dialer{Timeout: connectTimeout}
	if !o.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    connectTimeout,
		MaxResponseHeaderBytes: maxResponseHeader,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
	return &http.Client{Timeout: o.Timeout, Transport: transport, CheckRedirect: noRedirects}
}

// ErrPrivateAddress means a hand-off's URL led to an address NewClient's
// client refuses: permanent, since retrying cannot change where it leads
// until an operator does something.
var ErrPrivateAddress = errors.New("the hand-off URL resolves to a private address; set HOTLINE_HANDOFF_ALLOW_PRIVATE=1 if the intake system is on your network")

// refusePrivate is the dialer's check of each address it is about to
// connect to, after name resolution: a name that resolves to a public
// address when the pack is checked and to a private one when the hand-off is
// sent is refused all the same.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || isPrivate(ap.Addr()) {
		return ErrPrivateAddress
	}
	return nil
}

// isPrivate reports whether a is an address a hand-off may not go to
// without the operator's leave: loopback, private, link-local, unspecified,
// multicast, "this network" (0.0.0.0/8) or shared (100.64.0.0/10), in
// IPv4, IPv6, IPv4-mapped IPv6 (::ffff:127.0.0.1) or NAT64 (64:ff9b::/96)
// form.
func isPrivate(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() && netip.MustParsePrefix("64:ff9b::/96").Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) || netip.MustParsePrefix("0.0.0.0/8").Contains(a)
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
		if errors.Is(err, ErrPrivateAddress) {
			return &Error{Host: host, Permanent: true, Err: ErrPrivateAddress}
		}
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
	e := &Error{Host: host, Status: code, Permanent: !retry, detail: firstLine(head)}
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"))
	}
	return e
}

// maxRetryAfter bounds what a Retry-After may ask for; the outbox caps it
// further (its MaxRetry).
const maxRetryAfter = 24 * time.Hour

// retryAfter reads a Retry-After of seconds ("120"), 0 for none, 0 seconds,
// or anything else (an HTTP date is not read: the outbox's backoff applies).
func retryAfter(v string) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(min(n, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
}

// RetryAfterOf is how long the server of a refused hand-off asked to be
// left alone (Error.RetryAfter); 0 for none or another error.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
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
