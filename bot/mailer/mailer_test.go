package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/mailer"

	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/pack"
)

// message renders a real referral email, with accents and a "·" in the subject
// and a person's text that tries to add headers.
func message(t *testing.T) email.Message {
	t.Helper()
	r := &hotline.Referral{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 21, 4, 5, 0, time.UTC), OrgName: "Tenant Rights Clinic",
		OrgEmail: "intake.tenants@example.org", OrgPhone: "(312) 555-0111", IncludeAnswers: true, Urgent: true,
		UrgentReasons: []string{"court hearing within 14 days"}, CaseLabel: "Vivienda (desalojo) — señal pública", CaseCode: "63",
		Name: "José Núñez\r\nBcc: victim@example.com", Callback: "+13125550142", Channel: "sms", Language: "es",
		Opponent: "Acme & <Sons>", ZIP: "60612", Household: 3, MonthlyIncomeCents: 200000, PovertyPercent: 87.85,
		IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []hotline.QA{{Question: "Anything else", Kind: "text", Value: strings.Repeat("A long answer that wraps. ", 12) + "\n.\nBye"}},
	}
	sample, _, err := pack.Load(defaultpack.FS, r.At)
	if err != nil {
		t.Fatal(err)
	}
	m, err := email.Render(r, email.Options{
		From: "Legal Aid Hotline <hotline@example.org>", Location: time.UTC, HotlineName: "Legal Aid Hotline",
		MessageID: email.MessageID(r.Ref, "job-1", "example.org"), Words: sample.EmailWords("en"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ctx is a context that ends before the test's own time runs out.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// newSMTP is the sender for the SMTP server at addr (host:port) with the other
// settings of s, as config.Load reads them from SMTP_URL, and a 5 s timeout.
func newSMTP(t *testing.T, addr string, s mailer.SMTP) *mailer.SMTP {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	s.Host = host
	if s.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	sender, err := mailer.New(&s, "")
	if err != nil {
		t.Fatalf("New(%+v): %v", s, err)
	}
	smtp, ok := sender.(*mailer.SMTP)
	if !ok {
		t.Fatalf("New(%+v) = %T, want *mailer.SMTP", s, sender)
	}
	smtp.Timeout = 5 * time.Second
	return smtp
}

// TestSMTPDelivers: the email arrives with the right envelope, headers, parts and
// content.
func TestSMTPDelivers(t *testing.T) {
	srv := smtpserver.Start(t, smtpserver.Options{})
	m := message(t)
	if err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("the server got %d messages, want 1", len(got))
	}
	if got[0].From != "hotline@example.org" || !slices.Equal(got[0].To, []string{"intake.tenants@example.org"}) {
		t.Errorf("envelope: MAIL FROM %q, RCPT TO %q", got[0].From, got[0].To)
	}
	checkMIME(t, got[0].Data, m)
}

// checkMIME parses raw as an email and compares it with m.
func checkMIME(t *testing.T, raw []byte, m email.Message) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the email: %v\n%s", err, raw)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	for _, tt := range []struct{ key, want string }{
		{"Message-Id", "<" + m.MessageID + ">"},
		{"X-Hotline-Reference", "H-7F3K9"},
		{"Auto-Submitted", "auto-generated"},
		{"Mime-Version", "1.0"},
	} {
		if got := h.Get(tt.key); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
		}
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Legal Aid Hotline" || from[0].Address != "hotline@example.org" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "intake.tenants@example.org" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if date, err := h.Date(); err != nil || !date.Equal(m.Date) {
		t.Errorf("Date = %v (%v), want %v", date, err, m.Date)
	}
	// Only these headers, and nothing a person typed in any of them.
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "X-Hotline-Reference"}
	if m.ReplyTo != "" {
		want = append(want, "Reply-To")
		slices.Sort(want)
		replyTo, err := h.AddressList("Reply-To")
		wantReplyTo, _ := mail.ParseAddress(m.ReplyTo)
		if err != nil || len(replyTo) != 1 || wantReplyTo == nil || *replyTo[0] != *wantReplyTo {
			t.Errorf("Reply-To = %v (%v), want %v", replyTo, err, m.ReplyTo)
		}
	}
	if !slices.Equal(keys, want) {
		t.Errorf("headers = %v, want %v", keys, want)
	}
	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	if bytes.Contains(header, []byte("Bcc")) || bytes.Contains(header, []byte("Acme")) {
		t.Errorf("a person's text is in the header:\n%s", header)
	}

	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading the parts: %v", err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		if !strings.EqualFold(cp["charset"], "utf-8") {
			t.Errorf("part %s: charset %q", ct, cp["charset"])
		}
		// multipart.Reader decodes quoted-printable itself (and drops the
		// Content-Transfer-Encoding header, checked in the raw message below).
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("part %s: %v", ct, err)
		}
		want := m.Text
		if ct == "text/html" {
			want = m.HTML
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want {
			t.Errorf("part %s differs from the rendered one:\n got %q\nwant %q", ct, got, want)
		}
	}
	if !slices.Equal(types, []string{"text/plain", "text/html"}) {
		t.Errorf("parts = %v, want text/plain then text/html", types)
	}
	if n := bytes.Count(raw, []byte("\r\nContent-Transfer-Encoding: quoted-printable\r\n")); n != 2 {
		t.Errorf("%d parts are quoted-printable, want both", n)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("a bare LF in the message: SMTP wants CRLF")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long, over SMTP's limit", i+1, len(line))
		}
	}
}

// TestSMTPAuth: AUTH PLAIN with the user and password as given, "@", ":" and "/"
// included.
func TestSMTPAuth(t *testing.T) {
	srv := smtpserver.Start(t, smtpserver.Options{Users: map[string]string{"hotline@example.org": "s3cret:@/"}})
	m := message(t)
	s := newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline@example.org", Password: "s3cret:@/", TLS: mailer.TLSNone})
	if err := s.Send(ctx(t), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].User != "hotline@example.org" {
		t.Fatalf("got %+v, want one message from the authenticated user", got)
	}

	s = newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline@example.org", Password: "wrong", TLS: mailer.TLSNone})
	err := s.Send(ctx(t), m)
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	if mailer.IsPermanent(err) {
		t.Errorf("a wrong password is permanent; it is a setting to fix, then the retries go: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("the error does not give the server's reply: %v", err)
	}
	if len(srv.Messages()) != 1 {
		t.Errorf("a message was accepted without authentication")
	}
}

// TestSMTPRefuses: 4xx replies are temporary, 5xx replies to the message are
// permanent, whichever command gets them.
func TestSMTPRefuses(t *testing.T) {
	reply := func(code int, enhanced smtp.EnhancedCode) *smtp.SMTPError {
		return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: "scripted refusal"}
	}
	tests := []struct {
		name      string
		at        smtpserver.Command
		reply     *smtp.SMTPError
		permanent bool
	}{
		{"MAIL 451", smtpserver.Mail, reply(451, smtp.EnhancedCode{4, 3, 0}), false},
		{"MAIL 550", smtpserver.Mail, reply(550, smtp.EnhancedCode{5, 7, 1}), true},
		{"MAIL 530 authentication required", smtpserver.Mail, reply(530, smtp.EnhancedCode{5, 7, 0}), false},
		{"MAIL 502 5.7.0 authenticate first", smtpserver.Mail, reply(502, smtp.EnhancedCode{5, 7, 0}), false},
		{"RCPT 450", smtpserver.Rcpt, reply(450, smtp.EnhancedCode{4, 2, 1}), false},
		{"RCPT 452", smtpserver.Rcpt, reply(452, smtp.EnhancedCode{4, 5, 3}), false},
		{"RCPT 550", smtpserver.Rcpt, reply(550, smtp.EnhancedCode{5, 1, 1}), true},
		{"RCPT 553", smtpserver.Rcpt, reply(553, smtp.EnhancedCode{5, 1, 3}), true},
		{"DATA 421", smtpserver.Data, reply(421, smtp.EnhancedCode{4, 3, 2}), false},
		{"DATA 451", smtpserver.Data, reply(451, smtp.EnhancedCode{4, 3, 0}), false},
		{"DATA 552", smtpserver.Data, reply(552, smtp.EnhancedCode{5, 3, 4}), true},
		{"DATA 554", smtpserver.Data, reply(554, smtp.EnhancedCode{5, 7, 1}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtpserver.Start(t, smtpserver.Options{})
			srv.Refuse(tt.at, tt.reply, smtpserver.Always)
			err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), message(t))
			if err == nil {
				t.Fatal("Send succeeded against a refusing server")
			}
			code := strings.Fields(tt.name)[1]
			if !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), "scripted refusal") {
				t.Errorf("the error does not give the reply %s: %v", code, err)
			}
			if got := mailer.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("the server kept %d messages", n)
			}
		})
	}
}

