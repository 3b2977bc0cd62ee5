// Package smtpserver is a real SMTP server (github.com/emersion/go-smtp) on
// loopback for the tests and the fault harness. It records every message it
// accepts, counts them by Message-ID (a duplicate is a message accepted twice),
// can refuse at MAIL, RCPT or the end of DATA with the reply of your choice, for a
// few messages or until told to accept again, and can be stopped and started
// again to play an outage. It also speaks STARTTLS or implicit TLS and AUTH PLAIN
// when asked to, for the mailer's own tests.
//
// New serves a program's main (the caller closes the server); Start serves tests
// (the server is closed when the test ends).
package smtpserver

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hotline-legal/hotline/bot/mailer"
)

// Options describe a server; the zero value is plain SMTP on a free loopback port
// that takes every well-formed message.
type Options struct {
	// Addr is where to listen; "" picks a free loopback port.
	Addr string
	// TLS, when set, is offered with STARTTLS, or spoken from the first byte when
	// ImplicitTLS is set too (smtps).
	TLS         *tls.Config
	ImplicitTLS bool
	// Users, when set, are the user names and passwords AUTH PLAIN accepts, and
	// MAIL is refused until the client has authenticated.
	Users map[string]string
	// HangUpAfterAccept closes the connection right after the 250 to the data, so
	// that the client's RSET and QUIT fail although the message was accepted.
	HangUpAfterAccept bool
}

// Message is one message the server accepted.
type Message struct {
	From   string // the envelope's MAIL FROM
	To     []string
	Data   []byte
	Header mail.Header
	// User is who authenticated, "" for nobody; TLS says whether the session was
	// encrypted when the message came.
	User string
	TLS  bool
	At   time.Time
}

// MessageID returns the message's Message-ID without its angle brackets; "" when
// it has none.
func (m Message) MessageID() string {
	return strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
}

// Command is the point of a transaction where Refuse answers.
type Command int

// The commands a refusal can answer.
const (
	Mail Command = iota + 1 // MAIL FROM
	Rcpt                    // RCPT TO
	Data                    // the end of the message's data, once all of it was read
)

// Always, as Refuse's count, refuses until Accept.
const Always = -1

// Server is a recording SMTP server. Its methods are safe for concurrent use.
type Server struct {
	// Addr is host:port, kept across Stop and Restart.
	Addr string
	o    Options

	mu          sync.Mutex
	srv         *smtp.Server // nil while stopped
	listener    net.Listener
	done        chan struct{}
	closed      bool
	messages    []Message
	counts      map[string]int // by Message-ID
	refuseAt    Command
	refusal     *smtp.SMTPError
	refusals    int // left; Always for no end
	refused     int
	connections int
}

// New starts a server.
func New(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	s := &Server{o: o, Addr: o.Addr, counts: map[string]int{}}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts a server for a test and closes it when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func (s *Server) listen() error {
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // AUTH PLAIN over plain loopback, as the tests want
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 4 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = s.o.TLS
	var l net.Listener
	var err error
	for range 50 { // after Stop, the port may take a moment to be free again
		if l, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("smtpserver: listen on %s: %w", s.Addr, err)
	}
	if s.o.ImplicitTLS {
		l = tls.NewListener(l, s.o.TLS)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.Addr = l.Addr().String()
	s.srv, s.listener, s.done = srv, l, done
	s.mu.Unlock()
	go func() { defer close(done); _ = srv.Serve(l) }()
	return nil
}

// URL returns the server's SMTP_URL: plain SMTP, no TLS.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// SMTP returns the mailer's settings for the server, as config.Load reads them
// from URL(), for tests that make a mailer without the config.
func (s *Server) SMTP() *mailer.SMTP {
	host, port, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(port)
	return &mailer.SMTP{Host: host, Port: n, TLS: mailer.TLSNone}
}

// Refuse makes the server answer command with reply the next n times, or every
// time until Accept when n is Always. For example 451 4.3.0 at Data for a mail
// server that is up but cannot take mail for a while (a client must retry), or
// 550 5.1.1 for a mailbox that does not exist (it must give up).
func (s *Server) Refuse(at Command, reply *smtp.SMTPError, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseAt, s.refusal, s.refusals = at, reply, n
}

// Accept ends a refusal: from now on the server takes every message.
func (s *Server) Accept() { s.Refuse(0, nil, 0) }

// refuse returns the refusal due at command, counting it, or nil.
func (s *Server) refuse(at Command) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusal == nil || s.refuseAt != at || s.refusals == 0 {
		return nil
	}
	if s.refusals > 0 {
		s.refusals--
	}
	s.refused++
	return s.refusal
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Counts returns how many times each Message-ID was accepted so far: more than
// once means a duplicate.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for id, n := range s.counts {
		out[id] = n
	}
	return out
}

// Refused returns how many refusals the server has answered.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Connections returns how many SMTP connections clients have opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// WaitFor waits until n messages were accepted or timeout passes, and returns the
// messages accepted by then.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops listening and ends every connection, as a mail server that went
// down; Restart starts it again on the same address. Stopping a stopped server
// does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	srv, l, done := s.srv, s.listener, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	_ = srv.Close()
	// Closed here too: a Serve that has not begun yet does not know the listener,
	// and srv.Close would leave it open.
	_ = l.Close()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("smtpserver: the server on %s did not stop within 5s", s.Addr)
	}
}

// Restart starts a stopped server again on its address, with what it recorded.
func (s *Server) Restart() error {
	s.mu.Lock()
	running, closed := s.srv != nil, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("smtpserver: the server on %s is closed", s.Addr)
	case running:
		return nil
	}
	return s.listen()
}

// Close stops the server for good. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.Stop()
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.connections++
	s.mu.Unlock()
	return &session{s: s, c: c}, nil
}

// session is one connection's transaction.
type session struct {
	s        *Server
	c        *smtp.Conn
	user     string
	from     string
	to       []string
	accepted bool
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if want, ok := se.s.o.Users[username]; !ok || want != password {
			return smtp.ErrAuthFailed
		}
		se.user = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.o.Users != nil && se.user == "" {
		return smtp.ErrAuthRequired
	}
	if err := se.s.refuse(Mail); err != nil {
		return err
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := se.s.refuse(Rcpt); err != nil {
		return err
	}
	se.to = append(se.to, to)
	return nil
}

// Data reads the whole message before any refusal, as a server that fails at the
// end of the data does: the client has sent everything and still must retry.
func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := se.s.refuse(Data); err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable message: " + err.Error()}
	}
	_, isTLS := se.c.TLSConnectionState()
	m := Message{From: se.from, To: append([]string(nil), se.to...), Data: data, Header: msg.Header,
		User: se.user, TLS: isTLS, At: time.Now()}
	s := se.s
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.counts[m.MessageID()]++
	s.mu.Unlock()
	se.accepted = true
	return nil
}

// Reset is called by go-smtp after the reply to the data has been written, and on
// RSET: the moment to hang up for HangUpAfterAccept.
func (se *session) Reset() {
	hangUp := se.s.o.HangUpAfterAccept && se.accepted
	se.from, se.to, se.accepted = "", nil, false
	if hangUp {
		_ = se.c.Conn().Close()
	}
}

func (se *session) Logout() error { return nil }
