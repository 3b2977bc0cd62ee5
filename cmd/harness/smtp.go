package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server (github.com/emersion/go-smtp) on loopback that
// records every message it accepts by Message-ID. While refusing it answers each
// message's data with a temporary failure: the port stays open, as with a mail
// server that is up but cannot take mail, which is the harder case for a client.
type mailServer struct {
	addr string
	srv  *smtp.Server
	done chan struct{}

	mu       sync.Mutex
	refusing bool
	refused  int
	received []receivedMail
}

// receivedMail is one message the server accepted.
type receivedMail struct {
	messageID string // without angle brackets; "" when the message had none
	to        []string
	subject   string
	at        time.Time
}

// refusal is what the server answers while refusing: 451, try again later.
var refusal = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

// startMailServer starts the server on a free loopback port.
func startMailServer() (*mailServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &mailServer{addr: l.Addr().String(), done: make(chan struct{})}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	m.srv.Domain = "localhost"
	m.srv.AllowInsecureAuth = true
	m.srv.ReadTimeout, m.srv.WriteTimeout = 10*time.Second, 10*time.Second
	m.srv.MaxMessageBytes = 4 << 20
	m.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { defer close(m.done); _ = m.srv.Serve(l) }()
	return m, nil
}

// url is SMTP_URL for the hotline: plain SMTP, no TLS.
func (m *mailServer) url() string { return "smtp://" + m.addr + "?tls=none" }

// refuse turns the refusal on or off.
func (m *mailServer) refuse(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refusing = on
}

// snapshot returns what was accepted so far and how many messages were refused.
func (m *mailServer) snapshot() (received []receivedMail, refused int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]receivedMail(nil), m.received...), m.refused
}

func (m *mailServer) close() {
	_ = m.srv.Close()
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
	}
}

// mailSession is one SMTP connection's transaction.
type mailSession struct {
	m  *mailServer
	to []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data reads the whole message before refusing it, as a server that fails at the
// end of the data would: the client has sent everything and still must retry.
func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: fmt.Sprintf("unparseable message: %v", err)}
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refusing {
		m.refused++
		return refusal
	}
	id := strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
	m.received = append(m.received, receivedMail{
		messageID: id, to: append([]string(nil), s.to...), subject: msg.Header.Get("Subject"), at: time.Now(),
	})
	return nil
}

func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }
