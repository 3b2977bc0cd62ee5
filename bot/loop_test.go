package bot_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/mailer"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/bot/storetest"
	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
	"github.com/hotline-legal/hotline/pack"
)

// loopRig is the service, its outbox and its loop worker on a store, with a
// real SMTP server and a local Twilio: the whole referral loop.
type loopRig struct {
	t       *testing.T
	clock   *clock
	store   storetest.Store
	shards  int
	service *bot.Service
	outbox  *bot.Outbox
	mail    *smtpserver.Server
	twilio  *twilioapi.Server
	counts  *counts
	logs    *logBuffer
	pack    *pack.Pack
}

// loopPublicURL is the tests' HOTLINE_PUBLIC_URL.
const loopPublicURL = "https://hotline.example.org"

func newLoopRig(t *testing.T, open opener, edits map[string][2]string, tweaks ...func(*bot.Options, *bot.OutboxOptions)) *loopRig {
	t.Helper()
	r := &loopRig{t: t, mail: smtpserver.Start(t, smtpserver.Options{}), twilio: twilioapi.New(t), counts: &counts{}, logs: &logBuffer{}}
	r.pack = editedPack(t, edits)
	// A Wednesday morning: the Tenant Rights Clinic's "1 business day" and
	// the pack's 4 hours of grace end on Thursday at 2pm.
	r.clock = &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, r.pack.Flow.Location)}
	r.store, r.shards, _ = open(t, r.clock.Now)
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	links := must(referrallink.New([]byte("the tests' link key, 32 bytes long!")))
	packFn := func() *pack.Pack { return r.pack }
	so := bot.Options{
		Store: r.store, Keys: testKeys, Pack: packFn, Now: r.clock.Now, Random: rand.Reader, Log: log,
		Observer: r.counts, Retention: 7 * 24 * time.Hour, EmailFrom: testFrom, EmailDomain: "example.org",
		Coordinator: "coordinator@example.org",
		Loop:        bot.LoopOptions{Links: links, PublicURL: loopPublicURL, Retention: 720 * time.Hour, FollowUpAfter: 72 * time.Hour},
	}
	oo := bot.OutboxOptions{
		Store: r.store, Shards: r.shards, Mailer: smtpSender(t, r.mail), Permanent: mailer.IsPermanent,
		Pack: packFn, Now: r.clock.Now, Log: log, Observer: r.counts, From: testFrom,
		Domain: "example.org", Coordinator: "coordinator@example.org", Retention: 720 * time.Hour,
		FirstRetry: 5 * time.Second, MaxRetry: 15 * time.Minute, GiveUpAfter: 24 * time.Hour, Lease: time.Minute,
		Poll: 10 * time.Millisecond, Texter: r.twilio.Texter(), TextPermanent: texter.IsPermanent, TextRetryable: texter.IsRetryable, DescribeText: texter.Describe,
	}
	for _, tweak := range tweaks {
		tweak(&so, &oo)
	}
	r.service, r.outbox = must(bot.New(so)), must(bot.NewOutbox(oo))
	return r
}

// say sends one message from a number and returns the replies.
func (r *loopRig) say(from, text string) []string {
	r.t.Helper()
	reply, err := r.service.Handle(context.Background(), hotline.Message{
		Conversation: conversation(from), ID: from + "-" + r.clock.Now().String() + "-" + text, Text: text,
	})
	if err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	r.clock.Advance(time.Minute)
	return reply.Messages
}

// screen runs a script and returns the referral's reference; when the
// script ends before the referral (a path with more questions), "skip" answers
// the rest.
func (r *loopRig) screen(from string, script ...string) string {
	r.t.Helper()
	var last []string
	for _, text := range script {
		last = r.say(from, text)
	}
	for i := 0; i < 10 && !strings.Contains(strings.Join(last, " "), "H-"); i++ {
		last = r.say(from, "skip")
	}
	return reference(r.t, last)
}

