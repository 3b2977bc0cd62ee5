package main

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// The referral loop (issue 15) against the real server: a screening over the
// signed webhook, the organization's email over SMTP, its page and its answer
// over HTTP, the re-route's email and the person's text through a local Twilio.

// loopByHand is the screening that ends at the Tenant Rights Clinic, not
// urgent, texts safe (bot's byHand).
var loopByHand = []string{"hi", "1", "yes", "no", "60612", "1", "no", "no", "Acme Properties", "3", "500 a week", "Maria", "yes", "yes", "yes"}

// loopUnsafe is loopByHand with "no" to texts being safe, and no safe time.
var loopUnsafe = append(append([]string(nil), loopByHand[:len(loopByHand)-1]...), "no", "skip")

// loopSpanish is the Spanish screening that ends at the Tenant Rights Clinic
// (the sample pack's tests/loop.yaml).
var loopSpanish = []string{"hola", "2", "si", "no", "60612", "1", "no", "no", "omitir", "2", "1500", "Ana", "si", "si", "si"}

// loopRig is a `hotline serve` with a private redis-server, a real SMTP
// server and a local Twilio, texts and follow-ups on, quiet hours off.
type loopRig struct {
	t      *testing.T
	srv    *running
	mail   *smtpserver.Server
	twilio *twilioapi.Server
}

func newServeLoop(t *testing.T, redisEnv ...string) *loopRig {
	t.Helper()
	return newServeLoopAt(t, time.Now, redisEnv...)
}

// newServeLoopAt is newServeLoop with the server on the clock now.
func newServeLoopAt(t *testing.T, now func() time.Time, redisEnv ...string) *loopRig {
	t.Helper()
	r := &loopRig{t: t, mail: smtpserver.Start(t, smtpserver.Options{}), twilio: twilioapi.New(t)}
	env := map[string]string{
		"SMTP_URL":           r.mail.URL(),
		"HOTLINE_PUBLIC_URL": "https://hotline.example.org",
		"TWILIO_ACCOUNT_SID": twilioapi.AccountSID, "TWILIO_AUTH_TOKEN": twilioapi.AuthToken,
		"HOTLINE_TWILIO_API_URL":    r.twilio.URL,
		"HOTLINE_COORDINATOR_EMAIL": "coordinator@example.org",
		// Texts about a referral wait out the quiet hours: off, so that the
		// test does not depend on the time of day in Chicago.
		"HOTLINE_QUIET_HOURS": "off",
	}
	if len(redisEnv) == 0 {
		redisEnv = []string{"REDIS_URL", redisserver.Start(t).URL()}
	}
	for i := 0; i+1 < len(redisEnv); i += 2 {
		env[redisEnv[i]] = redisEnv[i+1]
	}
	r.srv = startServeAt(t, env, now)
	return r
}

// movingClock is a server's clock that runs with the wall clock from a
// moment the test chooses, and that the test moves on: days pass in a moment.
type movingClock struct {
	mu     sync.Mutex
	base   time.Time // the clock's time at start
	start  time.Time // the wall clock's then
	offset time.Duration
}

func newMovingClock(at time.Time) *movingClock {
	return &movingClock{base: at, start: time.Now()}
}

// Now is the clock's time.
func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.start) + c.offset)
}

// Advance moves the clock on by d.
func (c *movingClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// wednesday is 10am on a Wednesday in the sample pack's time zone: the
// Tenant Rights Clinic's "1 business day" and 4 hours of grace end on
// Thursday at 2pm.
func wednesday(t *testing.T) time.Time {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, 11, 25, 10, 0, 0, 0, chicago)
}

// waitTexts waits, up to 10 s, until the local Twilio took n texts.
func (r *loopRig) waitTexts(n int) []twilioapi.Message {
	r.t.Helper()
	texts := r.twilio.WaitFor(n, 10*time.Second)
	if len(texts) < n {
		r.t.Fatalf("%d texts within 10 s, want %d: %+v\n%s", len(texts), n, texts, r.srv.logs)
	}
	return texts
}

// TestServeLoopAcceptSkipsFollowUp: the clinic accepts on its page; three
// days on, the person is not asked whether it called.
func TestServeLoopAcceptSkipsFollowUp(t *testing.T) {
	t.Parallel()
	clock := newMovingClock(wednesday(t))
	r := newServeLoopAt(t, clock.Now)
	r.screen("+13125550171", "Tenant Rights Clinic", loopByHand)
	if resp, body := r.page(r.pageURL(r.waitEmailTo("intake.tenants@example.org")), url.Values{"action": {"accept"}}); resp.StatusCode != 200 || !strings.Contains(body, "recorded") {
		t.Fatalf("accept: %d\n%s", resp.StatusCode, body)
	}
	clock.Advance(73 * time.Hour)
	time.Sleep(3 * time.Second) // the loop worker looks every second
	if n := r.twilio.Requests(); n != 0 {
		t.Errorf("%d texts after an accept; want no follow-up: %+v", n, r.twilio.Messages())
	}
}

