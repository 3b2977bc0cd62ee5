package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/metrics"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
	"github.com/hotline-legal/hotline/webhook"
)

// fakeReferrals is webhook.Referrals over a map, with the real links
// (referrallink) and the sample pack's words: deciding changes a referral's
// standing, once; a second decision is returned with Already and changes
// nothing. bot.Service is the real one; this one lets the page be tested on
// its own.
type fakeReferrals struct {
	t      testing.TB
	pack   *pack.Pack
	signer *referrallink.Signer
	now    time.Time

	mu        sync.Mutex
	referrals map[string]*fakeReferral // by reference and organization id
	calls     int
	// fail, when set, is what every call returns (an internal error).
	fail error
}

// fakeReferral is one referral as one organization sees it, and the person
// it is about, which the page must never show.
type fakeReferral struct {
	ref, orgID, orgName, lang string
	standing, reason          string
	history                   []bot.ViewEvent
	person                    hotline.Referral
}

// The sample pack's organizations, as the tests use them.
const (
	tenantClinic = "Tenant Rights Clinic"
	familyCenter = "Family Justice Center"
)

// The person of every fake referral: none of it may reach the page.
const (
	personName     = "Rosalind Quintanilla"
	personCallback = "+13125550188"
	personOpponent = "Acme Property Holdings"
)

func newFakeReferrals(t testing.TB) *fakeReferrals {
	t.Helper()
	p, _, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := referrallink.New([]byte("the tests' referral link key, 32 bytes"))
	if err != nil {
		t.Fatal(err)
	}
	return &fakeReferrals{t: t, pack: p, signer: signer, referrals: map[string]*fakeReferral{},
		now: time.Date(2026, 11, 25, 15, 0, 0, 0, p.Flow.Location)}
}

// add makes a referral sent to the organization at sent, and returns its link's
// token, which works until expires.
func (f *fakeReferrals) add(ref, orgID, orgName, lang string, sent, expires time.Time) string {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.referrals[ref+"/"+orgID] = &fakeReferral{
		ref: ref, orgID: orgID, orgName: orgName, lang: lang, standing: bot.ViewWaiting,
		history: []bot.ViewEvent{{At: sent, Kind: hotline.EventSent, Org: orgName}},
		person:  hotline.Referral{Ref: ref, Name: personName, Callback: personCallback, Opponent: personOpponent},
	}
	return f.token(ref, orgID, expires)
}

// token is the token of a link to ref for orgID, whether or not there is
// such a referral.
func (f *fakeReferrals) token(ref, orgID string, expires time.Time) string {
	f.t.Helper()
	token, err := f.signer.Token(referrallink.Link{Ref: ref, Org: orgID, Expires: expires})
	if err != nil {
		f.t.Fatal(err)
	}
	return token
}

// words are the view's words and time zone alone, as with a link that does
// not work.
func (f *fakeReferrals) words(lang string) bot.ReferralView {
	return bot.ReferralView{Words: f.pack.EmailWords(lang), Location: f.pack.Flow.Location}
}

// find is the referral the token names, as ReferralPage reads it.
func (f *fakeReferrals) find(token string) (*fakeReferral, bot.ReferralView, error) {
	f.calls++
	if f.fail != nil {
		return nil, bot.ReferralView{}, f.fail
	}
	link, err := f.signer.Verify(token, f.now)
	r := f.referrals[link.Ref+"/"+link.Org]
	switch {
	case errors.Is(err, referrallink.ErrExpired) && r != nil:
		return nil, f.words(r.lang), bot.ErrLinkExpired
	case err != nil || r == nil:
		return nil, f.words(f.pack.Flow.Languages[0]), bot.ErrBadLink
	}
	return r, f.view(r), nil
}

func (f *fakeReferrals) view(r *fakeReferral) bot.ReferralView {
	v := f.words(r.lang)
	v.Ref, v.Org, v.Language = r.ref, r.orgName, r.lang
	v.Standing, v.Reason = r.standing, r.reason
	v.History = append([]bot.ViewEvent(nil), r.history...)
	v.Expires = f.now.Add(30 * 24 * time.Hour)
	return v
}

func (f *fakeReferrals) ReferralPage(ctx context.Context, token string) (bot.ReferralView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, v, err := f.find(token)
	return v, err
}

