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
	"strconv"

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

// New returns the Sender for the settings config.Load read from SMTP_URL: the SMTP
// server s, or, when s is nil (SMTP_URL unset), an EMLDir writing into outboxDir.
// The SMTP returned is a copy, so that setting its TLSConfig, Timeout or HELO
// leaves s as it was.
func New(s *SMTP, outboxDir string) (Sender, error) {
	if s == nil {
		if outboxDir == "" {
			return nil, errors.New("mailer: no SMTP server and no outbox folder for .eml files")
		}
		return &EMLDir{Dir: outboxDir}, nil
	}
	if s.Host == "" {
		return nil, errors.New("mailer: the SMTP server has no host")
	}
	c := *s
	return &c, nil
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
