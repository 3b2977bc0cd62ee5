package bot_test

import (
	"context"
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// refusingMailer keeps what it is given, refusing for good every email to refuse.
type refusingMailer struct {
	mu     sync.Mutex
	refuse string
	sent   []email.Message
}

type refusal struct{}

func (refusal) Error() string   { return "550 no such user" }
func (refusal) Permanent() bool { return true }

func (m *refusingMailer) Send(_ context.Context, msg email.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if msg.To == m.refuse {
		return refusal{}
	}
	m.sent = append(m.sent, msg)
	return nil
}

// TestEmailInOrganizationsLanguage: the outbox writes the email, and the alert
// about it, in the organization's email_language, here Spanish for an English
// conversation.
func TestEmailInOrganizationsLanguage(t *testing.T) {
	r := newRig(t, 0)
	spanish := editedPack(t, map[string][2]string{"directory.yaml": {"    response_time: 1 business day\n", "    response_time: 1 business day\n    email_language: es\n"}})
	r.pack = spanish
	ref := reference(t, r.screen("+13125550142", english...))

	m := &refusingMailer{}
	r.outbox(m, time.Minute).Work(context.Background())
	if len(m.sent) != 1 || !strings.HasPrefix(m.sent[0].Subject, "[Referido de la línea de ayuda "+ref+"] URGENTE · ") ||
		!regexp.MustCompile(`(?m)^Nombre: +Maria$`).MatchString(m.sent[0].Text) {
		t.Fatalf("sent %+v, want one email in Spanish", m.sent)
	}

	ref = reference(t, r.screen("+13125550143", english...))
	m = &refusingMailer{refuse: "intake.tenants@example.org"}
	w := r.outbox(m, time.Minute)
	for i := 0; i < 3 && len(m.sent) == 0; i++ {
		w.Work(context.Background())
	}
	if len(m.sent) != 1 || m.sent[0].To != "coordinator@example.org" ||
		m.sent[0].Subject != "[Alerta de la línea de ayuda] URGENTE · El referido "+ref+" NO se entregó a Tenant Rights Clinic" {
		t.Fatalf("sent %+v, want the alert in Spanish", m.sent)
	}
	if !strings.Contains(m.sent[0].Text, "Último error: 550 no such user") {
		t.Errorf("the alert lacks the error:\n%s", m.sent[0].Text)
	}
}

// editedPack is the sample pack with each of edits (file → old, new) made.
func editedPack(t *testing.T, edits map[string][2]string) *pack.Pack {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(defaultpack.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(defaultpack.FS, path)
		if e, ok := edits[path]; ok {
			if !strings.Contains(string(data), e[0]) {
				t.Fatalf("%s has no %q", path, e[0])
			}
			data = []byte(strings.Replace(string(data), e[0], e[1], 1))
		}
		fsys[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p, problems, err := pack.Load(fsys, time.Now())
	if err != nil {
		t.Fatal(problems)
	}
	return p
}

// flakyMailer fails the first failures sends with a temporary error and
// delivers the rest, recording every email it was asked to send.
type flakyMailer struct {
	mu       sync.Mutex
	failures int
	tried    []email.Message
	sent     []email.Message
}

func (m *flakyMailer) Send(_ context.Context, msg email.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tried = append(m.tried, msg)
	if len(m.tried) <= m.failures {
		return errors.New("451 4.3.0 try again later")
	}
	m.sent = append(m.sent, msg)
	return nil
}

// TestReloadKeepsQueuedEmail: a pack reloaded between the referral and the
// delivery of its email (the mail server was down) changes nothing in it: it
// goes in the words it was made with, under the Message-ID of its first
// attempt, byte for byte as first tried. The next referral takes the new words.
func TestReloadKeepsQueuedEmail(t *testing.T) {
	r := newRig(t, 0)
	ref := reference(t, r.screen("+13125550142", english...))
	m := &flakyMailer{failures: 1}
	w := r.outbox(m, time.Minute)
	ctx := context.Background()
	w.Work(ctx) // the mail server is down
	r.pack = editedPack(t, map[string][2]string{
		"email.yaml": {"Please call {name} back at {phone}", "Kindly ring {name} on {phone}"},
	})
	for i := 0; i < 10 && len(m.sent) == 0; i++ {
		r.clock.Advance(time.Minute)
		w.Work(ctx)
	}
	if len(m.sent) != 1 || len(m.tried) != 2 {
		t.Fatalf("tried %d, sent %d emails; want 2 attempts and 1 email", len(m.tried), len(m.sent))
	}
	got := m.sent[0]
	if !strings.Contains(got.Text, "Please call Maria back at (312) 555-0142") || strings.Contains(got.Text+got.HTML, "Kindly ring") {
		t.Errorf("the email queued before the reload took the new words:\n%s", got.Text)
	}
	if first := m.tried[0]; first != got || !strings.Contains(got.MessageID, ref) {
		t.Errorf("the second attempt differs from the first:\n%+v\n%+v", first, got)
	}
	// A referral made after the reload is written in its words.
	reference(t, r.screen("+13125550143", english...))
	w.Work(ctx)
	if len(m.sent) != 2 || !strings.Contains(m.sent[1].Text, "Kindly ring Maria on (312) 555-0143") {
		t.Errorf("the referral made after the reload: %d emails, the last:\n%s", len(m.sent), m.sent[len(m.sent)-1].Text)
	}
}