// TestSMTPServerDown: nothing listening is a temporary error.
func TestSMTPServerDown(t *testing.T) {
	port := freePort(t)
	err := newSMTP(t, fmt.Sprintf("127.0.0.1:%d", port), mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), message(t))
	if err == nil {
		t.Fatal("Send succeeded with no server")
	}
	if mailer.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true for a server that is down", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:"+strconv.Itoa(port)) || !strings.Contains(err.Error(), message(t).MessageID) {
		t.Errorf("the error says neither where nor what: %v", err)
	}
}

// TestSMTPStalled: a server that never answers is cut short by ctx or by the
// timeout, and the error is temporary.
func TestSMTPStalled(t *testing.T) {
	port := silentServer(t)
	s := newSMTP(t, fmt.Sprintf("127.0.0.1:%d", port), mailer.SMTP{TLS: mailer.TLSNone})

	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(c, message(t))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || mailer.IsPermanent(err) {
		t.Errorf("Send past its deadline = %v, want a temporary deadline error", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Send took %v, past its 300ms context (the 5s timeout must not be what ended it)", d)
	}

	s.Timeout = 300 * time.Millisecond
	err = s.Send(ctx(t), message(t))
	if err == nil || mailer.IsPermanent(err) {
		t.Errorf("Send to a silent server = %v, want a temporary error", err)
	}

	c, cancel = context.WithCancel(context.Background())
	cancel()
	if err := s.Send(c, message(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestSMTPHangUpAfterAccept: once the server has said 250 to the data, the message
// is delivered; a failed RSET or QUIT afterwards must not make the caller send it
// again.
func TestSMTPHangUpAfterAccept(t *testing.T) {
	srv := smtpserver.Start(t, smtpserver.Options{HangUpAfterAccept: true})
	if err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), message(t)); err != nil {
		t.Errorf("Send = %v, want nil: the server accepted the message", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server got %d messages, want 1", n)
	}
}

func TestSMTPTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	trust := func(s *mailer.SMTP) *mailer.SMTP {
		s.TLSConfig = serverTLS.Clone()
		s.TLSConfig.Certificates = nil
		s.TLSConfig.RootCAs = pool
		return s
	}

	t.Run("mandatory without STARTTLS", func(t *testing.T) {
		srv := smtpserver.Start(t, smtpserver.Options{})
		err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSMandatory}).Send(ctx(t), message(t))
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("Send = %v, want an error about STARTTLS", err)
		}
		if len(srv.Messages()) != 0 {
			t.Error("the message went in plain text")
		}
	})
	for _, mode := range []mailer.TLSMode{mailer.TLSMandatory} {
		t.Run("STARTTLS "+mode.String(), func(t *testing.T) {
			srv := smtpserver.Start(t, smtpserver.Options{Users: map[string]string{"hotline": "pw"}, TLS: serverTLS})
			err := trust(newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline", Password: "pw", TLS: mode})).Send(ctx(t), message(t))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := srv.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "hotline" {
				t.Errorf("got %+v, want one message over TLS from hotline", got)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		srv := smtpserver.Start(t, smtpserver.Options{TLS: serverTLS})
		if err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), message(t)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := srv.Messages(); len(got) != 1 || got[0].TLS {
			t.Errorf("got %+v, want one message without TLS", got)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := smtpserver.Start(t, smtpserver.Options{TLS: serverTLS})
		err := newSMTP(t, srv.Addr, mailer.SMTP{}).Send(ctx(t), message(t))
		if err == nil || !strings.Contains(err.Error(), "certificate") || mailer.IsPermanent(err) {
			t.Errorf("Send to a server with an unknown certificate = %v, want a temporary certificate error", err)
		}
		if len(srv.Messages()) != 0 {
			t.Error("the message went to a server whose certificate is not trusted")
		}
	})
	t.Run("implicit", func(t *testing.T) {
		srv := smtpserver.Start(t, smtpserver.Options{Users: map[string]string{"hotline": "pw"}, TLS: serverTLS, ImplicitTLS: true})
		err := trust(newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline", Password: "pw", TLS: mailer.TLSImplicit})).Send(ctx(t), message(t))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := srv.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "hotline" {
			t.Errorf("got %+v, want one message over TLS from hotline", got)
		}
	})
}

// TestSMTPNoPasswordInPlainText: without STARTTLS nothing is sent, the password
// least of all, unless ?tls=none says it may be.
func TestSMTPNoPasswordInPlainText(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	l.Close()
	// 127.0.0.2 is loopback too, but not "localhost" to go-mail.
	srv := smtpserver.Start(t, smtpserver.Options{Addr: "127.0.0.2:0", Users: map[string]string{"hotline": "pw"}})
	err = newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline", Password: "pw"}).Send(ctx(t), message(t))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || mailer.IsPermanent(err) {
		t.Errorf("Send with a password over plain text = %v, want a temporary refusal that mentions STARTTLS", err)
	}
	if err := newSMTP(t, srv.Addr, mailer.SMTP{Username: "hotline", Password: "pw", TLS: mailer.TLSNone}).Send(ctx(t), message(t)); err != nil {
		t.Errorf("Send with ?tls=none: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server got %d messages, want 1", n)
	}
}

