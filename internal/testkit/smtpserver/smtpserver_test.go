package smtpserver_test

import (
	"errors"
	netsmtp "net/smtp"
	"net/textproto"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// send sends a small message with this Message-ID through the standard library's
// client, a client written apart from the server.
func send(s *smtpserver.Server, id string) error {
	msg := "From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <" + id + ">\r\nSubject: hi\r\n\r\nHello.\r\n"
	return netsmtp.SendMail(s.Addr, nil, "a@example.org", []string{"b@example.org"}, []byte(msg))
}

// TestCountsDuplicates: every accepted message is recorded, and counted by its
// Message-ID.
func TestCountsDuplicates(t *testing.T) {
	s := smtpserver.Start(t, smtpserver.Options{})
	for _, id := range []string{"one@x", "two@x", "one@x"} {
		if err := send(s, id); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 3 || msgs[0].MessageID() != "one@x" || msgs[0].To[0] != "b@example.org" || msgs[0].Header.Get("Subject") != "hi" {
		t.Errorf("Messages() = %+v", msgs)
	}
	if got := s.Counts(); got["one@x"] != 2 || got["two@x"] != 1 || len(got) != 2 {
		t.Errorf("Counts() = %v, want one@x twice and two@x once", got)
	}
	if n := s.Connections(); n != 3 {
		t.Errorf("Connections() = %d, want 3", n)
	}
}

// TestRefuse: a refusal for n messages ends by itself; Always lasts until Accept.
func TestRefuse(t *testing.T) {
	s := smtpserver.Start(t, smtpserver.Options{})
	busy := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	s.Refuse(smtpserver.Data, busy, 1)
	var se *textproto.Error
	if err := send(s, "a@x"); !errors.As(err, &se) || se.Code != 451 {
		t.Errorf("send while refusing once = %v, want 451", err)
	}
	if err := send(s, "a@x"); err != nil {
		t.Errorf("send after the refusal: %v", err)
	}
	s.Refuse(smtpserver.Rcpt, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, smtpserver.Always)
	for range 3 {
		if err := send(s, "b@x"); !errors.As(err, &se) || se.Code != 550 {
			t.Errorf("send while refusing always = %v, want 550", err)
		}
	}
	s.Accept()
	if err := send(s, "b@x"); err != nil {
		t.Errorf("send after Accept: %v", err)
	}
	if n, r := len(s.Messages()), s.Refused(); n != 2 || r != 4 {
		t.Errorf("%d messages accepted and %d refusals, want 2 and 4", n, r)
	}
}

// TestStopRestart: a stopped server takes no connection; started again on the
// same address, it still has what it recorded.
func TestStopRestart(t *testing.T) {
	s := smtpserver.Start(t, smtpserver.Options{})
	addr := s.Addr
	if err := send(s, "a@x"); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := send(s, "b@x"); err == nil {
		t.Error("a stopped server accepted a message")
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if err := send(s, "c@x"); err != nil || s.Addr != addr {
		t.Errorf("after Restart on %s (was %s): %v", s.Addr, addr, err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart after Close succeeded")
	}
}