func (f *fakeReferrals) Decide(ctx context.Context, token, action, reason string) (bot.ReferralView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, v, err := f.find(token)
	if err != nil {
		return v, err
	}
	switch {
	case action == bot.ActionAccept:
	case action == bot.ActionDecline && hotline.ValidDeclineReason(reason):
	default:
		return bot.ReferralView{}, bot.ErrBadDecision
	}
	if r.standing != bot.ViewWaiting {
		v.Already = true
		return v, nil
	}
	at := f.now.Add(time.Duration(len(r.history)) * time.Hour)
	if action == bot.ActionAccept {
		r.standing = bot.ViewAccepted
		r.history = append(r.history, bot.ViewEvent{At: at, Kind: hotline.EventAccepted, Org: r.orgName})
	} else {
		r.standing, r.reason = bot.ViewDeclined, reason
		r.history = append(r.history, bot.ViewEvent{At: at, Kind: hotline.EventDeclined, Org: r.orgName, Reason: reason})
	}
	return f.view(r), nil
}

// callCount is how many times the page asked the fake.
func (f *fakeReferrals) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// referralServer is the HTTP server with only the referral pages wired, and
// what it logged.
type referralServer struct {
	t    *testing.T
	url  string
	fake *fakeReferrals
	log  *syncBuffer
}

// syncBuffer is a log's output, safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newReferralServer(t *testing.T, fake *fakeReferrals) *referralServer {
	t.Helper()
	logs := &syncBuffer{}
	deps := webhook.Deps{
		Log: slog.New(slog.NewTextHandler(logs, nil)), Observer: metrics.New(prometheus.NewRegistry()),
		Ready:        func(context.Context) error { return nil },
		MaxBodyBytes: 64 << 10, HandleTimeout: 5 * time.Second,
	}
	if fake != nil {
		deps.Referrals = fake
	}
	ts := httptest.NewServer(webhook.New(deps))
	t.Cleanup(ts.Close)
	return &referralServer{t: t, url: ts.URL, fake: fake, log: logs}
}

// answer is one response of the page.
type answer struct {
	status int
	header http.Header
	body   string
}

func (s *referralServer) do(method, token, ctype, body string) answer {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+"/referrals/"+token, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	checkReferralHeaders(s.t, method+" "+shorten(token), a)
	return a
}

func (s *referralServer) get(token string) answer { return s.do(http.MethodGet, token, "", "") }

// post posts the page's form: action, and reason when not "".
func (s *referralServer) post(token, action, reason string) answer {
	form := url.Values{"action": {action}}
	if reason != "" {
		form.Set("reason", reason)
	}
	return s.do(http.MethodPost, token, "application/x-www-form-urlencoded", form.Encode())
}

func shorten(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

// checkReferralHeaders: every answer of the page's routes, errors
// included, is never stored or indexed, sends no Referer on, and has the
// page's Content-Security-Policy.
func checkReferralHeaders(t *testing.T, what string, a answer) {
	t.Helper()
	for name, want := range map[string]string{
		"Cache-Control":           "no-store",
		"X-Robots-Tag":            "noindex, nofollow",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := a.header.Get(name); got != want {
			t.Errorf("%s (%d): %s = %q, want %q", what, a.status, name, got, want)
		}
	}
}

// says reports whether the page shows text (as HTML escapes it).
func (a answer) says(text string) bool {
	return text != "" && strings.Contains(a.body, html.EscapeString(text))
}

// mustSay fails the test for each text the page does not show.
func (a answer) mustSay(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !a.says(text) {
			t.Errorf("%s: the page does not say %q:\n%s", what, text, a.body)
		}
	}
}

// mustHave fails the test for each piece of markup the page does not have.
func (a answer) mustHave(t *testing.T, what string, markup ...string) {
	t.Helper()
	for _, m := range markup {
		if !strings.Contains(a.body, m) {
			t.Errorf("%s: the page has no %s:\n%s", what, m, a.body)
		}
	}
}

// mustNotSay fails the test for each text the page shows.
func (a answer) mustNotSay(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if strings.Contains(a.body, text) || a.says(text) {
			t.Errorf("%s: the page says %q:\n%s", what, text, a.body)
		}
	}
}

// the forms of the page, as the template writes them.
const (
	acceptButton  = `name="action" value="accept"`
	declineButton = `name="action" value="decline"`
)

// TestReferralPage: the page of a waiting referral shows its reference, the
// organization, where it stands, its history in the hotline's time zone, and
// the two answers; and nothing about the person.
func TestReferralPage(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	sent := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC) // 3:05 AM in Chicago
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", sent, fake.now.Add(30*24*time.Hour))

	a := s.get(token)
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET: %d %s", a.status, a.header.Get("Content-Type"))
	}
	w := fake.pack.EmailWords("en")
	a.mustSay(t, "GET", "H-7F3K9", w.Say("page_for", "org", tenantClinic), w.Say("page_status_waiting"),
		w.Say("page_history"), w.Say("page_event_sent", "org", tenantClinic),
		"Wed Nov 25, 2026, 3:05 AM CST", // the hotline's time zone, in the pack's words
		w.Say("page_accept"), w.Say("page_decline"), w.Say("page_decline_legend"),
		w.Say("page_no_personal_data"), w.Say("page_keep_private"))
	for _, r := range hotline.DeclineReasons {
		a.mustSay(t, "GET", w.Say("page_reason_"+r))
		a.mustHave(t, "GET", `value="`+r+`"`)
	}
	a.mustHave(t, "GET", `<html lang="en">`, `<meta name="robots" content="noindex,nofollow">`, acceptButton, declineButton,
		`<fieldset>`, `<legend>`, `<label for="reason-conflict">`, `required`)
	a.mustNotSay(t, "GET", personName, personCallback, "3125550188", personOpponent, "tenant-clinic", "<script")
	if strings.Count(a.body, `<form method="post"`) != 2 {
		t.Errorf("GET: want two forms posting back to the page:\n%s", a.body)
	}
}

// TestReferralDecide: an answer is recorded once; a second is shown, not
// applied; the page after each says so.
func TestReferralDecide(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now, fake.now.Add(30*24*time.Hour))
	w := fake.pack.EmailWords("en")

	a := s.post(token, bot.ActionAccept, "")
	if a.status != http.StatusOK {
		t.Fatalf("accept: %d\n%s", a.status, a.body)
	}
	a.mustSay(t, "accept", w.Say("page_done"), w.Say("page_status_accepted", "org", tenantClinic),
		w.Say("page_event_accepted", "org", tenantClinic))
	a.mustNotSay(t, "accept", acceptButton, declineButton, w.Say("page_already"))

	a = s.post(token, bot.ActionDecline, hotline.ReasonCapacity)
	if a.status != http.StatusOK {
		t.Fatalf("a second answer: %d\n%s", a.status, a.body)
	}
	a.mustSay(t, "a second answer", w.Say("page_already"), w.Say("page_status_accepted", "org", tenantClinic))
	a.mustNotSay(t, "a second answer", w.Say("page_done"), w.Say("page_event_declined", "org", tenantClinic, "reason", w.Say("page_reason_capacity")),
		acceptButton, declineButton)

	// The same answer again (the browser posted twice) changes nothing either.
	a = s.post(token, bot.ActionAccept, "")
	a.mustSay(t, "accept again", w.Say("page_already"))

	a = s.get(token)
	a.mustSay(t, "GET after", w.Say("page_status_accepted", "org", tenantClinic))
	a.mustNotSay(t, "GET after", w.Say("page_already"), w.Say("page_done"), acceptButton)
	if n := strings.Count(a.body, html.EscapeString(w.Say("page_event_accepted", "org", tenantClinic))); n != 1 {
		t.Errorf("GET after: the history says %d times that it was taken, want once:\n%s", n, a.body)
	}
}

