package webhook_test

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
	"github.com/hotline-legal/hotline/pack"
	"github.com/hotline-legal/hotline/webhook"
)

const (
	token     = "test-auth-token-0123456789"
	hotlineNo = "+13125550100"
)

// sign is X-Twilio-Signature as Twilio computes it; twilioform's tests pin it to
// Twilio's documented example, so that the tests below check the server against
// the real algorithm.
var sign = twilioform.Signature

// testKeys names the tests' conversations.
var testKeys = func() *hotline.Keys {
	k, err := hotline.NewKeys([]byte("the tests' secret, 32 bytes long"))
	if err != nil {
		panic(err)
	}
	return k
}()

// server is a Hotline HTTP server on loopback over a private redis-server.
type server struct {
	t       testing.TB
	url     string
	redis   *redisserver.Server
	rdb     *redis.Client
	store   *redisstore.Store
	handler http.Handler
	metrics string // the URL of a listener serving webhook.Metrics
	now     time.Time
	mu      sync.Mutex
}

type serverOptions struct {
	token         string
	skipSignature bool
	redisArgs     []string
	adminToken    string // turns the preview on
	// referralsPerDay is Deps.ChatReferralsPerDay (0: its default).
	referralsPerDay int
	// perClientPerMinute is Deps.ChatPerClientPerMinute (0: its default).
	perClientPerMinute int
	// chatTitle is Deps.ChatTitle.
	chatTitle string
}

func newServer(t testing.TB, o serverOptions) *server {
	t.Helper()
	sample, _, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rs := redisserver.Start(t, o.redisArgs...)
	s := &server{t: t, redis: rs, now: time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)}
	s.rdb = redis.NewClient(&redis.Options{Addr: rs.Addr, ContextTimeoutEnabled: true, MaxRetries: 1, DialTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = s.rdb.Close() })
	s.store = redisstore.New(s.rdb, "hotline:")
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := bot.New(bot.Options{
		Store: s.store, Keys: testKeys, Pack: func() *pack.Pack { return sample }, Now: s.clock, Random: rand.Reader,
		Log: log, Observer: m, Retention: 7 * 24 * time.Hour, EmailFrom: "Hotline <hotline@example.org>",
		Coordinator: "intake@example.org",
		// More than the 1 s a server gives: these tests prove exactly-once under
		// load, on a machine that may be busy with others (and -race).
		ApplyWithin: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Start()
	t.Cleanup(ts.Close)
	s.url = ts.URL
	s.handler = webhook.New(webhook.Deps{
		Bot: svc, Log: log, Observer: m, Ready: s.store.Ping,
		PublicURL: "https://hotline.example.org", AuthToken: o.token, SkipSignature: o.skipSignature,
		MaxBodyBytes: 64 << 10, HandleTimeout: 10 * time.Second,
		Preview: o.adminToken != "", AdminToken: o.adminToken, ChatReferralsPerDay: o.referralsPerDay, ChatTitle: o.chatTitle,
		ChatPerClientPerMinute: o.perClientPerMinute,
		// The tests name web chat clients by X-Forwarded-For from loopback.
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	})
	ts.Config.Handler = s.handler
	ms := httptest.NewServer(webhook.Metrics(reg))
	t.Cleanup(ms.Close)
	s.metrics = ms.URL + "/metrics"
	return s
}

func (s *server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(time.Second)
	return s.now
}

// post sends a form to path, signed with token for the public URL ("" leaves it unsigned).
func (s *server) post(path string, form url.Values, token string) (int, string) {
	s.t.Helper()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-Twilio-Signature", sign(token, "https://hotline.example.org"+path, form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

var sidCounter struct {
	sync.Mutex
	n int
}

func newSid() string {
	sidCounter.Lock()
	defer sidCounter.Unlock()
	sidCounter.n++
	return fmt.Sprintf("SM%032x", sidCounter.n)
}

func sms(from, body string) url.Values {
	return url.Values{"MessageSid": {newSid()}, "AccountSid": {"AC00000000000000000000000000000000"},
		"From": {from}, "To": {hotlineNo}, "Body": {body}, "NumMedia": {"0"}}
}

// messages reads the <Message> bodies of a TwiML response.
func messages(t testing.TB, twiml string) []string {
	t.Helper()
	var resp struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal([]byte(twiml), &resp); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, twiml)
	}
	return resp.Messages
}