// web sends one message on the web chat from a session.
func (r *loopRig) web(session, text string) []string {
	r.t.Helper()
	reply, err := r.service.Handle(context.Background(), hotline.Message{
		Conversation: hotline.Conversation{Channel: hotline.ChannelWeb, From: session}, ID: session + r.clock.Now().String(), Text: text,
	})
	if err != nil {
		r.t.Fatalf("%q: %v", text, err)
	}
	return reply.Messages
}

// deliver runs the outbox until nothing is due and returns the emails and
// texts sent since the last call.
func (r *loopRig) deliver() (emails []string, texts []twilioapi.Message) {
	r.t.Helper()
	mailsBefore, textsBefore := len(r.mail.Messages()), len(r.twilio.Messages())
	for i := 0; i < 10 && r.outbox.Work(context.Background()) > 0; i++ {
	}
	for _, m := range r.mail.Messages()[mailsBefore:] {
		emails = append(emails, unfold(m.Data))
	}
	return emails, r.twilio.Messages()[textsBefore:]
}

// tend runs the loop worker once.
func (r *loopRig) tend() int { return r.service.WorkLoops(context.Background(), r.shards) }

// linkIn finds the organization's link in an email and returns its token.
var linkPattern = regexp.MustCompile(regexp.QuoteMeta(loopPublicURL) + `/referrals/([A-Za-z0-9_.-]+)`)

func (r *loopRig) tokenIn(mail string) string {
	r.t.Helper()
	m := linkPattern.FindStringSubmatch(mail)
	if m == nil {
		r.t.Fatalf("no link to the referral's page in the email:\n%s", mail)
	}
	return m[1]
}