// TestReferralDeclineNeedsReason: a decline without a reason (or with one the
// page does not offer) is 400, with the form again and what to do; nothing
// changes. With a reason it is recorded, and the reason is shown.
func TestReferralDeclineNeedsReason(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now, fake.now.Add(30*24*time.Hour))
	w := fake.pack.EmailWords("en")

	for _, form := range []struct{ action, reason string }{
		{bot.ActionDecline, ""}, {bot.ActionDecline, "bored"}, {"", ""}, {"maybe", hotline.ReasonConflict},
	} {
		what := "action=" + form.action + " reason=" + form.reason
		a := s.post(token, form.action, form.reason)
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", what, a.status)
		}
		a.mustSay(t, what, w.Say("page_choose_reason"), w.Say("page_status_waiting"))
		a.mustHave(t, what, acceptButton, declineButton, `aria-describedby="reason-error"`)
		a.mustNotSay(t, what, w.Say("page_done"), "bored", "maybe")
	}

	a := s.post(token, bot.ActionDecline, hotline.ReasonPriorities)
	if a.status != http.StatusOK {
		t.Fatalf("decline: %d\n%s", a.status, a.body)
	}
	reason := w.Say("page_reason_priorities")
	a.mustSay(t, "decline", w.Say("page_done"), w.Say("page_status_declined", "org", tenantClinic, "reason", reason),
		w.Say("page_event_declined", "org", tenantClinic, "reason", reason))
	a.mustNotSay(t, "decline", acceptButton, w.Say("page_choose_reason"))

	// Accepting after declining is shown, not applied.
	a = s.post(token, bot.ActionAccept, "")
	a.mustSay(t, "accept after", w.Say("page_already"), w.Say("page_status_declined", "org", tenantClinic, "reason", reason))
}

// TestReferralBadLinks: a link that does not work is 404 and says only that,
// whatever is wrong with it (forged, mangled, for a referral not kept, of
// another organization); an expired one is 410. A link longer than any the
// hotline makes is refused before the page looks anything up.
func TestReferralBadLinks(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	expires := fake.now.Add(30 * 24 * time.Hour)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now, expires)
	w := fake.pack.EmailWords("en")

	body, tag, _ := strings.Cut(token, ".")
	flipped := []byte(tag)
	flipped[0] ^= 1
	forged := map[string]string{
		"a wrong tag":                 body + "." + string(flipped),
		"no tag":                      body,
		"garbage":                     "hello",
		"another organization's link": fake.token("H-7F3K9", "family-justice", expires),
		"a referral not kept":         fake.token("H-AAAAA", "tenant-clinic", expires),
		"another key's link": func() string {
			other, _ := referrallink.New([]byte("another key entirely, 32 bytes!!"))
			tok, _ := other.Token(referrallink.Link{Ref: "H-7F3K9", Org: "tenant-clinic", Expires: expires})
			return tok
		}(),
		"the longest a link may be": strings.Repeat("A", referrallink.MaxTokenLen),
	}
	var first string
	for what, tok := range forged {
		for _, a := range []answer{s.get(tok), s.post(tok, bot.ActionAccept, "")} {
			if a.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", what, a.status)
			}
			a.mustSay(t, what, w.Say("page_bad_link"), w.Say("page_bad_link_hint"))
			a.mustHave(t, what, `<html lang="en">`)
			a.mustNotSay(t, what, "H-7F3K9", tenantClinic, "expired", w.Say("page_expired"), acceptButton)
			if first == "" {
				first = a.body
			} else if a.body != first {
				t.Errorf("%s: the page differs from another bad link's:\n%s\n---\n%s", what, a.body, first)
			}
		}
	}
	if got, _ := fake.ReferralPage(context.Background(), token); got.Standing != bot.ViewWaiting {
		t.Errorf("after the bad links, the referral is %q", got.Standing)
	}

	calls := fake.callCount()
	long := strings.Repeat("A", referrallink.MaxTokenLen+1)
	for _, a := range []answer{s.get(long), s.post(long, bot.ActionAccept, ""), s.get(token + "A")} {
		if a.status != http.StatusNotFound {
			t.Errorf("a link over %d bytes: %d, want 404", referrallink.MaxTokenLen, a.status)
		}
	}
	if n := fake.callCount() - calls; n != 1 {
		t.Errorf("links over the limit were looked up: %d calls, want only the one of the last (which is %d bytes)", n, len(token)+1)
	}

	// Expired: 410, in the organization's words, and nothing is decided.
	old := fake.add("H-OLD01", "family-justice", familyCenter, "es", fake.now.Add(-60*24*time.Hour), fake.now.Add(-time.Hour))
	es := fake.pack.EmailWords("es")
	for _, a := range []answer{s.get(old), s.post(old, bot.ActionDecline, hotline.ReasonOther)} {
		if a.status != http.StatusGone {
			t.Errorf("expired: %d, want 410", a.status)
		}
		a.mustSay(t, "expired", es.Say("page_expired"), es.Say("page_expired_hint"))
		a.mustHave(t, "expired", `<html lang="es">`)
		a.mustNotSay(t, "expired", acceptButton, w.Say("page_bad_link"))
	}
}