// TestSendRefusesBadMessages: a message that cannot be sent is a permanent error,
// found before any connection.
func TestSendRefusesBadMessages(t *testing.T) {
	srv := smtpserver.Start(t, smtpserver.Options{})
	tests := []struct {
		name   string
		change func(*email.Message)
	}{
		{"bad From", func(m *email.Message) { m.From = "not an address" }},
		{"bad To", func(m *email.Message) { m.To = "intake@example.org\r\nBcc: x@example.com" }},
		{"two To", func(m *email.Message) { m.To = "a@example.org, b@example.org" }},
		{"no Message-ID", func(m *email.Message) { m.MessageID = "" }},
		{"Message-ID with brackets", func(m *email.Message) { m.MessageID = "<a@b>" }},
		{"bad reference", func(m *email.Message) { m.Ref = "H-1\r\nX: y" }},
		{"no date", func(m *email.Message) { m.Date = time.Time{} }},
		{"no HTML", func(m *email.Message) { m.HTML = "" }},
		{"bad Reply-To", func(m *email.Message) { m.ReplyTo = "coordinator@example.org\r\nBcc: x@example.com" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := message(t)
			tt.change(&m)
			for _, s := range []mailer.Sender{newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}), &mailer.EMLDir{Dir: t.TempDir()}} {
				err := s.Send(ctx(t), m)
				if err == nil || !mailer.IsPermanent(err) {
					t.Errorf("%T.Send = %v, want a permanent error", s, err)
				}
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections were made for messages that cannot be sent", n)
	}
}

// TestReplyTo: a message with a Reply-To (the hotline's coordinator) carries
// the header, through SMTP and in an .eml file alike.
func TestReplyTo(t *testing.T) {
	m := message(t)
	m.ReplyTo = "Intake Coordinator <coordinator@example.org>"
	srv := smtpserver.Start(t, smtpserver.Options{})
	if err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("the server got %d messages, want 1", len(got))
	}
	checkMIME(t, got[0].Data, m)
	if !bytes.Contains(got[0].Data, []byte("Reply-To: \"Intake Coordinator\" <coordinator@example.org>\r\n")) {
		t.Errorf("no Reply-To header:\n%s", got[0].Data)
	}
	dir := t.TempDir()
	if err := (&mailer.EMLDir{Dir: dir}).Send(ctx(t), m); err != nil {
		t.Fatalf("EMLDir Send: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, m.MessageID+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	checkMIME(t, raw, m)
}

func TestEMLDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox", "new")
	d := &mailer.EMLDir{Dir: dir}
	m := message(t)
	if err := d.Send(ctx(t), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	path := filepath.Join(dir, m.MessageID+".eml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the .eml file: %v", err)
	}
	checkMIME(t, raw, m)
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the .eml file's mode = %v (%v), want 0600: it holds personal data", info.Mode(), err)
	}

	// The same message again: one file, the same bytes, no temporary file left.
	if err := d.Send(ctx(t), m); err != nil {
		t.Fatalf("Send again: %v", err)
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(raw, again) {
		t.Errorf("writing the same message twice gave different files")
	}
	other := m
	other.MessageID = email.MessageID(m.Ref, "job-2", "example.org")
	if err := d.Send(ctx(t), other); err != nil {
		t.Fatalf("Send another: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{m.MessageID + ".eml", other.MessageID + ".eml"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("the folder holds %v, want %v", names, want)
	}

	// The file is the very message the SMTP path sends.
	srv := smtpserver.Start(t, smtpserver.Options{})
	if err := newSMTP(t, srv.Addr, mailer.SMTP{TLS: mailer.TLSNone}).Send(ctx(t), m); err != nil {
		t.Fatalf("SMTP Send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
		t.Errorf("the .eml file differs from what SMTP sent:\n--- eml\n%s\n--- smtp\n%s", raw, got[0].Data)
	}
}

func TestEMLDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := (&mailer.EMLDir{Dir: file}).Send(ctx(t), message(t))
	if err == nil || mailer.IsPermanent(err) {
		t.Errorf("Send into a file = %v, want a temporary error", err)
	}
	c, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := (&mailer.EMLDir{Dir: dir}).Send(c, message(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled Send wrote %d files", len(entries))
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ id, want string }{
		{"H-7F3K9.3f2a9c1b0d4e5f60@hotline.invalid", "H-7F3K9.3f2a9c1b0d4e5f60@hotline.invalid.eml"},
		{"../../etc/passwd@x", "" /* cleaned and hashed */},
		{".hidden@x", ""},
		{"a/b@x", ""},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := mailer.FileName(tt.id)
		if tt.want != "" && got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.id, got, tt.want)
		}
		if strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") || !strings.HasSuffix(got, ".eml") {
			t.Errorf("FileName(%q) = %q, not a plain visible .eml name", tt.id, got)
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("FileName(%q) = FileName(%q) = %q", tt.id, prev, got)
		}
		seen[got] = tt.id
	}
	if mailer.FileName("a/b@x") == mailer.FileName("a_b@x") {
		t.Errorf("two Message-IDs share a file name")
	}
}