// oneEmailTo returns the one email among emails sent to an address.
func oneEmailTo(t *testing.T, emails []string, to string) string {
	t.Helper()
	var found []string
	for _, e := range emails {
		// At a line's start: a Reply-To names the coordinator too.
		if strings.Contains("\n"+e, "\nTo: "+to) || strings.Contains("\n"+e, "\nTo: <"+to+">") {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d emails to %s among %d, want 1", len(found), to, len(emails))
	}
	return found[0]
}

// TestLoopDeclineReroutes: an organization's decline sends the referral on,
// in the same moment, to the next organization that fits, with an email that
// says why and a link of its own, and the person is texted the new
// organization, its number and the same reference. A second decision on the
// first link is shown, not applied; when the second organization declines
// too and nobody fits, the person is texted the fallback.
func TestLoopDeclineReroutes(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			const from = "+13125550142"
			ref := r.screen(from, byHand...)
			emails, texts := r.deliver()
			first := oneEmailTo(t, emails, "intake.tenants@example.org")
			if len(texts) != 0 {
				t.Fatalf("texts at the referral: %v (the reply is the referral's text)", texts)
			}
			token := r.tokenIn(first)
			view, err := r.service.ReferralPage(context.Background(), token)
			if err != nil || view.Ref != ref || view.Standing != bot.ViewWaiting || view.Org != "Tenant Rights Clinic" {
				t.Fatalf("ReferralPage = %+v, %v", view, err)
			}
			view, err = r.service.Decide(context.Background(), token, bot.ActionDecline, hotline.ReasonCapacity)
			if err != nil || view.Standing != bot.ViewDeclined || view.Reason != hotline.ReasonCapacity || view.Already {
				t.Fatalf("Decide(decline) = %+v, %v", view, err)
			}
			emails, texts = r.deliver()
			second := oneEmailTo(t, emails, "intake.legalaid@example.org")
			if notice := oneEmailTo(t, emails, "coordinator@example.org"); !strings.Contains(notice, ref) ||
				!strings.Contains(notice, "declined this referral") || !strings.Contains(notice, "Example County Legal Aid") {
				t.Errorf("the coordinator's notice of the decline:\n%s", notice)
			}
			if !strings.Contains(second, ref) || !strings.Contains(second, "Tenant Rights Clinic") {
				t.Errorf("the re-routed email names neither the reference nor the organization before:\n%s", second)
			}
			if r.tokenIn(second) == token {
				t.Errorf("the next organization got the first one's link")
			}
			if len(texts) != 1 || texts[0].To != from || !strings.Contains(texts[0].Body, "Example County Legal Aid") ||
				!strings.Contains(texts[0].Body, "(312) 555-0122") || !strings.Contains(texts[0].Body, ref) {
				t.Fatalf("the person's texts = %+v; want one naming Example County Legal Aid, its number and %s", texts, ref)
			}
			// The first link again: shown, not applied.
			view, err = r.service.Decide(context.Background(), token, bot.ActionAccept, "")
			if err != nil || !view.Already || view.Standing != bot.ViewDeclined {
				t.Fatalf("a second decision on the first link = %+v, %v; want it shown, not applied", view, err)
			}
			// The page of an organization the referral has left shows its
			// own story, not where the referral went, nor the person's texts.
			for _, e := range view.History {
				if e.Org == "Example County Legal Aid (LSC-funded)" || e.Kind == hotline.EventTexted {
					t.Errorf("the first organization's page shows %+v", e)
				}
			}
			if n := len(view.History); n != 2 {
				t.Errorf("the first organization's page shows %d events, want 2 (sent, declined): %+v", n, view.History)
			}
			if emails, texts = r.deliver(); len(emails)+len(texts) != 0 {
				t.Fatalf("a decision not applied sent %d emails and %d texts", len(emails), len(texts))
			}
			// The person asks where it stands.
			if got := strings.Join(r.say(from, "STATUS"), " "); !strings.Contains(got, "Example County Legal Aid") || !strings.Contains(got, ref) {
				t.Errorf("STATUS after the re-route = %q; want the new organization and %s", got, ref)
			}
			// The second declines for a conflict: nobody else fits.
			if _, err := r.service.Decide(context.Background(), r.tokenIn(second), bot.ActionDecline, hotline.ReasonConflict); err != nil {
				t.Fatal(err)
			}
			emails, texts = r.deliver()
			if len(emails) != 1 || len(texts) != 1 || !strings.Contains(texts[0].Body, "State Bar Lawyer Referral Service") {
				t.Fatalf("after the last decline: %d emails, texts %+v; want the fallback texted and the coordinator told", len(emails), texts)
			}
			if notice := oneEmailTo(t, emails, "coordinator@example.org"); !strings.Contains(notice, "the person was given the fallback") {
				t.Errorf("the coordinator's notice of the last decline:\n%s", notice)
			}
		})
	}
}

// TestLoopAcceptSkipsFollowUp: an organization that accepts is trusted to
// call; the person is not asked whether it did.
func TestLoopAcceptSkipsFollowUp(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			r.screen("+13125550142", byHand...)
			emails, _ := r.deliver()
			if _, err := r.service.Decide(context.Background(), r.tokenIn(oneEmailTo(t, emails, "intake.tenants@example.org")), bot.ActionAccept, ""); err != nil {
				t.Fatal(err)
			}
			r.clock.Advance(73 * time.Hour)
			r.tend()
			if emails, texts := r.deliver(); len(texts) != 0 || len(emails) != 0 {
				t.Fatalf("after an accept: %d emails, texts %+v; want neither", len(emails), texts)
			}
		})
	}
}

// TestLoopFollowUpNo: three days on with no word from the organization, the
// person is asked whether it contacted them; their NO sends the referral on.
func TestLoopFollowUpNo(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			const from = "+13125550142"
			ref := r.screen(from, byHand...)
			r.deliver()
			r.clock.Advance(72 * time.Hour)
			r.tend()
			_, texts := r.deliver()
			if len(texts) != 1 || !strings.Contains(texts[0].Body, "Tenant Rights Clinic") || texts[0].To != from {
				t.Fatalf("the follow-up = %+v; want one text asking about the Tenant Rights Clinic", texts)
			}
			if got := strings.Join(r.say(from, "no"), " "); !strings.Contains(got, ref) {
				t.Errorf("the reply to NO = %q; want the reference", got)
			}
			r.tend()
			emails, texts := r.deliver()
			next := oneEmailTo(t, emails, "intake.legalaid@example.org")
			if !strings.Contains(next, ref) || len(texts) != 1 || !strings.Contains(texts[0].Body, "Example County Legal Aid") {
				t.Fatalf("after NO: texts %+v and the email\n%s", texts, next)
			}
		})
	}
}

