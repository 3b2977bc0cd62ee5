package bot_test

import (
	"context"
	"io/fs"
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
	fsys := fstest.MapFS{}
	err := fs.WalkDir(defaultpack.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(defaultpack.FS, path)
		if path == "directory.yaml" {
			data = []byte(strings.Replace(string(data), "    response_time: 1 business day\n", "    response_time: 1 business day\n    email_language: es\n", 1))
		}
		fsys[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	spanish, problems, err := pack.Load(fsys, time.Now())
	if err != nil {
		t.Fatal(problems)
	}
	r.pack = spanish
	ref := reference(t, r.screen("+13125550142", english...))

	m := &refusingMailer{}
	r.outbox(m, time.Minute).Work(context.Background())
	if len(m.sent) != 1 || !strings.HasPrefix(m.sent[0].Subject, "[Referido de la línea de ayuda "+ref+"] URGENTE · ") ||
		!strings.Contains(m.sent[0].Text, "Nombre:           Maria") {
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
