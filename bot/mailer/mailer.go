// Package mailer delivers rendered emails: through an SMTP server, or as .eml
// files in a folder when no server is configured. Both write the exact same MIME
// message, built by one function, so what a developer reads in the outbox folder is
// what an organization would receive.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/hotline-legal/hotline/bot/email"
	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message. It returns nil only when the message was accepted
// (by the SMTP server, or written to disk).
type Sender interface {
	Send(ctx context.Context, m email.Message) error
}

var (
	_ Sender = (*SMTP)(nil)
	_ Sender = (*EMLDir)(nil)
)

// New returns the Sender for SMTP_URL:
//
//   - "" → an EMLDir writing into outboxDir;
//   - smtp://[user:pass@]host[:port] → SMTP (port 587 unless given), with STARTTLS
//     when the server offers it; ?tls=mandatory refuses a server that does not,
//     ?tls=none never uses it;
//   - smtps://[user:pass@]host[:port] → SMTP over implicit TLS (port 465 unless given).
//
// With a user, it authenticates with PLAIN, or LOGIN when the server offers only
// that. User and password are percent-decoded (p%40ss is p@ss). A bad URL is an
// error that says what is wrong and never shows the password.
func New(smtpURL, outboxDir string) (Sender, error) {
	if strings.TrimSpace(smtpURL) == "" {
		if outboxDir == "" {
			return nil, errors.New("mailer: no SMTP_URL and no outbox folder for .eml files")
		}
		return &EMLDir{Dir: outboxDir}, nil
	}
	s, err := parseURL(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("mailer: SMTP_URL %q: %s", Redact(smtpURL), err)
	}
	return s, nil
}

// parseURL reads an SMTP URL into an SMTP. Its errors never contain the URL: the
// caller adds a redacted one.
func parseURL(raw string) (*SMTP, error) {
	raw = strings.TrimSpace(raw)
	if strings.ContainsAny(userinfo(raw), "/?#") {
		// url.Parse would cut the password there and read the rest as a port or a
		// path, and quote it in its errors.
		return nil, errors.New(`the user name or password holds "/", "?", "#" or "@": percent-encode them as %2F, %3F, %23 and %40`)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("not a URL: %s", scrub(err.Error(), raw))
	}
	s := &SMTP{}
	switch u.Scheme {
	case "smtp":
		s.Port = 587
	case "smtps":
		s.Port = 465
		s.TLS = TLSImplicit
	case "":
		return nil, errors.New("no scheme: write it like smtp://user:pass@mail.example.org:587")
	default:
		return nil, fmt.Errorf("scheme %q: use smtp:// (STARTTLS) or smtps:// (implicit TLS)", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, errors.New("no host: write it like smtp://mail.example.org:587")
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return nil, errors.New("no host: write it like smtp://mail.example.org:587")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		s.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("empty port after the host")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("unexpected path %q: an SMTP URL ends after host:port", u.Path)
	}
	if u.Fragment != "" {
		return nil, errors.New("unexpected #fragment")
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" {
			return nil, errors.New("a password without a user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("query: %s", scrub(err.Error(), raw))
	}
	for key, vals := range q {
		if key != "tls" {
			return nil, fmt.Errorf("unknown setting %q (the only one is tls=mandatory|opportunistic|none)", key)
		}
		if len(vals) != 1 {
			return nil, errors.New("tls is given more than once")
		}
		mode, ok := tlsMode(vals[0])
		switch {
		case !ok:
			return nil, fmt.Errorf("tls=%q: use tls=mandatory, tls=opportunistic or tls=none", vals[0])
		case s.TLS == TLSImplicit && mode != TLSMandatory:
			return nil, fmt.Errorf("tls=%s with smtps://: smtps is always TLS; use smtp:// for STARTTLS or none", vals[0])
		case s.TLS != TLSImplicit:
			s.TLS = mode
		}
	}
	return s, nil
}

// tlsMode reads the value of ?tls= in an smtp:// URL.
func tlsMode(s string) (TLSMode, bool) {
	switch strings.ToLower(s) {
	case "opportunistic":
		return TLSOpportunistic, true
	case "mandatory":
		return TLSMandatory, true
	case "none":
		return TLSNone, true
	}
	return 0, false
}

// Redact returns an SMTP URL with its password replaced by "xxxxx", for errors
// and logs. It works on the text, not on a parsed URL, so that it also hides a
// password that breaks parsing: one with an unencoded "/", "?", "#" or "@".
func Redact(raw string) string {
	scheme, rest := splitScheme(raw)
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return raw
	}
	return scheme + user + ":xxxxx" + rest[at:]
}

// splitScheme splits "smtp://rest" into "smtp://" and "rest".
func splitScheme(raw string) (scheme, rest string) {
	if i := strings.Index(raw, "://"); i >= 0 {
		return raw[:i+3], raw[i+3:]
	}
	return "", raw
}

// userinfo is the "user:password" part of raw, as typed: everything before the
// last "@". Passwords may hold any character, and "@" cannot be in a host name.
func userinfo(raw string) string {
	_, rest := splitScheme(raw)
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return rest[:at]
	}
	return ""
}

// quoted finds the "..." parts of an error message.
var quoted = regexp.MustCompile(`"[^"]*"`)

// scrub hides every quoted part of msg that comes from the user and password of
// raw: the url package quotes the offending piece of a URL in its errors.
func scrub(msg, raw string) string {
	info := userinfo(raw)
	if info == "" {
		return msg
	}
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if inner := strings.Trim(q, `"`); inner != "" && strings.Contains(info, inner) {
			return `"…"`
		}
		return q
	})
}

// IsPermanent reports whether a delivery error will not go away by retrying:
//
//   - the SMTP server answered the message's own transaction (MAIL FROM, RCPT TO,
//     DATA or the end of the data) with a 5xx reply. go-mail v0.8.1 returns these
//     as a *mail.SendError (inside an errors.Join, inside "send failed: %w") whose
//     ErrorCode is the reply code. SendError does not unwrap to the underlying
//     *textproto.Error, so ErrorCode is what is read; IsTemp is no help, as it is
//     false for every error that is not a 4xx reply, a dropped connection included;
//   - the message itself cannot be sent (a bad address, a template that fails):
//     any error in the chain with a Permanent() bool method that says true, like
//     *email.RenderError.
//
// Everything else is temporary: connection refused, timeouts, 4xx replies, TLS
// problems, unknown errors; and also 5xx replies that are about this hotline's
// connection rather than the message: those to the greeting, EHLO, STARTTLS or
// AUTH (535 bad password), and at MAIL FROM a 530 or a 5.7.0 ("authenticate
// first", "issue STARTTLS first"). Those would fail every referral alike; an
// operator fixes the settings and the retries then go through, where a permanent
// verdict would have given up on every referral at once.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) && p.Permanent() {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrSMTPMailFrom:
		if code == 530 || se.EnhancedStatusCode() == "5.7.0" {
			return false
		}
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
	default:
		return false
	}
	return code >= 500 && code <= 599
}

// permanentError marks an error that retrying cannot fix: the message is wrong,
// not the server.
type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

func permanent(format string, args ...any) error {
	return &permanentError{err: fmt.Errorf(format, args...)}
}

// hostPort joins a host and port; an IPv6 host gets its brackets.
func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