// TestLoopSilenceAlerts: an organization that neither accepts nor declines
// within its response time and the pack's grace is reported to the
// coordinator, once.
func TestLoopSilenceAlerts(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			ref := r.screen("+13125550142", byHand...)
			r.deliver()
			r.clock.Advance(27 * time.Hour) // Thursday 1pm: within the grace
			r.tend()
			if emails, _ := r.deliver(); len(emails) != 0 {
				t.Fatalf("an alert before the grace ended")
			}
			r.clock.Advance(2 * time.Hour)
			r.tend()
			emails, texts := r.deliver()
			alert := oneEmailTo(t, emails, "coordinator@example.org")
			if !strings.Contains(alert, ref) || !strings.Contains(alert, "Tenant Rights Clinic") || len(texts) != 0 {
				t.Fatalf("the alert (texts %v):\n%s", texts, alert)
			}
			r.clock.Advance(time.Hour)
			r.tend()
			if emails, _ := r.deliver(); len(emails) != 0 {
				t.Fatalf("the alert came twice")
			}
		})
	}
}

// TestLoopNoTextWhenUnsafe: a person who said texts to their number are not
// safe gets no text about their referral, whatever happens to it; the next
// organization still gets it.
func TestLoopNoTextWhenUnsafe(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			unsafe := append(append([]string(nil), byHand[:len(byHand)-1]...), "no", "")
			unsafe[len(unsafe)-1] = "skip"
			r.screen("+13125550142", unsafe...)
			emails, _ := r.deliver()
			token := r.tokenIn(oneEmailTo(t, emails, "intake.tenants@example.org"))
			if _, err := r.service.Decide(context.Background(), token, bot.ActionDecline, hotline.ReasonPriorities); err != nil {
				t.Fatal(err)
			}
			emails, texts := r.deliver()
			oneEmailTo(t, emails, "intake.legalaid@example.org")
			r.clock.Advance(80 * time.Hour)
			r.tend()
			_, later := r.deliver()
			if len(texts)+len(later) != 0 || len(r.twilio.Messages()) != 0 {
				t.Fatalf("texts to a person who said texts are not safe: %+v %+v", texts, later)
			}
		})
	}
}

// TestLoopPrivateNeverTexted: a person who said they are in danger (the
// sample's private:) said yes to texts, but nothing about the referral is
// texted to them, and a reference typed on the web chat tells nothing of it.
func TestLoopPrivateNeverTexted(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			danger := append([]string(nil), byHand...)
			danger[3] = "yes"
			ref := r.screen("+13125550142", danger...)
			emails, _ := r.deliver()
			token := r.tokenIn(oneEmailTo(t, emails, "intake.tenants@example.org"))
			if _, err := r.service.Decide(context.Background(), token, bot.ActionDecline, hotline.ReasonCapacity); err != nil {
				t.Fatal(err)
			}
			r.clock.Advance(80 * time.Hour)
			r.tend()
			r.deliver()
			if n := r.twilio.Requests(); n != 0 {
				t.Errorf("%d texts to a person in danger: %+v", n, r.twilio.Messages())
			}
			if got := strings.Join(r.web("a-new-session", ref), " "); strings.Contains(got, "Legal Aid") || strings.Contains(got, "Tenant") {
				t.Errorf("a typed reference of a private referral = %q; want nothing of it", got)
			}
		})
	}
}