// TestReferralBadRequests: only a small form of the right type reaches the
// page; the rest is refused before it looks anything up, with the page's
// headers still on.
func TestReferralBadRequests(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now, fake.now.Add(30*24*time.Hour))
	form := "action=accept"
	for _, tc := range []struct {
		what, ctype, body string
		want              int
	}{
		{"JSON", "application/json", `{"action":"accept"}`, http.StatusUnsupportedMediaType},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\naccept\r\n--x--\r\n", http.StatusUnsupportedMediaType},
		{"no type", "", form, http.StatusUnsupportedMediaType},
		{"a large form", "application/x-www-form-urlencoded", form + "&pad=" + strings.Repeat("x", 2000), http.StatusRequestEntityTooLarge},
		{"a bad form", "application/x-www-form-urlencoded", "action=%zz", http.StatusBadRequest},
	} {
		a := s.do(http.MethodPost, token, tc.ctype, tc.body)
		if a.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, a.status, tc.want)
		}
	}
	if n := fake.callCount(); n != 0 {
		t.Errorf("refused requests were looked up %d times", n)
	}
	if got, _ := fake.ReferralPage(context.Background(), token); got.Standing != bot.ViewWaiting {
		t.Errorf("a refused request changed the referral: %q", got.Standing)
	}
	// A charset is fine.
	if a := s.do(http.MethodPost, token, "application/x-www-form-urlencoded; charset=UTF-8", form); a.status != http.StatusOK {
		t.Errorf("a form with a charset: %d", a.status)
	}
}

// TestReferralInternalError: an error of the service is a bare 500 that
// shows nothing of it; the logs have it, but never a link's token.
func TestReferralInternalError(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now, fake.now.Add(30*24*time.Hour))
	fake.mu.Lock()
	fake.fail = errors.New("redis: connection refused at 10.0.0.7:6379")
	fake.mu.Unlock()
	for _, a := range []answer{s.get(token), s.post(token, bot.ActionAccept, "")} {
		if a.status != http.StatusInternalServerError {
			t.Errorf("an internal error: %d, want 500", a.status)
		}
		a.mustNotSay(t, "an internal error", "redis", "10.0.0.7", "H-7F3K9")
	}
	logs := s.log.String()
	if !strings.Contains(logs, "connection refused") {
		t.Errorf("the error is not logged:\n%s", logs)
	}
	// The token is a capability: whoever reads the logs must not be able
	// to answer for the organization. Nor is the long one logged.
	_ = s.get(strings.Repeat("B", 300))
	if strings.Contains(logs, token) || strings.Contains(s.log.String(), strings.Repeat("B", 300)) {
		t.Errorf("a token is in the logs:\n%s", s.log.String())
	}
	if !strings.Contains(logs, "/referrals/:token") {
		t.Errorf("the logs do not name the page:\n%s", logs)
	}
}

// TestReferralPageOff: without Deps.Referrals, the page's routes are 404.
func TestReferralPageOff(t *testing.T) {
	s := newReferralServer(t, nil)
	for _, a := range []answer{s.get("abc.def"), s.post("abc.def", bot.ActionAccept, "")} {
		if a.status != http.StatusNotFound {
			t.Errorf("no Referrals: %d, want 404", a.status)
		}
	}
}

// TestReferralSpanish: an organization whose emails are in Spanish gets its
// page in Spanish, dates included.
func TestReferralSpanish(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	sent := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	token := fake.add("H-7F3K9", "family-justice", familyCenter, "es", sent, fake.now.Add(30*24*time.Hour))
	es, en := fake.pack.EmailWords("es"), fake.pack.EmailWords("en")

	a := s.get(token)
	a.mustHave(t, "GET es", `<html lang="es">`)
	a.mustSay(t, "GET es", "Para "+familyCenter, "Esperando su respuesta", "Lo tomamos", "No podemos tomarlo",
		"Conflicto de intereses", "Historial", "miércoles 25 de noviembre de 2026, 09:00 CST", es.Say("page_event_sent", "org", familyCenter))
	a.mustNotSay(t, "GET es", en.Say("page_accept"), en.Say("page_history"), en.Say("page_status_waiting"))

	a = s.post(token, bot.ActionDecline, "")
	a.mustSay(t, "decline es", es.Say("page_choose_reason"))
	a = s.post(token, bot.ActionDecline, hotline.ReasonConflict)
	a.mustSay(t, "decline es", es.Say("page_done"), "Rechazado por "+familyCenter+". Motivo: Conflicto de intereses")
	a = s.post(token, bot.ActionAccept, "")
	a.mustSay(t, "accept es", es.Say("page_already"))
}