func TestTwilioMessages(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	first := sms("+13125550101", "hi")
	tests := []struct {
		name     string
		form     url.Values
		token    string
		status   int
		contains string // in the TwiML; "" for no <Message>
	}{
		{"signed first text", first, token, 200, "Reply 1 for English"},
		{"the same MessageSid again", first, token, 200, "Reply 1 for English"},
		{"unsigned", sms("+13125550102", "hi"), "", 403, ""},
		{"badly signed", sms("+13125550103", "hi"), "another-token", 403, ""},
		{"missing From", url.Values{"MessageSid": {newSid()}, "Body": {"hi"}}, token, 400, ""},
		{"missing MessageSid", url.Values{"From": {"+13125550104"}, "Body": {"hi"}}, token, 400, ""},
		{"invalid UTF-8", sms("+13125550105", "\xff\xfe hi \xc3"), token, 200, "Reply 1 for English"},
		{"emoji", sms("+13125550106", "👋🏽 hola"), token, 200, "Reply 1 for English"},
		{"WhatsApp", url.Values{"MessageSid": {newSid()}, "From": {"whatsapp:+13125550101"}, "To": {"whatsapp:" + hotlineNo}, "Body": {"hola"}}, token, 200, "Reply 1 for English"},
		{"MMS without text", url.Values{"MessageSid": {newSid()}, "From": {"+13125550107"}, "To": {hotlineNo}, "Body": {""}, "NumMedia": {"1"}, "MediaUrl0": {"https://api.twilio.com/x.jpg"}}, token, 200, "reply in words"},
		{"HELP", sms("+13125550108", "HELP"), token, 200, "(312) 555-0100"},
		{"STOP already answered by Twilio", url.Values{"MessageSid": {newSid()}, "From": {"+13125550109"}, "To": {hotlineNo}, "Body": {"STOP"}, "OptOutType": {"STOP"}}, token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.post("/twilio/messages", tt.form, tt.token)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status != 200 {
				return
			}
			got := strings.Join(messages(t, body), "\n")
			if tt.contains == "" && got != "" || !strings.Contains(got, tt.contains) {
				t.Errorf("replies %q, want them to contain %q", got, tt.contains)
			}
		})
	}

	t.Run("the duplicate changed nothing", func(t *testing.T) {
		status, body := s.post("/twilio/messages", sms("+13125550101", "1"), token)
		if got := strings.Join(messages(t, body), ""); status != 200 || !strings.Contains(got, "Continue?") {
			t.Errorf("after a duplicate first text, \"1\" got %q; want the consent question", got)
		}
	})
	t.Run("WhatsApp is its own conversation", func(t *testing.T) {
		_, body := s.post("/twilio/messages", url.Values{"MessageSid": {newSid()}, "From": {"whatsapp:+13125550101"}, "To": {"whatsapp:" + hotlineNo}, "Body": {"2"}}, token)
		if got := strings.Join(messages(t, body), ""); !strings.Contains(got, "¿Seguir?") {
			t.Errorf("WhatsApp \"2\" got %q; want the Spanish consent question", got)
		}
	})
	t.Run("huge body", func(t *testing.T) {
		form := sms("+13125550110", strings.Repeat("a", 100<<10))
		status, _ := s.post("/twilio/messages", form, token)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", status)
		}
	})
}

func TestNoTokenRefusesEverything(t *testing.T) {
	s := newServer(t, serverOptions{})
	for _, tok := range []string{"", token} {
		// The answer names the missing setting: it is not a wrong signature.
		status, body := s.post("/twilio/messages", sms("+13125550120", "hi"), tok)
		if status != 403 || !strings.Contains(body, "no TWILIO_AUTH_TOKEN set") || strings.Contains(body, "invalid") {
			t.Errorf("no TWILIO_AUTH_TOKEN, signed=%v: %d %s; want 403 saying no token is set", tok != "", status, body)
		}
	}
	if status, body := newServer(t, serverOptions{token: token}).post("/twilio/messages", sms("+13125550120", "hi"), "another-token"); status != 403 || !strings.Contains(body, "invalid Twilio signature") {
		t.Errorf("a wrong signature: %d %s; want 403 invalid Twilio signature", status, body)
	}
	s = newServer(t, serverOptions{skipSignature: true})
	if status, body := s.post("/twilio/messages", sms("+13125550120", "hi"), ""); status != 200 || len(messages(t, body)) != 1 {
		t.Errorf("with the insecure switch: status %d, %s", status, body)
	}
}

