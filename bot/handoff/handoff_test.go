package handoff_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/internal/testkit/handoffserver"
)

// full is a referral with every fact known, as the sample pack makes one for
// a person who answered the income "500 a week".
func full() *hotline.Referral {
	return &hotline.Referral{
		Ref: "H-3F7KA", At: time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", -6*3600)),
		OrgID: "tenant-clinic", OrgName: "Tenant Rights Clinic", OrgEmail: "intake.tenants@example.org", OrgPhone: "(312) 555-0111",
		ProgramID: "eviction-defense", ProgramName: "Eviction defense", IncludeAnswers: true, EmailLanguage: "en",
		Urgent: true, UrgentReasons: []string{"court hearing within 14 days"}, SafetyConcern: true,
		CaseType: "housing", CaseLabel: "Housing or eviction", CaseCode: "63",
		Name: "María <José> & co", Callback: "+13125550142", Channel: "sms", Language: "es", Opponent: "Acme Properties",
		ZIP: "60612", Household: 3, MonthlyIncomeCents: 216667, IncomeKnown: true, PovertyPercent: 95.23809523,
		IncomeLimit: 200, GuidelineYear: 2026, GuidelineAnnualCents: 2732000,
		IncomeGiven: "500 a week", IncomeLabel: "Household income", HearingDate: "2026-11-30",
		SafeContact: hotline.SafeContact{Voicemail: "no", Texts: "yes", When: "after 6pm"},
		Told:        "Call the Tenant Rights Clinic today at (312) 555-0111. Your reference is H-3F7KA.", AskedForPerson: true,
		Handoff: &hotline.Handoff{URL: "https://intake.example.org/hotline", SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Email: true},
		Answers: []hotline.QA{
			{Question: "Problem", Kind: "choice", Value: "housing", Label: "Housing or eviction"},
			{Question: "Court date", Kind: "date", Value: "2026-11-30", Given: "next monday"},
			{Question: "Other side", Kind: "text", Value: "Acme Properties"},
			{Question: "Household", Kind: "number", Value: "3", Given: "me and my 2 kids"},
			{Question: "Household income", Kind: "money", Value: "216667", Given: "500 a week"},
			{Question: "Debt owed", Kind: "money", Value: "150000", Once: true},
			{Question: "Name", Kind: "text", Value: ""},
		},
	}
}