// TestReferralHistoryWords: every kind of history line and every reason has
// the pack's words, in both languages; a standing the page does not know is
// an error, not a guess.
func TestReferralHistoryWords(t *testing.T) {
	fake := newFakeReferrals(t)
	kinds := []string{hotline.EventSent, hotline.EventAccepted, hotline.EventDeclined, hotline.EventSilent, hotline.EventFallback,
		hotline.EventFollowUp, hotline.EventContacted, hotline.EventNotContacted, hotline.EventTexted}
	reasons := append(append([]string(nil), hotline.DeclineReasons...), hotline.ReasonNoResponse, hotline.ReasonNotContacted)
	for _, lang := range []string{"en", "es"} {
		w := fake.pack.EmailWords(lang)
		var history []bot.ViewEvent
		for i, kind := range kinds {
			history = append(history, bot.ViewEvent{At: fake.now.Add(time.Duration(i) * time.Minute), Kind: kind, Org: familyCenter,
				Reason: reasons[i%len(reasons)]})
		}
		history = append(history, bot.ViewEvent{At: fake.now, Kind: "from_the_future", Org: "Nobody"})
		for _, standing := range []string{bot.ViewWaiting, bot.ViewAccepted, bot.ViewDeclined, bot.ViewMoved} {
			a := serveView(t, bot.ReferralView{Ref: "H-7F3K9", Org: tenantClinic, Language: lang, Standing: standing,
				Reason: hotline.ReasonNotContacted, History: history, Words: w, Location: fake.pack.Flow.Location})
			if a.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, standing, a.status)
			}
			for i, kind := range kinds {
				a.mustSay(t, lang+" "+kind, w.Say("page_event_"+kind, "org", familyCenter, "reason", w.Say("page_reason_"+reasons[i%len(reasons)])))
			}
			a.mustNotSay(t, lang+" "+standing, "from_the_future", "Nobody", "page_", "no_response", "not_contacted")
		}
		for _, r := range reasons {
			if w.Say("page_reason_"+r) == "" {
				t.Errorf("%s: no words for the reason %s", lang, r)
			}
		}
	}
	if a := serveView(t, bot.ReferralView{Ref: "H-7F3K9", Standing: "lost", Words: fake.pack.EmailWords("en")}); a.status != http.StatusInternalServerError {
		t.Errorf("an unknown standing: %d, want 500", a.status)
	}
	if a := serveView(t, bot.ReferralView{Ref: "H-7F3K9", Standing: bot.ViewWaiting}); a.status != http.StatusInternalServerError {
		t.Errorf("a view without words: %d, want 500", a.status)
	}
}

// oneView is webhook.Referrals that shows one view, whatever the token.
type oneView bot.ReferralView

func (v oneView) ReferralPage(context.Context, string) (bot.ReferralView, error) {
	return bot.ReferralView(v), nil
}

func (v oneView) Decide(context.Context, string, string, string) (bot.ReferralView, error) {
	return bot.ReferralView(v), nil
}

// serveView is the page of v.
func serveView(t *testing.T, v bot.ReferralView) answer {
	t.Helper()
	h := webhook.New(webhook.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Observer: metrics.New(prometheus.NewRegistry()),
		MaxBodyBytes: 64 << 10, Referrals: oneView(v)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/referrals/abc.def", nil))
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	checkReferralHeaders(t, "GET", a)
	return a
}

// TestReferralAsset: the page's style sheet is served; nothing else is.
func TestReferralAsset(t *testing.T) {
	s := newReferralServer(t, newFakeReferrals(t))
	for path, want := range map[string]int{
		"/referrals/assets/page.css":         http.StatusOK,
		"/referrals/assets/page.html":        http.StatusNotFound,
		"/referrals/assets/..%2Freferral.go": http.StatusNotFound,
	} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == http.StatusOK && resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, resp.Header.Get("Content-Type"))
		}
	}
}

var _ webhook.Referrals = (*fakeReferrals)(nil)