// forgedForm is the review's attack (issue 11): a 64 KB form of 9,000
// parameters with a signature of the right length, which once cost 0.4 s of CPU
// to refuse.
func forgedForm() string {
	form := url.Values{}
	for i := range 9000 {
		form.Set(fmt.Sprintf("%04d", i), "1")
	}
	return form.Encode()
}

// TestTooManyParams: a form of far more parameters than Twilio sends is refused
// with 400 before its signature is checked, and before it is parsed: refusing it
// takes a few dozen allocations, where parsing it would take tens of thousands.
// A message with all the fields a WhatsApp message can have still goes through.
func TestTooManyParams(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", strings.Repeat("A", 27)+"=")
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		return rec
	}
	body := forgedForm()
	rec := post(body)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"error":"the form has 9000 parameters; Twilio sends at most 100"`) {
		t.Fatalf("9,000 parameters: %d %s; want 400 and a JSON error", rec.Code, rec.Body)
	}
	if allocs := testing.AllocsPerRun(5, func() { post(body) }); allocs > 200 {
		t.Errorf("refusing 9,000 parameters took %.0f allocations; want under 200 (the form was parsed?)", allocs)
	}

	// A WhatsApp message with 10 media, a location and a referral: 66 fields.
	form := url.Values{"MessageSid": {newSid()}, "From": {"whatsapp:+13125550125"}, "To": {"whatsapp:" + hotlineNo}, "Body": {"hi"}, "NumMedia": {"10"}}
	for _, k := range []string{"SmsSid", "SmsMessageSid", "AccountSid", "MessagingServiceSid", "NumSegments", "SmsStatus", "ApiVersion",
		"FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry", "ProfileName", "WaId",
		"Forwarded", "FrequentlyForwarded", "ButtonText", "ButtonPayload", "MessageType", "ChannelMetadata",
		"OriginalRepliedMessageSender", "OriginalRepliedMessageSid", "Latitude", "Longitude", "Address", "Label",
		"ReferralBody", "ReferralHeadline", "ReferralSourceId", "ReferralSourceType", "ReferralSourceUrl", "ReferralMediaId",
		"ReferralMediaContentType", "ReferralMediaUrl", "ReferralNumMedia", "ReferralCtwaClid", "OptOutType"} {
		form.Set(k, "x")
	}
	form.Del("OptOutType") // it would silence the reply
	for i := range 10 {
		form.Set(fmt.Sprintf("MediaUrl%d", i), "https://api.twilio.com/m.jpg")
		form.Set(fmt.Sprintf("MediaContentType%d", i), "image/jpeg")
	}
	if status, reply := s.post("/twilio/messages", form, token); status != 200 || len(messages(t, reply)) != 1 {
		t.Errorf("a WhatsApp message of %d fields: %d %s", len(form), status, reply)
	}
}

// englishScript is the English screening; 11/30 is five days after the
// server's clock.
var englishScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

func (s *server) converse(from string, script []string) []string {
	s.t.Helper()
	var last []string
	for _, text := range script {
		status, body := s.post("/twilio/messages", sms(from, text), token)
		if status != 200 {
			s.t.Fatalf("%q: status %d: %s", text, status, body)
		}
		last = messages(s.t, body)
	}
	return last
}

func TestFullScreeningOverHTTP(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	last := s.converse("+13125550142", englishScript)
	got := strings.Join(last, "\n")
	for _, want := range []string{"Tenant Rights Clinic", "(312) 555-0111", "call them today", "reference is H-"} {
		if !strings.Contains(got, want) {
			t.Errorf("the last reply %q lacks %q", got, want)
		}
	}
}

func TestStopStart(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	from := "+13125550130"
	s.converse(from, []string{"hi", "1"})
	if got := s.converse(from, []string{"STOP"}); len(got) != 1 || !strings.Contains(got[0], "unsubscribed") {
		t.Fatalf("STOP got %q; want one confirmation", got)
	}
	for _, text := range []string{"hello?", "1", "RESTART", "no"} {
		if got := s.converse(from, []string{text}); len(got) != 0 {
			t.Errorf("opted out, %q got %q; want an empty <Response/>", text, got)
		}
	}
	if got := s.converse(from, []string{"START"}); len(got) != 1 || !strings.Contains(got[0], "subscribed again") {
		t.Fatalf("START got %q", got)
	}
	if got := s.converse(from, []string{"hi"}); len(got) != 1 || !strings.Contains(got[0], "Reply 1 for English") {
		t.Errorf("after START, hi got %q", got)
	}
}

// TestConcurrentSenders: 200 people screen at once, each message possibly delivered
// twice, some duplicates at the very same moment. Every conversation must end in its
// referral, and no message may be applied twice (a second application would answer
// the next question with the wrong text and derail the screening).
func TestConcurrentSenders(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	const senders = 200
	var wg sync.WaitGroup
	failures := make(chan string, senders)
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			from := fmt.Sprintf("+1312555%04d", 2000+i)
			var last []string
			for j, text := range englishScript {
				form := sms(from, text)
				var replies [2][]string
				switch (i + j) % 7 {
				case 0: // delivered twice, one after the other
					replies[0] = s.postQuiet(form)
					replies[1] = s.postQuiet(form)
				case 1: // delivered twice at the same moment
					var pair sync.WaitGroup
					for k := range replies {
						pair.Add(1)
						go func() { defer pair.Done(); replies[k] = s.postQuiet(form) }()
					}
					pair.Wait()
				default:
					replies[0] = s.postQuiet(form)
					replies[1] = replies[0]
				}
				if strings.Join(replies[0], "|") != strings.Join(replies[1], "|") {
					failures <- fmt.Sprintf("%s: %q: the duplicate got %q, the original %q", from, text, replies[1], replies[0])
					return
				}
				last = replies[0]
			}
			if got := strings.Join(last, ""); !strings.Contains(got, "Tenant Rights Clinic") {
				failures <- fmt.Sprintf("%s ended with %q", from, got)
			}
		}(i)
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	// Every conversation is stored, ended.
	keys, err := s.rdb.Keys(context.Background(), "hotline:*:c:*").Result()
	if err != nil || len(keys) != senders {
		t.Errorf("%d conversations stored (%v), want %d", len(keys), err, senders)
	}
}

func (s *server) postQuiet(form url.Values) []string {
	status, body := s.post("/twilio/messages", form, token)
	if status != 200 {
		return []string{fmt.Sprintf("status %d", status)}
	}
	return messages(s.t, body)
}

// TestRedisStoppedAndStarted: while Redis is down, a message gets the
// technical-problem apology and nothing is half-written; once Redis is back (its
// append-only file kept the data), the conversation goes on where it was.
func TestRedisStoppedAndStarted(t *testing.T) {
	s := newServer(t, serverOptions{token: token, redisArgs: []string{"--appendonly", "yes", "--appendfsync", "always"}})
	from := "+13125550140"
	s.converse(from, englishScript[:5]) // waiting at the problem menu
	if err := s.redis.Stop(); err != nil {
		t.Fatal(err)
	}
	status, body := s.post("/twilio/messages", sms(from, "1"), token)
	got := strings.Join(messages(t, body), "")
	if status != 200 || !strings.Contains(got, "technical problem") || !strings.Contains(got, "problema técnico") {
		t.Fatalf("with Redis down: status %d, replies %q", status, got)
	}
	if err := s.redis.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.converse(from, []string{"1"}), ""); !strings.Contains(got, "court papers") {
		t.Fatalf("after Redis came back, \"1\" got %q; want the court papers question", got)
	}
	if got := strings.Join(s.converse(from, englishScript[6:]), ""); !strings.Contains(got, "(312) 555-0111") {
		t.Errorf("the screening ended with %q", got)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	s.converse("+13125550150", []string{"hi"})
	for url, want := range map[string]string{
		s.url + "/healthz": "ok",
		s.url + "/readyz":  "ready",
		s.metrics:          `hotline_messages_in_total{channel="sms"} 1`,
	} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, want 200 and %q:\n%.400s", url, resp.StatusCode, want, body)
		}
	}
	// The metrics are not on the public listener: they would tell anyone the
	// traffic, the referrals by organization and the errors.
	for _, path := range []string{"/metrics", "/metrics/", "/Metrics"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "hotline_") {
			t.Errorf("GET %s on the public handler: %d, want 404:\n%.200s", path, resp.StatusCode, body)
		}
	}
	if err := s.redis.Stop(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down: %d, want 503", resp.StatusCode)
	}
}

func TestStatusCallback(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	form := url.Values{"MessageSid": {newSid()}, "MessageStatus": {"failed"}, "ErrorCode": {"30003"}}
	if status, body := s.post("/twilio/status", form, token); status != http.StatusNoContent {
		t.Errorf("status callback: %d %s", status, body)
	}
	if status, _ := s.post("/twilio/status", form, ""); status != 403 {
		t.Errorf("unsigned status callback: %d, want 403", status)
	}
	form.Set("MessageStatus", "exploded")
	if status, _ := s.post("/twilio/status", form, token); status != 400 {
		t.Errorf("unknown status: %d, want 400", status)
	}
	resp, err := http.Get(s.metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `hotline_delivery_status_total{status="failed"} 1`) {
		t.Errorf("the failed delivery was not counted")
	}
}

// TestSimultaneousTexts: ten different texts from one person at the same moment
// are all applied, one after the other: the conversation's version moves by ten.
func TestSimultaneousTexts(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	from := "+13125550160"
	s.converse(from, []string{"hi", "1"})
	conv := testKeys.Of(hotline.Conversation{Channel: "sms", From: from, To: hotlineNo})
	key := s.store.Keys(conv)[0]
	ctx := context.Background()
	version := func() int64 {
		c, err := s.store.Load(ctx, conv, "")
		if err != nil {
			t.Fatal(err)
		}
		return c.Version
	}
	before := version()
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body := s.post("/twilio/messages", sms(from, "help"), token); status != 200 || len(messages(t, body)) != 2 { // the help, then the question again
				t.Errorf("help: %d %s", status, body)
			}
		}()
	}
	wg.Wait()
	if after := version(); after != before+10 {
		t.Errorf("the version moved by %d for 10 messages", after-before)
	}
	// The conversation is kept for the retention time, then expires.
	if ttl := s.rdb.PTTL(ctx, key).Val(); ttl < 167*time.Hour || ttl > 168*time.Hour {
		t.Errorf("TTL %v, want the 7-day retention", ttl)
	}
	// No phone number in any key.
	keys, _ := s.rdb.Keys(ctx, "*").Result()
	for _, k := range keys {
		if strings.Contains(k, "555") {
			t.Errorf("a key holds a phone number: %s", k)
		}
	}
}

// TestShiftedFieldsRefused: Twilio signs names and values run together, so a
// captured form whose MessageSid takes in the next parameter's name and value
// ("SM…NumMedia0", NumMedia gone) keeps its signature. Such a value is not a
// message SID, and is refused, as a From with the next field run on is; a short
// code as To is still taken.
func TestShiftedFieldsRefused(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	captured := sms("+13125550131", "1")
	shifted := url.Values{}
	for k, v := range captured {
		shifted[k] = v
	}
	shifted.Set("MessageSid", captured.Get("MessageSid")+"NumMedia0")
	shifted.Del("NumMedia")
	if sign(token, "https://x/m", captured) != sign(token, "https://x/m", shifted) {
		t.Fatal("the shifted form does not keep the signature; the attack is not reproduced")
	}
	if status, body := s.post("/twilio/messages", shifted, token); status != http.StatusBadRequest || !strings.Contains(body, "MessageSid") {
		t.Errorf("a shifted MessageSid: %d %s; want 400", status, body)
	}
	fromShifted := sms("+13125550132FromCityCHICAGO", "hi")
	if status, _ := s.post("/twilio/messages", fromShifted, token); status != http.StatusBadRequest {
		t.Errorf("a From with a field run on: %d; want 400", status)
	}
	short := sms("+13125550133", "hi")
	short.Set("To", "12345")
	if status, body := s.post("/twilio/messages", short, token); status != 200 || len(messages(t, body)) != 1 {
		t.Errorf("a message to a short code: %d %s", status, body)
	}
}