// TestNew: config.Load's SMTP (SMTP_URL is read there, see config's
// TestLoadSMTP) is the sender as it is; without it, .eml files.
func TestNew(t *testing.T) {
	want := mailer.SMTP{Host: "mail.example.org", Port: 465, TLS: mailer.TLSImplicit, Username: "u", Password: "p"}
	given := want
	s, err := mailer.New(&given, "outbox")
	got, ok := s.(*mailer.SMTP)
	if err != nil || !ok || *got != want {
		t.Fatalf("New(%+v) = %+v, %v; want that SMTP", want, s, err)
	}
	got.Timeout = time.Second
	if given.Timeout != 0 {
		t.Errorf("New returned the SMTP it was given, not a copy: a change to the sender changed the settings")
	}
	if s, err := mailer.New(&mailer.SMTP{Port: 587}, "outbox"); err == nil {
		t.Errorf("New(an SMTP without a host) = %+v, want an error", s)
	}

	s, err = mailer.New(nil, "some/outbox")
	if d, ok := s.(*mailer.EMLDir); err != nil || !ok || d.Dir != "some/outbox" {
		t.Errorf(`New(nil, "some/outbox") = %#v, %v; want an EMLDir there`, s, err)
	}
	if _, err := mailer.New(nil, ""); err == nil {
		t.Errorf(`New(nil, "") succeeded with nowhere to write`)
	}
}

// TestSMTPString: an SMTP printed or logged shows no password.
func TestSMTPString(t *testing.T) {
	s := &mailer.SMTP{Host: "mail.example.org", Port: 587, Username: "u", Password: "secretpw"}
	if got, want := s.String(), "smtp://u:xxxxx@mail.example.org:587 (tls mandatory)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var text, json bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("start", "smtp", s)
	slog.New(slog.NewJSONHandler(&json, nil)).Info("start", "smtp", s)
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%v", s), text.String(), json.String()} {
		if strings.Contains(out, "secretpw") {
			t.Errorf("an SMTP prints its password: %s", out)
		}
	}
}

func TestIsPermanent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("550 looks like a reply but is not one"), false},
		{context.DeadlineExceeded, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false},
		{fmt.Errorf("wrapped: %w", &email.RenderError{Err: errors.New("bad template")}), true},
	} {
		if got := mailer.IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
