package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hotline-legal/hotline/bot/email"
	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how an SMTP connection is protected.
type TLSMode int

const (
	// TLSMandatory requires STARTTLS: a server that does not offer it is an error,
	// which the outbox retries and alerts on. It is the zero value: there is no
	// mode that falls back to plain text when STARTTLS is missing (or stripped by
	// someone in between).
	TLSMandatory TLSMode = iota
	// TLSNone never uses TLS, and allows a password in plain text: for a relay on a
	// private network that has no TLS.
	TLSNone
	// TLSImplicit speaks TLS from the first byte (smtps://, port 465).
	TLSImplicit
)

// String names the mode as ?tls= does ("implicit" for smtps://).
func (m TLSMode) String() string {
	switch m {
	case TLSMandatory:
		return "mandatory"
	case TLSNone:
		return "none"
	case TLSImplicit:
		return "implicit"
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// DefaultTimeout bounds connecting and each SMTP command.
const DefaultTimeout = 10 * time.Second

// SMTP sends through an SMTP server with github.com/wneessen/go-mail, one
// connection per Send: the outbox sends rarely, and a fresh connection never finds
// itself half-closed by the server after an idle hour.
//
// Host, Port, Username, Password and TLS are what config.Load reads from SMTP_URL
// (the one parser of it); the other fields are for tests. The zero TLS mode is
// opportunistic; a zero Port is 587, or 465 with TLSImplicit.
type SMTP struct {
	Host string
	Port int
	// Username and Password, when Username is set, authenticate with PLAIN, or
	// LOGIN when the server offers only that.
	Username string
	Password string
	TLS      TLSMode
	// TLSConfig replaces the default TLS settings (verify the certificate for Host,
	// TLS 1.2 or newer); tests use it to trust their own certificate authority.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each SMTP command; 0 means DefaultTimeout.
	Timeout time.Duration
	// HELO is the name given in EHLO; "" uses the machine's host name.
	HELO string
}

// String describes the server without the password, so that a printed *SMTP
// leaks nothing: smtp://user:xxxxx@host:587 (tls mandatory).
func (s *SMTP) String() string {
	scheme := "smtp"
	if s.TLS == TLSImplicit {
		scheme = "smtps"
	}
	user := ""
	if s.Username != "" {
		user = s.Username + ":xxxxx@"
	}
	return fmt.Sprintf("%s://%s%s (tls %s)", scheme, user, hostPort(s.Host, s.port()), s.TLS)
}

// LogValue logs the server as String describes it. Without it slog's JSON handler
// would write every exported field, the password too.
func (s *SMTP) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("")
	}
	return slog.StringValue(s.String())
}

// Send delivers m and returns nil once the server has accepted it (250 after the
// data). A failure to say goodbye afterwards (RSET, QUIT) is not an error: the
// message went, and reporting it would make the caller send it a second time.
// ctx bounds the whole exchange, not only the dial.
func (s *SMTP) Send(ctx context.Context, m email.Message) error {
	msg, err := newMsg(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mailer: %s not sent: %w", m.MessageID, err)
	}
	client, conn, err := s.client()
	if err != nil {
		return err
	}
	// go-mail uses ctx only while dialling, and on some failures (EHLO, STARTTLS,
	// AUTH) returns without closing the connection. Holding it here lets ctx cut a
	// stalled exchange short and makes sure nothing is left open.
	stop := context.AfterFunc(ctx, conn.close)
	defer func() {
		stop()
		conn.close()
	}()

	err = client.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		return nil
	}
	if err == nil {
		return fmt.Errorf("mailer: %s: the server did not confirm the message", m.MessageID)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = fmt.Errorf("%w (%w)", ctxErr, err)
	}
	return fmt.Errorf("mailer: sending %s via %s: %w", m.MessageID, hostPort(s.Host, s.port()), err)
}

func (s *SMTP) port() int {
	if s.Port != 0 {
		return s.Port
	}
	if s.TLS == TLSImplicit {
		return 465
	}
	return 587
}

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig == nil {
		return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	c := s.TLSConfig.Clone()
	if c.ServerName == "" {
		c.ServerName = s.Host
	}
	return c
}

// client makes a go-mail client for one Send, with a dialer that remembers the
// connection it opens.
func (s *SMTP) client() (*gomail.Client, *heldConn, error) {
	if s.Host == "" {
		return nil, nil, permanent("mailer: no SMTP host")
	}
	held := &heldConn{}
	tlsConf := s.tlsConfig()
	addr := hostPort(s.Host, s.port())
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		// The address go-mail passes is host:port without brackets, wrong for
		// IPv6; ours is right.
		d := &net.Dialer{Timeout: s.timeout()}
		var c net.Conn
		var err error
		if s.TLS == TLSImplicit {
			c, err = (&tls.Dialer{NetDialer: d, Config: tlsConf}).DialContext(ctx, network, addr)
		} else {
			c, err = d.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		held.set(c)
		return c, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port()),
		gomail.WithTimeout(s.timeout()),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(tlsConf),
	}
	switch s.TLS {
	case TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		// The dialer above does the TLS; WithSSL tells go-mail not to try STARTTLS
		// inside it.
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, nil, permanent("mailer: unknown TLS mode %d", int(s.TLS))
	}
	if s.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.HELO))
	}
	if s.Username != "" {
		// PLAIN first: every server that offers LOGIN offers PLAIN too, except a
		// few old Exchange ones. go-mail refuses either over plain text unless the
		// server is localhost; the -NOENC variants are the explicit ?tls=none opt-in.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if s.TLS == TLSNone {
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("mailer: SMTP client for %s: %w", addr, err)
	}
	return client, held, nil
}

// heldConn is the connection of one Send, closed when Send returns or its ctx
// ends, whichever comes first. Closing twice is harmless.
type heldConn struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

func (h *heldConn) set(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		// ctx ended while dialling: do not keep what arrived late.
		c.Close()
		return
	}
	h.conn = c
}

func (h *heldConn) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.conn != nil {
		h.conn.Close()
	}
}