// TestLoopStopAfterRestart: a person who started over after their referral,
// then sent STOP, is never texted about it again, and its loop keeps
// nothing of them.
func TestLoopStopAfterRestart(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			const from = "+13125550142"
			ref := r.screen(from, byHand...)
			emails, _ := r.deliver()
			token := r.tokenIn(oneEmailTo(t, emails, "intake.tenants@example.org"))
			r.say(from, "RESTART")
			r.say(from, "STOP")
			l, _, err := r.store.LoadLoop(context.Background(), ref)
			if err != nil || !l.Stopped || l.Referral == nil || l.Referral.Name != "" || l.Referral.Callback != "" || l.Texts != (hotline.Conversation{}) {
				t.Fatalf("the loop after STOP = %+v, %v; want it withdrawn", l, err)
			}
			view, err := r.service.Decide(context.Background(), token, bot.ActionDecline, hotline.ReasonCapacity)
			if err != nil || view.Standing != bot.ViewDeclined {
				t.Fatalf("Decide after STOP = %+v, %v", view, err)
			}
			r.clock.Advance(80 * time.Hour)
			r.tend()
			emails, texts := r.deliver()
			if len(emails) != 0 || len(texts) != 0 {
				t.Fatalf("after STOP: %d emails, texts %+v; want none", len(emails), texts)
			}
		})
	}
}

// TestLoopFollowUpAnswerCountsOnce: a NO sends the referral on once; a second
// NO a moment later is no answer about the next organization, which nobody
// asked about yet.
func TestLoopFollowUpAnswerCountsOnce(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil)
			const from = "+13125550142"
			r.screen(from, byHand...)
			r.deliver()
			r.clock.Advance(72 * time.Hour)
			r.tend()
			r.deliver()
			r.say(from, "no")
			r.tend()
			r.say(from, "no")
			r.tend()
			emails, texts := r.deliver()
			oneEmailTo(t, emails, "intake.legalaid@example.org")
			oneEmailTo(t, emails, "coordinator@example.org")
			if len(emails) != 2 || len(texts) != 1 || strings.Contains(texts[0].Body, "State Bar") {
				t.Fatalf("after NO, NO: %d emails, texts %+v; want one re-route (and its notice)", len(emails), texts)
			}
		})
	}
}

// TestLoopQueuedTextDropped: a text queued for the morning (a decline in the
// quiet hours) is dropped when the person sends STOP meanwhile.
func TestLoopQueuedTextDropped(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			quiet := bot.QuietHours(21*time.Hour, 8*time.Hour, true)
			r := newLoopRig(t, open, nil, func(so *bot.Options, oo *bot.OutboxOptions) {
				so.Loop.Quiet, oo.Quiet = quiet, quiet
			})
			const from = "+13125550142"
			r.screen(from, byHand...)
			emails, _ := r.deliver()
			token := r.tokenIn(oneEmailTo(t, emails, "intake.tenants@example.org"))
			r.clock.Advance(12 * time.Hour) // 10pm
			if _, err := r.service.Decide(context.Background(), token, bot.ActionDecline, hotline.ReasonCapacity); err != nil {
				t.Fatal(err)
			}
			emails, texts := r.deliver()
			oneEmailTo(t, emails, "intake.legalaid@example.org")
			if len(texts) != 0 {
				t.Fatalf("texted in the quiet hours: %+v", texts)
			}
			r.say(from, "STOP")
			r.clock.Advance(11 * time.Hour) // 9am
			if _, texts = r.deliver(); len(texts) != 0 || r.twilio.Requests() != 0 {
				t.Fatalf("a text queued before STOP went after it: %+v", texts)
			}
		})
	}
}