// TestServeLoopSilenceAlert: past the clinic's response time and the pack's
// grace, the coordinator is alerted, once.
func TestServeLoopSilenceAlert(t *testing.T) {
	t.Parallel()
	clock := newMovingClock(wednesday(t))
	r := newServeLoopAt(t, clock.Now)
	ref := r.screen("+13125550172", "Tenant Rights Clinic", loopByHand)
	r.waitEmailTo("intake.tenants@example.org")
	clock.Advance(29 * time.Hour) // Thursday, 3pm
	alert := r.waitEmailTo("coordinator@example.org")
	if !strings.Contains(alert.subject, ref) || !strings.Contains(alert.subject, "Tenant Rights Clinic") {
		t.Errorf("the alert's subject %q; want the reference and the clinic", alert.subject)
	}
	time.Sleep(2 * time.Second)
	if n := len(r.emails()); n != 2 {
		t.Errorf("%d emails, want 2 (the referral, one alert)", n)
	}
}

// TestServeLoopFollowUpNo: three days on, the person is asked whether the
// clinic called; their NO sends the referral to the next organization, whose
// email comes within seconds, and the person is texted where it went.
func TestServeLoopFollowUpNo(t *testing.T) {
	t.Parallel()
	clock := newMovingClock(wednesday(t))
	r := newServeLoopAt(t, clock.Now)
	const from = "+13125550173"
	ref := r.screen(from, "Tenant Rights Clinic", loopByHand)
	r.waitEmailTo("intake.tenants@example.org")
	clock.Advance(72 * time.Hour)
	texts := r.waitTexts(1)
	if texts[0].To != from || !strings.Contains(texts[0].Body, "Did Tenant Rights Clinic contact you?") {
		t.Fatalf("the follow-up = %+v", texts[0])
	}
	if got := r.say(from, "no"); !strings.Contains(got, ref) {
		t.Errorf("the reply to NO = %q; want the reference", got)
	}
	next := r.waitEmailTo("intake.legalaid@example.org")
	if !strings.Contains(next.subject, ref) {
		t.Errorf("the next organization's email: subject %q lacks %s", next.subject, ref)
	}
	texts = r.waitTexts(2)
	if !strings.Contains(texts[1].Body, "Example County Legal Aid") || !strings.Contains(texts[1].Body, ref) {
		t.Errorf("the re-route's text = %q", texts[1].Body)
	}
}

// TestServeLoopHearingReminder: a person who takes the offer of a reminder
// is texted the day before the hearing at 6pm, on the server's clock.
func TestServeLoopHearingReminder(t *testing.T) {
	t.Parallel()
	clock := newMovingClock(wednesday(t))
	r := newServeLoopAt(t, clock.Now)
	const from = "+13125550174"
	hearing := []string{"hi", "1", "yes", "no", "60612", "1", "yes", "12/10", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}
	r.screen(from, "Tenant Rights Clinic", hearing)
	if got := r.say(from, "yes"); !strings.Contains(got, "remind you") {
		t.Fatalf("the answer to the offer's YES = %q", got)
	}
	// To 5:59pm on Wednesday, December 9 (Chicago): two weeks on, less a
	// minute; the follow-up goes meanwhile.
	clock.Advance(time.Date(2026, 12, 9, 17, 59, 0, 0, wednesday(t).Location()).Sub(clock.Now()))
	before := len(r.waitTexts(1))
	clock.Advance(2 * time.Minute)
	texts := r.waitTexts(before + 1)
	last := texts[len(texts)-1]
	if last.To != from || !strings.Contains(last.Body, "tomorrow") || !strings.Contains(last.Body, "Dec 10") {
		t.Errorf("the reminder = %+v; want tomorrow, Dec 10", last)
	}
}

// say texts the hotline, signed, and returns its replies.
func (r *loopRig) say(from, text string) string {
	r.t.Helper()
	status, replies := r.srv.twilioPost(from, text, newSID(r.t), twilioapi.AuthToken)
	if status != 200 {
		r.t.Fatalf("%q: status %d", text, status)
	}
	return strings.Join(replies, " ")
}

// screen sends a script and returns the reference of the referral it ends
// with, which must be to org.
func (r *loopRig) screen(from, org string, script []string) string {
	r.t.Helper()
	var last string
	for _, text := range script {
		last = r.say(from, text)
	}
	ref := regexp.MustCompile(`H-[0-9A-Z]{5}`).FindString(last)
	if ref == "" || !strings.Contains(last, org) {
		r.t.Fatalf("the screening ended with %q; want a referral to %s", last, org)
	}
	return ref
}

// loopEmail is an email the SMTP server took, its body unfolded.
type loopEmail struct {
	to, subject, body string
}

func (r *loopRig) emails() []loopEmail {
	var out []loopEmail
	for _, m := range r.mail.Messages() {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		body := strings.ReplaceAll(string(m.Data), "=\r\n", "")
		body = strings.ReplaceAll(body, "=\n", "")
		body = strings.ReplaceAll(body, "=3D", "=")
		out = append(out, loopEmail{to: strings.Join(m.To, ","), subject: subject, body: body})
	}
	return out
}

// waitEmailTo waits, up to 10 s, for an email to an address, and returns
// the first.
func (r *loopRig) waitEmailTo(to string) loopEmail {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, e := range r.emails() {
			if e.to == to {
				return e
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no email to %s within 10 s; emails: %+v\n%s", to, r.emails(), r.srv.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var loopLink = regexp.MustCompile(regexp.QuoteMeta("https://hotline.example.org") + `/referrals/([A-Za-z0-9_.~-]+)`)

// pageURL is the email's link, on the server under test.
func (r *loopRig) pageURL(e loopEmail) string {
	r.t.Helper()
	m := loopLink.FindStringSubmatch(e.body)
	if m == nil {
		r.t.Fatalf("no link to the referral's page in the email to %s:\n%s", e.to, e.body)
	}
	return r.srv.url + "/referrals/" + m[1]
}

// page GETs (form nil) or POSTs a form to a referral page.
func (r *loopRig) page(link string, form url.Values) (*http.Response, string) {
	r.t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = http.Get(link)
	} else {
		resp, err = http.PostForm(link, form)
	}
	if err != nil {
		r.t.Fatalf("%s: %v", link, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func decline(reason string) url.Values {
	return url.Values{"action": {"decline"}, "reason": {reason}}
}

// TestServeLoopDecline: the clinic's link opens its page; its decline sends
// the referral on at once, by email to Example County Legal Aid, and texts
// the person the new organization and the same reference, once; a second
// answer on the first link is shown, not applied, and sends nothing.
func TestServeLoopDecline(t *testing.T) {
	t.Parallel()
	playDecline(t, newServeLoop(t))
}

// TestServeLoopDeclineCluster: the same on a Redis Cluster of three masters:
// a loop's keys live in its conversation's slot, and no script touches two.
func TestServeLoopDeclineCluster(t *testing.T) {
	t.Parallel()
	cluster := redisserver.StartCluster(t, 3)
	r := newServeLoop(t, "REDIS_URL", cluster.URL(), "HOTLINE_REDIS_MODE", "cluster")
	playDecline(t, r)
	if logs := r.srv.logs.String(); strings.Contains(logs, "CROSSSLOT") || strings.Contains(logs, "non local key") {
		t.Errorf("a script touched keys of two slots:\n%s", logs)
	}
}

// playDecline is TestServeLoopDecline's story on a rig.
func playDecline(t *testing.T, r *loopRig) {
	const from = "+13125550161"
	ref := r.screen(from, "Tenant Rights Clinic", loopByHand)

	first := r.waitEmailTo("intake.tenants@example.org")
	if !strings.Contains(first.subject, ref) {
		t.Errorf("the clinic's email: subject %q lacks %s", first.subject, ref)
	}
	link := r.pageURL(first)

	resp, body := r.page(link, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, ref) || !strings.Contains(body, "Tenant Rights Clinic") {
		t.Fatalf("GET the link: %d, want 200 with %s and the clinic:\n%s", resp.StatusCode, ref, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if robots := resp.Header.Get("X-Robots-Tag"); !strings.Contains(robots, "noindex") {
		t.Errorf("X-Robots-Tag %q, want noindex", robots)
	}
	if n := len(r.twilio.Messages()); n != 0 {
		t.Fatalf("%d texts before any answer, want 0 (the referral's reply is its text)", n)
	}

	resp, body = r.page(link, decline("capacity"))
	if resp.StatusCode != 200 || !strings.Contains(body, "your answer has been recorded") || !strings.Contains(body, "Declined by Tenant Rights Clinic") {
		t.Fatalf("POST decline: %d, want 200 saying it was recorded and declined:\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the answer's page: Cache-Control %q, want no-store", cc)
	}

	next := r.waitEmailTo("intake.legalaid@example.org")
	if !strings.Contains(next.subject+next.body, ref) {
		t.Errorf("the re-routed email does not name %s: subject %q", ref, next.subject)
	}
	if !strings.Contains(next.body, "Tenant Rights Clinic") {
		t.Errorf("the re-routed email does not name the organization before it")
	}
	if r.pageURL(next) == link {
		t.Errorf("the next organization got the clinic's link")
	}
	texts := r.twilio.WaitFor(1, 10*time.Second)
	if len(texts) != 1 || texts[0].To != from || !strings.Contains(texts[0].Body, "Example County Legal Aid") || !strings.Contains(texts[0].Body, ref) {
		t.Fatalf("the person's texts = %+v; want one to %s naming Example County Legal Aid and %s\n%s", texts, from, ref, r.srv.logs)
	}
	if texts[0].From != "+13125550100" {
		t.Errorf("the text is from %q, want the hotline's number the person texted, +13125550100", texts[0].From)
	}

	// A second answer on the clinic's link: shown, not applied.
	resp, body = r.page(link, url.Values{"action": {"accept"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "was not applied") || !strings.Contains(body, "Declined by Tenant Rights Clinic") {
		t.Fatalf("a second answer: %d, want 200 saying it was not applied:\n%s", resp.StatusCode, body)
	}
	resp, body = r.page(link, decline("conflict"))
	if resp.StatusCode != 200 || !strings.Contains(body, "was not applied") {
		t.Fatalf("a third answer: %d, want 200 saying it was not applied:\n%s", resp.StatusCode, body)
	}
	// The outbox and the loop worker run every second: 3 s is room for a
	// wrong email or text to go out.
	time.Sleep(3 * time.Second)
	if emails := r.emails(); len(emails) != 3 {
		t.Errorf("%d emails in the end, want 3 (the clinic, Example County Legal Aid, and the coordinator's notice of the decline): %+v", len(emails), emails)
	}
	if notice := r.waitEmailTo("coordinator@example.org"); !strings.Contains(notice.subject, ref) {
		t.Errorf("the coordinator's notice of the decline: subject %q lacks %s", notice.subject, ref)
	}
	if texts := r.twilio.Messages(); len(texts) != 1 {
		t.Errorf("%d texts in the end, want 1: %+v", len(texts), texts)
	}
	if got := r.say(from, "STATUS"); !strings.Contains(got, "Example County Legal Aid") || !strings.Contains(got, ref) {
		t.Errorf("STATUS after the re-route = %q; want Example County Legal Aid and %s", got, ref)
	}
}

// TestServeLoopStatus: STATUS after a referral says where it stands in
// English, ESTADO in Spanish, each naming the organization.
func TestServeLoopStatus(t *testing.T) {
	t.Parallel()
	r := newServeLoop(t)
	const en, es = "+13125550162", "+13125550163"
	refEN := r.screen(en, "Tenant Rights Clinic", loopByHand)
	refES := r.screen(es, "Tenant Rights Clinic", loopSpanish)
	if got := r.say(en, "STATUS"); !strings.Contains(got, "Your referral "+refEN+" is with Tenant Rights Clinic") || !strings.Contains(got, "(312) 555-0111") {
		t.Errorf("STATUS = %q; want it with the Tenant Rights Clinic, %s, (312) 555-0111", got, refEN)
	}
	if got := r.say(es, "ESTADO"); !strings.Contains(got, "Su referido "+refES+" lo tiene Tenant Rights Clinic") || strings.Contains(got, "Your referral") {
		t.Errorf("ESTADO = %q; want it in Spanish with the Tenant Rights Clinic and %s", got, refES)
	}
	if n := len(r.twilio.Messages()); n != 0 {
		t.Errorf("%d texts through the REST API; STATUS is answered in the reply", n)
	}
}

// TestServeLoopUnsafeNoText: a person who said texts are not safe gets no
// text when the clinic declines; the next organization still gets the
// referral.
func TestServeLoopUnsafeNoText(t *testing.T) {
	t.Parallel()
	r := newServeLoop(t)
	ref := r.screen("+13125550164", "Tenant Rights Clinic", loopUnsafe)
	link := r.pageURL(r.waitEmailTo("intake.tenants@example.org"))
	if resp, body := r.page(link, decline("priorities")); resp.StatusCode != 200 || !strings.Contains(body, "Declined by Tenant Rights Clinic") {
		t.Fatalf("POST decline: %d:\n%s", resp.StatusCode, body)
	}
	if next := r.waitEmailTo("intake.legalaid@example.org"); !strings.Contains(next.subject+next.body, ref) {
		t.Errorf("the re-routed email does not name %s", ref)
	}
	time.Sleep(3 * time.Second) // the outbox runs every second: room for a wrong text
	if texts := r.twilio.Messages(); len(texts) != 0 || r.twilio.Requests() != 0 {
		t.Errorf("texts to a person who said texts are not safe: %+v (%d requests)", texts, r.twilio.Requests())
	}
}
