package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/courtday"
	"github.com/hotline-legal/hotline/internal/testkit/hostilepack"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
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
	t   *testing.T
	url string
	// metricsURL is where its /metrics is, on HOTLINE_METRICS_ADDR; "" with
	// HOTLINE_METRICS_ADDR=off.
	metricsURL string
	logs       *syncBuffer
	cancel     context.CancelFunc
	done       chan error
	once       sync.Once
}

// waitLog waits, up to 10 seconds, until the server's logs hold what.
func (r *running) waitLog(what string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.logs.String(), what) {
		if time.Now().After(deadline) {
			r.t.Fatalf("no %q in the logs:\n%s", what, r.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveSecret is the servers' HOTLINE_SECRET, which REDIS_URL requires.
const serveSecret = "serve-test-secret-0123456789abcdef"

const serveToken = "0123456789abcdef0123456789abcdef" // like a real token: twilio-go refuses others

// startServe runs `hotline serve` with the given environment (HOTLINE_ADDR
// 127.0.0.1:0 unless set) and waits until /readyz answers 200.
func startServe(t *testing.T, environ map[string]string) *running {
	t.Helper()
	return startServeAt(t, environ, time.Now)
}

// startServeAt is startServe with the server's clock (app.Options.Now: the
// conversations', the outbox's and the referral loop's) given by now, which a
// test may move on: days pass in a moment.
func startServeAt(t *testing.T, environ map[string]string, now func() time.Time) *running {
	t.Helper()
	vars := map[string]string{
		"HOTLINE_ADDR": "127.0.0.1:0", "HOTLINE_OUTBOX_DIR": t.TempDir(), "HOTLINE_METRICS_ADDR": "127.0.0.1:0",
		"HOTLINE_SECRET": serveSecret,
	}
	for k, v := range environ {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		e := &env{ctx: ctx, getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: r.logs,
			now: now, random: rand.Reader}
		r.done <- e.run([]string{"serve"})
	}()
	t.Cleanup(r.stop)
	deadline := time.Now().Add(10 * time.Second)
	for r.url == "" {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say where it listens:\n%s", r.logs)
		}
		select {
		case err := <-r.done:
			r.once.Do(func() {}) // it has stopped already: nothing to stop later
			t.Fatalf("serve stopped at start: %v\n%s", err, r.logs)
		case <-time.After(20 * time.Millisecond):
		}
		for _, line := range strings.Split(r.logs.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "hotline is listening" {
				r.url = "http://" + entry.Addr
			}
			if entry.Msg == "metrics are served" {
				r.metricsURL = "http://" + entry.Addr + "/metrics"
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
		req.Header.Set("X-Twilio-Signature", twilioform.Signature(token, "https://hotline.example.org/twilio/messages", form))
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
	rs := redisserver.Start(t)
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

	date := courtday.Soon(time.Now().In(mustChicago(t)))
	script := []string{"1", "yes", "no", "60612", "1", "yes", date, "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}
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

	edit("We'll ask about 12 short questions", "We will ask about 12 short questions")
	srv.waitLog("pack reloaded")
	if _, got := srv.twilioPost(from, "1", newSID(t), serveToken); !strings.Contains(strings.Join(got, ""), "We will ask about 12") {
		t.Errorf("after the reload the conversation got %q", got)
	}
	edit("      - goto: safety\n", "      - goto: safty\n")
	srv.waitLog("still serving the previous one")
	if !strings.Contains(srv.logs.String(), `screening.yaml:`) {
		t.Errorf("the rejected pack's errors are not logged with file:line")
	}
	if _, got := srv.twilioPost(from, "yes", newSID(t), serveToken); !strings.Contains(strings.Join(got, ""), "in danger") {
		t.Errorf("with a broken pack on disk, the old pack should still serve; got %q", got)
	}
}

// TestServeRefusesWhatLeavesThePack: the real server does not start on a pack
// whose files are links or a named pipe; it says which file and why, and
// nothing of what the links point at.
func TestServeRefusesWhatLeavesThePack(t *testing.T) {
	for _, a := range hostilepack.Attacks() {
		t.Run(a.Name, func(t *testing.T) {
			dir := hostilepack.Folder(t, &a)
			env := map[string]string{"HOTLINE_ADDR": "127.0.0.1:0", "HOTLINE_OUTBOX_DIR": t.TempDir(), "HOTLINE_FLOWS": dir}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logs syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &logs)
			}()
			var err error
		wait: // for the server to stop, or (a failure) to listen
			for {
				select {
				case err = <-done:
					break wait
				case <-time.After(20 * time.Millisecond):
					if strings.Contains(logs.String(), "hotline is listening") {
						cancel()
						<-done
						t.Fatalf("serve started on the pack:\n%s", logs.String())
					}
				}
			}
			if err == nil || !hasLine(logs.String(), dir, a.File, a.Why) {
				t.Errorf("serve: %v, want an error and a line naming %s and saying %q; got:\n%s", err, a.File, a.Why, logs.String())
			}
			if hostilepack.Shows(logs.String()) {
				t.Errorf("serve shows what the link points at:\n%s", logs.String())
			}
		})
	}
}

// TestServeReloadRefusesWhatLeavesThePack: a link or a named pipe that appears
// in the pack folder of a running server is refused like any broken pack (the
// old pack keeps serving), and the watcher neither follows the link nor hangs
// on the pipe.
func TestServeReloadRefusesWhatLeavesThePack(t *testing.T) {
	dir := hostilepack.Folder(t, nil)
	srv := startServe(t, map[string]string{
		"HOTLINE_FLOWS": dir, "TWILIO_AUTH_TOKEN": serveToken, "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
		"HOTLINE_RELOAD_INTERVAL": "100ms",
	})
	from := "+13125550181"
	srv.twilioPost(from, "hi", newSID(t), serveToken)

	attacks := map[string]hostilepack.Attack{}
	for _, a := range hostilepack.Attacks() {
		attacks[a.Name] = a
	}
	for i, name := range []string{"flow file linked to a valid flow outside", "named pipe as email template"} {
		a, ok := attacks[name]
		if !ok {
			t.Fatalf("test setup: no attack %q", name)
		}
		a.Plant(t, dir)
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(srv.logs.String(), "still serving the previous one") <= i {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the reload was not refused:\n%s", name, srv.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !hasLine(srv.logs.String(), dir, "still serving the previous one", a.File, a.Why) {
			t.Errorf("%s: the refusal does not name %s and say %q:\n%s", name, a.File, a.Why, srv.logs)
		}
	}
	if _, got := srv.twilioPost(from, "1", newSID(t), serveToken); !strings.Contains(strings.Join(got, ""), "We'll ask about 12 short questions") {
		t.Errorf("after the refused reloads the conversation got %q, want the old pack's question", got)
	}
	if strings.Contains(srv.logs.String(), "pack reloaded") || hostilepack.Shows(srv.logs.String()) {
		t.Errorf("a pack was reloaded, or the logs show what a link points at:\n%s", srv.logs)
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
	if r := runHotline(t, "", map[string]string{"HOTLINE_ADDR": addr}, "health"); r.status != 0 || !strings.Contains(r.stdout, "ready") {
		t.Errorf("health against a ready server: %+v", r)
	}
	srv.stop()
	if r := runHotline(t, "", map[string]string{"HOTLINE_ADDR": addr}, "health"); r.status == 0 {
		t.Errorf("health against a stopped server succeeded")
	}
}

// screenOverWebhook sends the English script, with the court date 5 days ahead,
// and returns the reference of the referral.
func screenOverWebhook(t *testing.T, srv *running, from string) string {
	t.Helper()
	date := courtday.Soon(time.Now().In(mustChicago(t)))
	var last []string
	for _, text := range []string{"hi", "1", "yes", "no", "60612", "1", "yes", date, "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"} {
		status, replies := srv.twilioPost(from, text, newSID(t), serveToken)
		if status != 200 {
			t.Fatalf("%q: status %d", text, status)
		}
		last = replies
	}
	text := strings.Join(last, " ")
	i := strings.Index(text, "H-")
	if i < 0 || !strings.Contains(text, "(312) 555-0111") {
		t.Fatalf("no referral in %q", text)
	}
	return text[i : i+7]
}

func webhookEnv(extra map[string]string) map[string]string {
	env := map[string]string{"TWILIO_AUTH_TOKEN": serveToken, "HOTLINE_PUBLIC_URL": "https://hotline.example.org"}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// TestServeReferralEmail: a screening over the webhook produces exactly one email
// at the organization's intake address, with the reference, URGENT, the callback
// number and the opposing party.
func TestServeReferralEmail(t *testing.T) {
	t.Parallel()
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, webhookEnv(map[string]string{"REDIS_URL": redisserver.Start(t).URL(), "SMTP_URL": mail.URL()}))
	ref := screenOverWebhook(t, srv, "+13125550181")
	mail.WaitFor(1, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // time for a wrong second email to arrive
	msgs := mail.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	m := msgs[0]
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if m.To[0] != "intake.tenants@example.org" || !strings.Contains(subject, ref) || !strings.Contains(subject, "URGENT") {
		t.Errorf("To %v, Subject %q", m.To, subject)
	}
	for _, want := range []string{"(312) 555-0181", "Acme Properties"} {
		if !strings.Contains(string(m.Data), want) {
			t.Errorf("the email lacks %q", want)
		}
	}
}

// TestServeSMTPDownFor30s: the mail server is down when the referral is made and
// comes up 30 s later; with the default backoff (5 s, doubling) the email arrives
// at the next attempt, 35 s after the referral, once.
func TestServeSMTPDownFor30s(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 35 s; run without -short")
	}
	t.Parallel()
	mail := smtpserver.Start(t, smtpserver.Options{})
	if err := mail.Stop(); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, webhookEnv(map[string]string{"REDIS_URL": redisserver.Start(t).URL(), "SMTP_URL": mail.URL()}))
	screenOverWebhook(t, srv, "+13125550182")
	made := time.Now()
	time.Sleep(30 * time.Second)
	if err := mail.Restart(); err != nil {
		t.Fatal(err)
	}
	msgs := mail.WaitFor(1, 20*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d emails within 50 s, want 1", len(msgs))
	}
	t.Logf("delivered %.1f s after the referral", time.Since(made).Seconds())
	time.Sleep(2 * time.Second)
	if n := len(mail.Messages()); n != 1 {
		t.Errorf("%d emails in the end, want 1", n)
	}
}

// TestServeEMLInOutbox: without SMTP_URL the email is an .eml file in ./outbox.
func TestServeEMLInOutbox(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	srv := startServe(t, webhookEnv(map[string]string{"HOTLINE_OUTBOX_DIR": ""}))
	screenOverWebhook(t, srv, "+13125550183")
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		if len(files) == 1 {
			data, _ := os.ReadFile(files[0])
			if !strings.Contains(string(data), "intake.tenants@example.org") {
				t.Errorf("the .eml is not to the clinic:\n%.300s", data)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d .eml files in ./outbox after 10 s, want 1", len(files))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeReminder: quiet at the ZIP question, one reminder through Twilio's REST
// API (here a local server) after HOTLINE_REMINDER_DELAY; none to a person who
// said they are in danger and went quiet too.
func TestServeReminder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sent []url.Values
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		sent = append(sent, r.PostForm)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued"}`, 1)
	}))
	t.Cleanup(api.Close)
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": redisserver.Start(t).URL(), "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
		"HOTLINE_TWILIO_API_URL": api.URL, "HOTLINE_REMINDER_DELAY": "1s", "HOTLINE_QUIET_HOURS": "off",
	}))
	for _, text := range []string{"hi", "1", "yes", "no"} {
		srv.twilioPost("+13125550184", text, newSID(t), serveToken)
	}
	// Said they are in danger, then went quiet: the abuser may have walked in.
	for _, text := range []string{"hi", "1", "yes", "YES"} {
		srv.twilioPost("+13125550185", text, newSID(t), serveToken)
	}
	time.Sleep(3 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 || sent[0].Get("To") != "+13125550184" || !strings.Contains(sent[0].Get("Body"), "checking in about your questions") {
		t.Errorf("Twilio was asked to send %v; want one reminder, to the person not in danger\n%s", sent, srv.logs)
	}
}

// TestServeSentinel: the Sentinel path, once: a screening and its email with
// REDIS_URL naming a Sentinel.
func TestServeSentinel(t *testing.T) {
	t.Parallel()
	master := redisserver.Start(t)
	sentinel := redisserver.StartSentinel(t, master)
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": sentinel.URL() + "?master_name=" + redisserver.MasterName, "SMTP_URL": mail.URL(),
	}))
	screenOverWebhook(t, srv, "+13125550185")
	if n := len(mail.WaitFor(1, 10*time.Second)); n != 1 {
		t.Errorf("%d emails through Sentinel, want 1", n)
	}
	if keys, _ := master.Client().Keys(context.Background(), "hotline:*:c:*").Result(); len(keys) != 1 {
		t.Errorf("the master holds %d conversations, want 1", len(keys))
	}
}