// TestLoopQuietHoursWait: the same text, with no STOP, goes in the morning.
func TestLoopQuietHoursWait(t *testing.T) {
	quiet := bot.QuietHours(21*time.Hour, 8*time.Hour, true)
	r := newLoopRig(t, stores()["memory"], nil, func(so *bot.Options, oo *bot.OutboxOptions) {
		so.Loop.Quiet, oo.Quiet = quiet, quiet
	})
	r.screen("+13125550142", byHand...)
	emails, _ := r.deliver()
	r.clock.Advance(12 * time.Hour)
	if _, err := r.service.Decide(context.Background(), r.tokenIn(emails[0]), bot.ActionDecline, hotline.ReasonCapacity); err != nil {
		t.Fatal(err)
	}
	if _, texts := r.deliver(); len(texts) != 0 {
		t.Fatalf("texted in the quiet hours: %+v", texts)
	}
	r.clock.Advance(11 * time.Hour)
	if _, texts := r.deliver(); len(texts) != 1 {
		t.Fatalf("the morning's texts = %+v; want the one that waited", texts)
	}
}

// TestLoopTypedReference: a person back on the web chat in a new session
// types their reference and sees where it stands; the look-up is counted
// (Reply.LookedUp), and past the web chat's cap it tells nothing.
func TestLoopTypedReference(t *testing.T) {
	r := newLoopRig(t, stores()["memory"], nil)
	ref := r.screen("+13125550142", byHand...)
	ask := func(closed bool) bot.Reply {
		reply, err := r.service.Handle(context.Background(), hotline.Message{
			Conversation: hotline.Conversation{Channel: hotline.ChannelWeb, From: "back-" + r.clock.Now().String()}, Text: strings.ToLower(ref),
			LookupsClosed: closed,
		})
		if err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(time.Minute)
		return reply
	}
	if reply := ask(false); !reply.LookedUp || !strings.Contains(strings.Join(reply.Messages, " "), "Tenant Rights Clinic") {
		t.Errorf("a typed reference = %+v; want its standing, counted", reply)
	}
	if reply := ask(true); reply.LookedUp || strings.Contains(strings.Join(reply.Messages, " "), "Tenant Rights Clinic") {
		t.Errorf("a typed reference past the cap = %+v; want nothing of it", reply)
	}
}

// noFollowUps turns the follow-up texts off.
func noFollowUps(so *bot.Options, _ *bot.OutboxOptions) { so.Loop.FollowUpAfter = 0 }

// withHearing is a screening with a court date on Thursday, December 10 and
// texts safe: the referral's text offers a reminder of the hearing.
var withHearing = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "12/10", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

// TestLoopHearingReminder: a person who takes the offer is texted the day
// before their hearing at the pack's hour (18:00) and on its morning (08:00),
// once each, on the hotline's clock; a new date they send moves the reminder.
// (Follow-ups are off, to count the reminders alone.)
func TestLoopHearingReminder(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			r := newLoopRig(t, open, nil, noFollowUps)
			const from = "+13125550142"
			loc := r.pack.Flow.Location
			var last []string
			for _, text := range withHearing {
				last = r.say(from, text)
			}
			if got := strings.Join(last, " "); !strings.Contains(got, "remind you the day before your hearing") {
				t.Fatalf("the referral's replies %q offer no reminder", got)
			}
			if got := strings.Join(r.say(from, "yes"), " "); !strings.Contains(got, "remind you") {
				t.Fatalf("the answer to YES = %q", got)
			}
			r.deliver()
			r.clock.now = time.Date(2026, 12, 9, 17, 59, 0, 0, loc)
			r.tend()
			if _, texts := r.deliver(); len(texts) != 0 {
				t.Fatalf("a reminder before its time: %+v", texts)
			}
			r.clock.now = time.Date(2026, 12, 9, 18, 0, 0, 0, loc)
			r.tend()
			_, texts := r.deliver()
			if len(texts) != 1 || texts[0].To != from || !strings.Contains(texts[0].Body, "tomorrow") || !strings.Contains(texts[0].Body, "Dec 10") {
				t.Fatalf("the day before: %+v; want one reminder naming tomorrow, Dec 10", texts)
			}
			r.tend()
			if _, texts := r.deliver(); len(texts) != 0 {
				t.Fatalf("the reminder came twice: %+v", texts)
			}
			r.clock.now = time.Date(2026, 12, 10, 8, 0, 0, 0, loc)
			r.tend()
			if _, texts := r.deliver(); len(texts) != 1 || !strings.Contains(texts[0].Body, "today") {
				t.Fatalf("the morning: %+v; want one reminder naming today", texts)
			}
		})
	}
}

