package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/redisstore/redistest"
)

// syncBuffer is a bytes.Buffer safe for the server's log writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a `hotline serve` started by run, as main would, in this process.
type running struct {
	t      *testing.T
	url    string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

const serveToken = "serve-test-token-0123456789"

// startServe runs `hotline serve` with the given environment (HOTLINE_ADDR
// 127.0.0.1:0 unless set) and waits until /readyz answers 200.
func startServe(t *testing.T, environ map[string]string) *running {
	t.Helper()
	env := map[string]string{"HOTLINE_ADDR": "127.0.0.1:0", "HOTLINE_OUTBOX_DIR": t.TempDir()}
	for k, v := range environ {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, r.logs)
	}()
	t.Cleanup(r.stop)
	deadline := time.Now().Add(10 * time.Second)
	for r.url == "" {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", r.logs)
		}
		select {
		case err := <-r.done:
			t.Fatalf("serve stopped at start: %v\n%s", err, r.logs)
		case <-time.After(20 * time.Millisecond):
		}
		for _, line := range strings.Split(r.logs.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "hotline is listening" {
				r.url = "http://" + entry.Addr
			}
		}
	}
	for {
		resp, err := http.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never became 200 (%v):\n%s", err, r.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server as SIGTERM would and waits for it (once).
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				r.t.Errorf("serve ended with %v", err)
			}
		case <-time.After(20 * time.Second):
			r.t.Errorf("serve did not stop within 20s")
		}
	})
}

// twilioPost sends a signed (or, with token "", unsigned) webhook and returns the
// status and the <Message> bodies.
func (r *running) twilioPost(from, body, sid, token string) (int, []string) {
	r.t.Helper()
	form := url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+13125550100"}, "Body": {body}, "NumMedia": {"0"}}
	req, _ := http.NewRequest(http.MethodPost, r.url+"/twilio/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-Twilio-Signature", twilioSignature(token, "https://hotline.example.org/twilio/messages", form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	var twiml struct {
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(raw, &twiml); err != nil {
		r.t.Fatalf("not TwiML: %s", raw)
	}
	return resp.StatusCode, twiml.Messages
}

func twilioSignature(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		mac.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func newSID(t *testing.T) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("SM%x", b)
}

// TestServeDoneWhen walks the "done when": unsigned → 403; a signed first
// text → "1 for English"; the same MessageSid → the same reply; the English script
// ends with (312) 555-0111 — with the server stopped and started in the middle.
func TestServeDoneWhen(t *testing.T) {
	rs := redistest.Start(t)
	env := map[string]string{"REDIS_URL": rs.URL(), "TWILIO_AUTH_TOKEN": serveToken, "HOTLINE_PUBLIC_URL": "https://hotline.example.org"}
	srv := startServe(t, env)
	from := "+13125550177"

	if status, _ := srv.twilioPost(from, "hi", newSID(t), ""); status != 403 {
		t.Fatalf("unsigned POST: %d, want 403", status)
	}
	sid := newSID(t)
	status, first := srv.twilioPost(from, "hi", sid, serveToken)
	if status != 200 || len(first) != 1 || !strings.Contains(first[0], "Reply 1 for English") {
		t.Fatalf("signed first text: %d %q", status, first)
	}
	if _, again := srv.twilioPost(from, "hi", sid, serveToken); strings.Join(again, "") != first[0] {
		t.Fatalf("the same MessageSid got %q, want %q", again, first)
	}

	date := time.Now().In(mustChicago(t)).AddDate(0, 0, 5).Format("01/02")
	script := []string{"1", "yes", "no", "60612", "1", "yes", date, "Acme Properties", "3", "2000", "Maria", "yes"}
	for _, text := range script[:5] {
		srv.twilioPost(from, text, newSID(t), serveToken)
	}
	srv.stop() // SIGTERM in the middle of the screening
	srv = startServe(t, env)
	var last []string
	for _, text := range script[5:] {
		_, last = srv.twilioPost(from, text, newSID(t), serveToken)
	}
	if got := strings.Join(last, ""); !strings.Contains(got, "(312) 555-0111") || !strings.Contains(got, "call them today") {
		t.Errorf("after a restart the screening ended with %q", got)
	}
	if strings.Contains(srv.logs.String(), from) || strings.Contains(srv.logs.String(), "Maria") {
		t.Errorf("the logs hold a phone number or a name:\n%s", srv.logs)
	}
}

// TestServeWithNothingSet: the embedded Redis and pack, /readyz 200, loud warnings.
func TestServeWithNothingSet(t *testing.T) {
	srv := startServe(t, nil)
	logs := srv.logs.String()
	for _, want := range []string{"REDIS_URL is not set", "TWILIO_AUTH_TOKEN is not set"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no warning %q at start:\n%s", want, logs)
		}
	}
	if status, _ := srv.twilioPost("+13125550178", "hi", newSID(t), serveToken); status != 403 {
		t.Errorf("without a token, a signed request got %d, want 403", status)
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	var stderr syncBuffer
	env := map[string]string{"HOTLINE_ADDR": "8080", "HOTLINE_MAX_BODY": "lots"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr)
	if err == nil || !strings.Contains(stderr.String(), "HOTLINE_ADDR") || !strings.Contains(stderr.String(), "HOTLINE_MAX_BODY") {
		t.Errorf("bad settings: err %v, stderr:\n%s", err, stderr.String())
	}
}

// TestServeHotReload: a changed pack is served without a restart; a pack with
// errors is refused and the old one keeps serving; conversations go on.
func TestServeHotReload(t *testing.T) {
	dir := copySamplePack(t, nil)
	srv := startServe(t, map[string]string{
		"HOTLINE_FLOWS": dir, "TWILIO_AUTH_TOKEN": serveToken, "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
		"HOTLINE_RELOAD_INTERVAL": "100ms",
	})
	from := "+13125550179"
	srv.twilioPost(from, "hi", newSID(t), serveToken)

	edit := func(old, new string) {
		t.Helper()
		path := filepath.Join(dir, "flows", "screening.yaml")
		data, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(data, []byte(old)) {
			t.Fatalf("edit: %v / %q not found", err, old)
		}
		if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(srv.logs.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the logs:\n%s", what, srv.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	edit("We'll ask about 10 short questions", "We will ask about 10 short questions")
	waitFor("pack reloaded")
	if _, got := srv.twilioPost(from, "1", newSID(t), serveToken); !strings.Contains(strings.Join(got, ""), "We will ask about 10") {
		t.Errorf("after the reload the conversation got %q", got)
	}
	edit("    next: safety\n", "    next: safty\n")
	waitFor("still serving the previous one")
	if !strings.Contains(srv.logs.String(), `screening.yaml:`) {
		t.Errorf("the rejected pack's errors are not logged with file:line")
	}
	if _, got := srv.twilioPost(from, "yes", newSID(t), serveToken); !strings.Contains(strings.Join(got, ""), "in danger") {
		t.Errorf("with a broken pack on disk, the old pack should still serve; got %q", got)
	}
}

func mustChicago(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestHealthCommand(t *testing.T) {
	srv := startServe(t, nil)
	addr := strings.TrimPrefix(srv.url, "http://")
	if r := hotline(t, "", map[string]string{"HOTLINE_ADDR": addr}, "health"); r.status != 0 || !strings.Contains(r.stdout, "ready") {
		t.Errorf("health against a ready server: %+v", r)
	}
	srv.stop()
	if r := hotline(t, "", map[string]string{"HOTLINE_ADDR": addr}, "health"); r.status == 0 {
		t.Errorf("health against a stopped server succeeded")
	}
}