// TestServeCluster: a 3-master Redis Cluster: a screening, its email, a duplicate,
// all scripts run in one slot.
func TestServeCluster(t *testing.T) {
	t.Parallel()
	cluster := redisserver.StartCluster(t, 3)
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": cluster.URL(), "HOTLINE_REDIS_MODE": "cluster", "SMTP_URL": mail.URL(),
		"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "HOTLINE_REMINDER_DELAY": "1s",
		// Quiet hours off: the default (21:00-08:00 in Chicago) would hold the
		// reminder back whenever the test runs in the evening there.
		"HOTLINE_QUIET_HOURS":    "off",
		"HOTLINE_TWILIO_API_URL": "http://127.0.0.1:1", // reminders are claimed (and fail to send): the script runs
	}))
	for i := 0; i < 3; i++ {
		screenOverWebhook(t, srv, fmt.Sprintf("+1312555019%d", i))
	}
	if n := len(mail.WaitFor(3, 15*time.Second)); n != 3 {
		t.Errorf("%d emails through the cluster, want 3", n)
	}
	sid := newSID(t)
	_, first := srv.twilioPost("+13125550199", "hi", sid, serveToken)
	_, again := srv.twilioPost("+13125550199", "hi", sid, serveToken)
	if strings.Join(first, "") == "" || strings.Join(first, "") != strings.Join(again, "") {
		t.Errorf("a duplicate in the cluster got %q, the original %q", again, first)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.logs.String(), "reminders: could not send") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // the reminder script must have run, in the cluster
	}
	if !strings.Contains(srv.logs.String(), "reminders: could not send") {
		t.Errorf("the reminder was never claimed in the cluster")
	}
	if strings.Contains(srv.logs.String(), "CROSSSLOT") || strings.Contains(srv.logs.String(), "non local key") {
		t.Errorf("a script touched keys of two slots:\n%s", srv.logs)
	}
}