// TestBody: the body follows the schema, says what the organization needs in
// the schema's names, and is the same bytes every time.
func TestBody(t *testing.T) {
	r := full()
	body, err := handoff.Body(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := handoffserver.Validate(t, body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	for i := 0; i < 5; i++ {
		again, err := handoff.Body(full())
		if err != nil || string(again) != string(body) {
			t.Fatalf("Body again = %s, %v; want the same bytes as\n%s", again, err, body)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"schema_version": 1.0, "reference": "H-3F7KA", "created": "2026-11-25T16:00:00Z",
		"organization": map[string]any{"id": "tenant-clinic", "name": "Tenant Rights Clinic"},
		"service":      map[string]any{"id": "eviction-defense", "name": "Eviction defense"},
		"urgent":       true, "urgent_reasons": []any{"court hearing within 14 days"}, "safety_concern": true,
		"case": map[string]any{"type": "housing", "label": "Housing or eviction", "lsc_code": "63"},
		"person": map[string]any{"name": "María <José> & co", "callback": "+13125550142", "language": "es", "channel": "sms",
			"safe_contact": map[string]any{"voicemail": "no", "texts": "yes", "when": "after 6pm"}},
		"opposing_party": "Acme Properties", "household": 3.0,
		"income": map[string]any{"as_given": "500 a week", "monthly_cents": 216667.0, "annual_cents": 2600004.0,
			"percent_of_guideline": 95.24, "guideline_annual_cents": 2732000.0, "guideline_year": 2026.0, "known": true,
			"label": "Household income"},
		"zip": "60612", "hearing_date": "2026-11-30", "asked_for_person": true,
		"told": "Call the Tenant Rights Clinic today at (312) 555-0111. Your reference is H-3F7KA.",
		"answers": []any{
			map[string]any{"label": "Problem", "value": "housing", "reading": "Housing or eviction", "as_given": nil},
			map[string]any{"label": "Court date", "value": "2026-11-30", "as_given": "next monday"},
			map[string]any{"label": "Other side", "value": "Acme Properties", "as_given": nil},
			map[string]any{"label": "Household", "value": "3", "as_given": "me and my 2 kids"},
			map[string]any{"label": "Household income", "value": "216667", "reading": "$2,166.67 a month", "as_given": "500 a week"},
			map[string]any{"label": "Debt owed", "value": "150000", "reading": "$1,500.00", "as_given": nil},
			map[string]any{"label": "Name", "value": "", "as_given": nil},
		},
	}
	for key, w := range want {
		g, _ := json.Marshal(got[key])
		wj, _ := json.Marshal(w)
		if string(g) != string(wj) {
			t.Errorf("%s = %s, want %s", key, g, wj)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("an unexpected field %q", key)
		}
	}
	// Written as a person wrote it: no \u003c for <.
	if !strings.Contains(string(body), `"María <José> & co"`) {
		t.Errorf("the name is not written plainly in %s", body)
	}
	// Nothing of the hotline's own: no secret's name, no URL, no email.
	for _, never := range []string{"TENANT_CLINIC_HANDOFF_SECRET", "intake.example.org", "intake.tenants@example.org"} {
		if strings.Contains(string(body), never) {
			t.Errorf("the body holds %q", never)
		}
	}
}

// TestBodyUnknowns: what a screening did not learn is null, never a made-up
// zero, and the body still follows the schema; include_answers: false sends
// no answers.
func TestBodyUnknowns(t *testing.T) {
	r := &hotline.Referral{Ref: "H-3AAAA", At: time.Unix(0, 0), OrgID: "o", OrgName: "O", ProgramID: "p", ProgramName: "P",
		CaseType: "other", CaseLabel: "Other", Channel: "web", Language: "en", ZIP: "60612", HearingDate: "12/03",
		SafeContact: hotline.SafeContact{Voicemail: "maybe"},
		Answers:     []hotline.QA{{Question: "Problem", Kind: "choice", Value: "other", Label: "Other"}}}
	body, err := handoff.Body(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := handoffserver.Validate(t, body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	for _, want := range []string{`"urgent_reasons":[]`, `"lsc_code":null`, `"name":null`, `"callback":null`, `"voicemail":null`,
		`"opposing_party":null`, `"household":null`, `"monthly_cents":null`, `"annual_cents":null`, `"percent_of_guideline":null`,
		`"guideline_annual_cents":null`, `"guideline_year":null`, `"known":false`, `"hearing_date":null`, `"answers":[]`, `"told":null`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %s in %s", want, body)
		}
	}
	if _, err := handoff.Body(nil); err == nil {
		t.Error("Body(nil) gave no error")
	}
}

// TestSchemaDescribesEverything: the schema has its $id, title and
// description, and every property a description.
func TestSchemaDescribesEverything(t *testing.T) {
	data, err := os.ReadFile(handoffserver.SchemaPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" || schema["$id"] == nil || schema["title"] == nil || schema["description"] == nil {
		t.Errorf("the schema lacks $schema 2020-12, $id, title or description")
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if d, _ := s["description"].(string); d == "" {
			t.Errorf("%s has no description", path)
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			walk(path+"."+name, p.(map[string]any))
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	walk("$", schema)
}

// TestSign: HMAC-SHA256's known vector, as the header writes it.
func TestSign(t *testing.T) {
	got := handoff.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	if want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

const secret = "0123456789abcdef0123456789abcdef-tenant"

// poster is a Poster whose requests may reach 127.0.0.1, the tests'
// receivers (HOTLINE_HANDOFF_ALLOW_PRIVATE=1).
func poster(timeout time.Duration) *handoff.Poster {
	return posterFor(handoff.ClientOptions{Timeout: timeout, AllowPrivate: true})
}

// posterFor is a Poster of a client made with o, with the clinic's key.
func posterFor(o handoff.ClientOptions) *handoff.Poster {
	return &handoff.Poster{Client: handoff.NewClient(o), Getenv: func(k string) string {
		if k == "TENANT_CLINIC_HANDOFF_SECRET" {
			return secret
		}
		return ""
	}}
}

// TestPost: each answer of a real server on loopback, and what comes of it.
func TestPost(t *testing.T) {
	body, err := handoff.Body(full())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status    int
		ok, retry bool
	}{
		{200, true, false}, {201, true, false}, {204, true, false},
		{500, false, true}, {502, false, true}, {503, false, true}, {408, false, true}, {429, false, true},
		{400, false, false}, {401, false, false}, {403, false, false}, {404, false, false}, {409, false, false}, {422, false, false},
		{301, false, false}, {302, false, false}, {307, false, false},
	} {
		srv := handoffserver.Start(t)
		srv.Answer(tc.status)
		err := poster(5*time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body})
		reqs := srv.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d: %d requests, want 1 (a redirect is not followed)", tc.status, len(reqs))
		}
		if problems := handoffserver.Verify(t, reqs[0], secret); len(problems) > 0 || string(reqs[0].Body) != string(body) || reqs[0].Header.Get("Idempotency-Key") != "H-3F7KA" {
			t.Errorf("%d: the request: %v, Idempotency-Key %q", tc.status, problems, reqs[0].Header.Get("Idempotency-Key"))
		}
		switch {
		case tc.ok && err != nil:
			t.Errorf("%d: %v; want it taken", tc.status, err)
		case !tc.ok && err == nil:
			t.Errorf("%d: taken; want an error", tc.status)
		case !tc.ok && handoff.IsPermanent(err) == tc.retry:
			t.Errorf("%d: IsPermanent(%v) = %v, want %v", tc.status, err, handoff.IsPermanent(err), !tc.retry)
		}
		if err == nil {
			continue
		}
		host := strings.TrimPrefix(strings.TrimSuffix(srv.URL, "/hotline"), "http://")
		wantMsg := "JSON hand-off to " + host + ": HTTP " + strings.Fields(http.StatusText(tc.status))[0]
		if !strings.HasPrefix(err.Error(), "JSON hand-off to "+host+": HTTP ") || !strings.Contains(err.Error(), http.StatusText(tc.status)) {
			t.Errorf("%d: error %q; want like %q", tc.status, err, wantMsg)
		}
		// What the server answered (which echoes the person's name) is for
		// the coordinator, never in the message that is logged.
		var he *handoff.Error
		if strings.Contains(err.Error(), "María") || strings.Contains(err.Error(), "refused") || !errors.As(err, &he) ||
			!strings.HasPrefix(he.Detail(), "refused:") || strings.Contains(he.Detail(), "second line") {
			t.Errorf("%d: error %q, detail %q", tc.status, err, he.Detail())
		}
	}
}

// TestPostNoAnswer: a server that does not answer in time, or is not there,
// or a key missing from the environment, is worth retrying; a missing key
// sends nothing.
func TestPostNoAnswer(t *testing.T) {
	body := []byte(`{"schema_version":1}`)
	srv := handoffserver.Start(t)
	srv.Answer(handoffserver.Hang)
	err := poster(200*time.Millisecond).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body})
	if err == nil || handoff.IsPermanent(err) || !strings.Contains(err.Error(), "no answer in time") {
		t.Errorf("a server that does not answer: %v; want a timeout, retried", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/in?key=do-not-log"
	ln.Close()
	err = poster(time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: closed, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body})
	if err == nil || handoff.IsPermanent(err) || strings.Contains(err.Error(), "do-not-log") {
		t.Errorf("nothing listening: %v; want an error, retried, without the URL's query", err)
	}
	err = poster(time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "OTHER_SECRET", Body: body})
	if !errors.Is(err, handoff.ErrNoSecret) || handoff.IsPermanent(err) || !strings.Contains(err.Error(), "OTHER_SECRET") {
		t.Errorf("a missing key: %v; want ErrNoSecret naming the variable, retried", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests; want 1 (the one that hung): nothing is sent unsigned", n)
	}
}

// TestPostRefusesPrivate: without the operator's leave, a hand-off whose
// URL leads to this machine (by address or by name) is refused when it
// connects, for good, saying what to set; the receiver gets nothing. With
// it, the same hand-off is taken.
func TestPostRefusesPrivate(t *testing.T) {
	body := []byte(`{"schema_version":1}`)
	srv := handoffserver.Start(t)
	port := strings.TrimPrefix(srv.URL[strings.LastIndex(srv.URL, ":"):], ":")
	for _, url := range []string{srv.URL, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port + "/hotline"} {
		err := posterFor(handoff.ClientOptions{Timeout: 5 * time.Second}).Post(context.Background(), "H-3F7KA",
			handoff.Request{URL: url, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body})
		want := "the hand-off URL resolves to a private address; set HOTLINE_HANDOFF_ALLOW_PRIVATE=1 if the intake system is on your network"
		if !errors.Is(err, handoff.ErrPrivateAddress) || !handoff.IsPermanent(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want a permanent ErrPrivateAddress saying %q", url, err, want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the receiver got %d requests; want none", n)
	}
	if err := poster(5*time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body}); err != nil {
		t.Errorf("allowed: %v", err)
	}
}

// TestPostRetryAfter: a 429 or a 503 with a Retry-After of seconds says how
// long to wait; any other answer, or a Retry-After that is no number of
// seconds, says nothing.
func TestPostRetryAfter(t *testing.T) {
	body := []byte(`{"schema_version":1}`)
	for _, tc := range []struct {
		status int
		header string
		want   time.Duration
	}{
		{429, "120", 2 * time.Minute}, {503, " 7 ", 7 * time.Second}, {429, "99999999999999", 24 * time.Hour},
		{500, "120", 0}, {429, "0", 0}, {429, "-5", 0}, {503, "Wed, 21 Oct 2026 07:28:00 GMT", 0}, {429, "", 0},
	} {
		srv := handoffserver.Start(t)
		srv.Answer(tc.status)
		if tc.header != "" {
			srv.SetHeader("Retry-After", tc.header)
		}
		err := poster(5*time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: body})
		if err == nil || handoff.IsPermanent(err) {
			t.Fatalf("%d: %v; want a retry", tc.status, err)
		}
		if got := handoff.RetryAfterOf(err); got != tc.want {
			t.Errorf("%d with Retry-After %q: RetryAfterOf = %v, want %v", tc.status, tc.header, got, tc.want)
		}
	}
	if got := handoff.RetryAfterOf(errors.New("other")); got != 0 {
		t.Errorf("RetryAfterOf(another error) = %v", got)
	}
}

// TestPostLongHeaders: an answer whose headers pass 16 KiB is not read
// (retried, as no answer).
func TestPostLongHeaders(t *testing.T) {
	srv := handoffserver.Start(t)
	srv.Answer(500)
	srv.SetHeader("X-Long", strings.Repeat("a", 20<<10))
	err := poster(5*time.Second).Post(context.Background(), "H-3F7KA", handoff.Request{URL: srv.URL, SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Body: []byte(`{}`)})
	var he *handoff.Error
	if !errors.As(err, &he) || he.Status != 0 || handoff.IsPermanent(err) {
		t.Errorf("an answer with 20 KiB of headers: %v; want no answer read, retried", err)
	}
}

// BenchmarkBody writes the JSON hand-off of a referral with every fact known,
// as the message that makes the referral does before its commit.
func BenchmarkBody(b *testing.B) {
	r := full()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := handoff.Body(r); err != nil {
			b.Fatal(err)
		}
	}
}