// TestLoopHearingMoved: a new date moves the reminder; none comes before the
// day before it.
func TestLoopHearingMoved(t *testing.T) {
	r := newLoopRig(t, stores()["memory"], nil, noFollowUps)
	const from = "+13125550142"
	loc := r.pack.Flow.Location
	for _, text := range withHearing {
		r.say(from, text)
	}
	r.say(from, "yes")
	if got := strings.Join(r.say(from, "12/15"), " "); !strings.Contains(got, "new date") {
		t.Fatalf("the answer to a new date = %q", got)
	}
	r.deliver()
	r.clock.now = time.Date(2026, 12, 9, 18, 30, 0, 0, loc)
	r.tend()
	if _, texts := r.deliver(); len(texts) != 0 {
		t.Fatalf("a reminder for the old date: %+v", texts)
	}
	r.clock.now = time.Date(2026, 12, 14, 18, 0, 0, 0, loc)
	r.tend()
	if _, texts := r.deliver(); len(texts) != 1 || !strings.Contains(texts[0].Body, "Dec 15") {
		t.Fatalf("the day before the new date: %+v", texts)
	}
}

// TestLoopHearingNoOfferWhenUnsafe: texts not safe, no offer, and no
// reminder whatever the person says.
func TestLoopHearingNoOfferWhenUnsafe(t *testing.T) {
	r := newLoopRig(t, stores()["memory"], nil)
	const from = "+13125550142"
	script := append(append([]string(nil), withHearing[:len(withHearing)-1]...), "no", "skip")
	var last []string
	for _, text := range script {
		last = r.say(from, text)
	}
	if got := strings.Join(last, " "); strings.Contains(got, "remind you") {
		t.Fatalf("texts unsafe, yet offered a reminder: %q", got)
	}
	r.say(from, "yes")
	r.clock.now = time.Date(2026, 12, 9, 18, 0, 0, 0, r.pack.Flow.Location)
	r.tend()
	r.deliver()
	if n := r.twilio.Requests(); n != 0 {
		t.Fatalf("%d texts to a person whose texts are unsafe", n)
	}
}

// TestLoopHearingMovedBack: a date moved and moved back is reminded of once
// more, as a text of its own (not refused as one sent before), and a STOP
// leaves nothing of the hearing in the loop.
func TestLoopHearingMovedBack(t *testing.T) {
	r := newLoopRig(t, stores()["memory"], nil, noFollowUps)
	const from = "+13125550142"
	loc := r.pack.Flow.Location
	var ref string
	for _, text := range withHearing {
		if got := r.say(from, text); strings.Contains(strings.Join(got, " "), "H-") {
			ref = reference(t, got)
		}
	}
	r.say(from, "yes")
	r.clock.now = time.Date(2026, 12, 9, 18, 0, 0, 0, loc)
	r.tend()
	if _, texts := r.deliver(); len(texts) != 1 {
		t.Fatalf("the first reminder: %+v", texts)
	}
	r.say(from, "12/15")
	r.say(from, "12/10")
	r.clock.now = time.Date(2026, 12, 10, 8, 0, 0, 0, loc)
	r.tend()
	if _, texts := r.deliver(); len(texts) != 1 || !strings.Contains(texts[0].Body, "today") {
		t.Fatalf("after the date moved back: %+v; want the morning's reminder", texts)
	}
	r.say(from, "STOP")
	l, _, err := r.store.LoadLoop(context.Background(), ref)
	if err != nil || l.Hearing != "" || l.HearingOn || !l.KeepUntil().Equal(l.Expires) {
		t.Errorf("the loop after STOP = hearing %q, on %v, kept until %v (expires %v), %v", l.Hearing, l.HearingOn, l.KeepUntil(), l.Expires, err)
	}
}
