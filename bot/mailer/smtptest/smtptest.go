// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on
// loopback for tests: it records every message it accepts, can refuse the next
// ones with a chosen reply, and can be started late or stopped to play an outage.
package smtptest

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message as the server accepted it.
type Message struct {
	From   string
	To     []string
	Data   []byte
	Header mail.Header
}

// MessageID returns the message's Message-ID header.
func (m Message) MessageID() string { return m.Header.Get("Message-Id") }

// Server is a recording SMTP server.
type Server struct {
	// Addr is host:port.
	Addr string
	t    testing.TB

	mu       sync.Mutex
	messages []Message
	refuse   *smtp.SMTPError
	refusals int
	srv      *smtp.Server
	done     chan struct{}
}

// Start starts a server on addr ("127.0.0.1:0" for any free port) and stops it when
// the test ends.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	s := &Server{t: t}
	s.listen(addr)
	t.Cleanup(s.Stop)
	return s
}

// FreeAddr returns a loopback address where nothing listens yet: for a server
// that is down now and started later.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *Server) listen(addr string) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.MaxMessageBytes = 4 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may still be closing from a Stop
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtptest: listen on %s: %v", addr, err)
	}
	s.Addr = l.Addr().String()
	s.srv, s.done = srv, make(chan struct{})
	go func(done chan struct{}) { defer close(done); _ = srv.Serve(l) }(s.done)
}

// URL returns the server's smtp:// URL, without TLS.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// Refuse makes the server answer the next n messages' DATA with err, such as
// &smtp.SMTPError{Code: 451, Message: "try later"}.
func (s *Server) Refuse(err *smtp.SMTPError, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse, s.refusals = err, n
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until n messages were accepted or the timeout passes, and returns
// them.
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

// Stop stops the server; Restart starts it again on the same address.
func (s *Server) Stop() {
	if s.srv == nil {
		return
	}
	_ = s.srv.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.t.Error("smtptest: the server did not stop")
	}
	s.srv = nil
}

// Restart starts a stopped server again on its address.
func (s *Server) Restart() {
	s.listen(s.Addr)
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error { se.from = from; return nil }

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := se.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusals > 0 {
		s.refusals--
		return s.refuse
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	s.messages = append(s.messages, Message{From: se.from, To: se.to, Data: data, Header: msg.Header})
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }
