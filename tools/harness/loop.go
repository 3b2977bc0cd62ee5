package main

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
	"github.com/hotline-legal/hotline/pack"
)

// The referral loop's run (--loop, issue 15). The hotline processes text
// people through a local Twilio (internal/testkit/twilioapi) and follow them
// up HOTLINE_FOLLOWUP_AFTER after a referral reaches an organization, quiet
// hours off. For each referral a sender was given, an actor plays both its
// organizations and its person:
//
//   - each referral email that reaches an organization of the scenario's chain
//     is read for its link; the organization declines (--declines, a random
//     reason), accepts (--accepts) or never answers, on its page: POST
//     /referrals/{token} to a random hotline process, and a share of the
//     decisions (--decide-twice) twice, back to back to another process or at
//     the same moment to two;
//   - each follow-up text that reaches the person is answered YES or NO
//     (--answer-no) through the webhook, as the senders text (duplicates
//     included).
//
// The faults play as in the plain run. Once nothing is left to happen (every
// email and text acted on, the outbox empty, no loop with a re-route or a
// follow-up still owed), the run is checked from what left the hotline (emails
// at the SMTP server, texts at the local Twilio), what the actors saw, and the
// loops and dead letters in Redis: see loopcheck.go.

// loopRun drives the actors.
type loopRun struct {
	h      *harness
	twilio *twilioapi.Server
	client *http.Client
	// orgs maps an organization's id to its intake address, as the sample
	// pack's directory (the one the processes run) says.
	orgs map[string]string

	ctx    context.Context // the actors'; cancel ends them
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	lives      map[string]*refLife // by reference
	emailsSeen int                 // of the SMTP server's messages, how many were dispatched
	textsSeen  int                 // of the local Twilio's
	strayMail  []smtpserver.Message
	strayTexts []twilioapi.Message
	lastChange time.Time
}

// refLife is one referral as the harness lives it: its organizations and its
// person.
type refLife struct {
	ref   string
	s     *sender
	chain []string
	rng   *mathrand.Rand // the actor's alone
	wake  chan struct{}  // a new email or text (capacity 1)

	mu         sync.Mutex
	emails     []smtpserver.Message // the referral's emails, as they arrived
	texts      []twilioapi.Message  // the texts to its person, as they arrived
	emailsDone int                  // of emails, how many the actor acted on
	textsDone  int
	decisions  []*decision
	answers    []*followUpAnswer
	notes      []string // what the actor could not do (no link in an email...)
}

// decision is what an organization did with a referral email.
type decision struct {
	org    string // the intake address
	action string // "accept", "decline", or "none" (never answered)
	reason string
	how    string // howOnce, howBehind or howAtOnce
	at     time.Time
	posts  []pagePost // each POST's final answer, in order
	tries  int        // every request, retries after a failure included
	failed []string   // 5xx and connection errors met before a final answer (the first 5)
	// fail5xx and failConn count them.
	fail5xx, failConn int
}

// How a decision was posted.
const (
	howOnce   = "once"
	howBehind = "twice, back to back (another process)"
	howAtOnce = "twice, at the same moment (two processes)"
)

// The final answers of a decision's POST.
const (
	postRecorded = "recorded"     // "your answer has been recorded": applied
	postAlready  = "already"      // "was not applied": shown as already made
	postOther    = "other"        // another page or status
	postGaveUp   = "no answer"    // failures until --give-up
	postAborted  = "not finished" // the run ended first
)

// pagePost is one POST of a decision, as it finally went.
type pagePost struct {
	proc    int
	status  int
	outcome string
	detail  string
}

// followUpAnswer is a follow-up text and the person's answer to it.
type followUpAnswer struct {
	asked   string // the text's body
	said    string // "yes" or "no"
	outcome string // answerApplied, answerShown or answerLost
	reply   string
}

// The outcomes of a follow-up answer, by its reply.
const (
	answerApplied = "applied"     // followup_yes or followup_no
	answerShown   = "not applied" // any other reply (the referral had moved on)
	answerLost    = "no reply"    // never a normal reply before --give-up
)

// Kinds of texts to a person, by their body (the sample pack's English).
const (
	textFollowUp = "follow-up"
	textRerouted = "re-routed"
	textFallback = "fallback"
	textOther    = "other"
)

func textKind(body string) string {
	switch {
	case strings.Contains(body, "contact you? Reply YES or NO"):
		return textFollowUp
	case strings.Contains(body, "no other office we work with can"):
		return textFallback
	case strings.Contains(body, "can't take your case. We sent it to"):
		return textRerouted
	}
	return textOther
}

// newLoopRun starts the local Twilio; the actors start with startLoop.
func newLoopRun(h *harness) (*loopRun, error) {
	p, problems, err := pack.Load(defaultpack.FS, time.Now())
	if err != nil {
		return nil, fmt.Errorf("the sample pack: %w", err)
	}
	if p == nil {
		return nil, fmt.Errorf("the sample pack: %v", problems)
	}
	orgs := map[string]string{}
	for _, o := range p.Directory.Organizations {
		orgs[o.ID] = strings.ToLower(o.Email)
	}
	tw, err := twilioapi.Open()
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     60 * time.Second,
	}
	return &loopRun{
		h: h, twilio: tw, orgs: orgs, lives: map[string]*refLife{},
		client: &http.Client{Transport: transport, Timeout: clientTimeout},
	}, nil
}

// env is what the hotline processes need for the loop: texts through the local
// Twilio, follow-ups soon, no quiet hours (the time of day in Chicago must not
// matter).
func (lr *loopRun) env() []string {
	return []string{
		"TWILIO_ACCOUNT_SID=" + twilioapi.AccountSID, "HOTLINE_TWILIO_API_URL=" + lr.twilio.URL,
		"HOTLINE_FOLLOWUP_AFTER=" + lr.h.o.followUpAfter.String(), "HOTLINE_QUIET_HOURS=off",
	}
}

// start begins dispatching emails and texts to the actors, until ctx ends or
// stop.
func (lr *loopRun) start(ctx context.Context) {
	lr.ctx, lr.cancel = context.WithCancel(ctx)
	lr.lastChange = time.Now()
	lr.wg.Add(1)
	go func() {
		defer lr.wg.Done()
		for sleepCtx(lr.ctx, 200*time.Millisecond) {
			lr.dispatch()
		}
	}()
}

// stop ends the actors and the dispatcher, and waits for them.
func (lr *loopRun) stop() {
	if lr.cancel != nil {
		lr.cancel()
	}
	lr.wg.Wait()
}

// close stops the local Twilio.
func (lr *loopRun) close() { lr.twilio.Close() }

// onRef starts the actor of a referral a sender was just given. It does not
// block: the sender goes on.
func (lr *loopRun) onRef(s *sender) {
	r := s.res
	life := &refLife{
		ref: r.ref, s: s, chain: r.scenario.chain(), wake: make(chan struct{}, 1),
		rng: mathrand.New(mathrand.NewPCG(lr.h.o.seed^0x100f, uint64(r.index))),
	}
	lr.mu.Lock()
	if lr.lives[r.ref] != nil {
		// Two conversations given one reference: the plain checks say so.
		lr.mu.Unlock()
		return
	}
	lr.lives[r.ref] = life
	lr.mu.Unlock()
	lr.wg.Add(1)
	go lr.act(life)
}

// dispatch hands the emails and texts that arrived since the last call to the
// actors of their referrals: an email by the reference its Message-ID starts
// with, a text by the number it went to. One that belongs to no referral yet
// waits (the email of a referral whose sender has not read the reply yet).
func (lr *loopRun) dispatch() {
	mails, texts := lr.h.mail.Messages(), lr.twilio.Messages()
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if len(mails) > lr.emailsSeen || len(texts) > lr.textsSeen {
		lr.lastChange = time.Now()
	}
	byPhone := map[string]*refLife{}
	for _, life := range lr.lives {
		byPhone[life.s.res.phone] = life
	}
	pendingMail := append(lr.strayMail, mails[lr.emailsSeen:]...)
	pendingTexts := append(lr.strayTexts, texts[lr.textsSeen:]...)
	lr.emailsSeen, lr.textsSeen = len(mails), len(texts)
	lr.strayMail, lr.strayTexts = nil, nil
	for _, m := range pendingMail {
		if life := lr.lives[refOf(m.MessageID())]; life != nil {
			life.mu.Lock()
			life.emails = append(life.emails, m)
			life.mu.Unlock()
			life.poke()
		} else {
			lr.strayMail = append(lr.strayMail, m)
		}
	}
	for _, t := range pendingTexts {
		if life := byPhone[t.To]; life != nil {
			life.mu.Lock()
			life.texts = append(life.texts, t)
			life.mu.Unlock()
			life.poke()
		} else {
			lr.strayTexts = append(lr.strayTexts, t)
		}
	}
}

func (life *refLife) poke() {
	select {
	case life.wake <- struct{}{}:
	default:
	}
}

// idle reports whether the actor has acted on everything dispatched to it.
func (life *refLife) idle() bool {
	life.mu.Lock()
	defer life.mu.Unlock()
	return life.emailsDone == len(life.emails) && life.textsDone == len(life.texts)
}

// act is a referral's actor: it acts on its emails and texts in turn, until
// the run ends.
func (lr *loopRun) act(life *refLife) {
	defer lr.wg.Done()
	for {
		life.mu.Lock()
		var m *smtpserver.Message
		var t *twilioapi.Message
		switch {
		case life.emailsDone < len(life.emails):
			m = &life.emails[life.emailsDone]
		case life.textsDone < len(life.texts):
			t = &life.texts[life.textsDone]
		}
		life.mu.Unlock()
		switch {
		case m != nil:
			lr.onEmail(life, *m)
			life.mu.Lock()
			life.emailsDone++
			life.mu.Unlock()
		case t != nil:
			lr.onText(life, *t)
			life.mu.Lock()
			life.textsDone++
			life.mu.Unlock()
		default:
			select {
			case <-life.wake:
			case <-lr.ctx.Done():
				return
			}
		}
	}
}

func (life *refLife) note(format string, args ...any) {
	life.mu.Lock()
	defer life.mu.Unlock()
	life.notes = append(life.notes, fmt.Sprintf(format, args...))
}

// pageLink finds the organization's link in a referral email: its token.
var pageLink = regexp.MustCompile(regexp.QuoteMeta(publicURL) + `/referrals/([A-Za-z0-9_.~-]+)`)

// linkToken reads the link's token from an email, quoted-printable or not.
func linkToken(m smtpserver.Message) string {
	body := strings.ReplaceAll(string(m.Data), "=\r\n", "")
	body = strings.ReplaceAll(body, "=\n", "")
	body = strings.ReplaceAll(body, "=3D", "=")
	if match := pageLink.FindStringSubmatch(body); match != nil {
		return match[1]
	}
	return ""
}

// onEmail is an organization reading a referral email: it decides, and posts
// its decision on the page of the email's link.
func (lr *loopRun) onEmail(life *refLife, m smtpserver.Message) {
	if len(m.To) != 1 {
		life.note("email %s went to %v", m.MessageID(), m.To)
		return
	}
	org := strings.ToLower(m.To[0])
	life.mu.Lock()
	for _, d := range life.decisions {
		if d.org == org {
			life.mu.Unlock()
			return // a second email to it: the checks count it
		}
	}
	life.mu.Unlock()
	o := lr.h.o
	d := &decision{org: org, action: "none", how: howOnce, at: time.Now()}
	switch x := life.rng.Float64(); {
	case x < o.declines:
		d.action, d.reason = "decline", declineReasons[life.rng.IntN(len(declineReasons))]
	case x < o.declines+o.accepts:
		d.action = "accept"
	}
	if d.action != "none" {
		switch x := life.rng.Float64(); {
		case x < o.twice/2:
			d.how = howBehind
		case x < o.twice:
			d.how = howAtOnce
		}
	}
	life.mu.Lock()
	life.decisions = append(life.decisions, d)
	life.mu.Unlock()
	if d.action == "none" {
		return
	}
	token := linkToken(m)
	if token == "" {
		life.note("no link to the page in the email %s to %s", m.MessageID(), org)
		return
	}
	// A person reads an email before answering it.
	if !sleepCtx(lr.ctx, life.s.think()) {
		return
	}
	form := url.Values{"action": {d.action}}
	if d.reason != "" {
		form.Set("reason", d.reason)
	}
	n := len(lr.h.hotlines)
	first := life.rng.IntN(n)
	switch d.how {
	case howOnce:
		lr.post(life, d, token, form, first)
	case howBehind:
		last := lr.post(life, d, token, form, first)
		lr.post(life, d, token, form, (last+1+life.rng.IntN(n-1))%n)
	case howAtOnce:
		second := (first + 1 + life.rng.IntN(n-1)) % n
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for _, p := range []int{first, second} {
			wg.Add(1)
			go func() { defer wg.Done(); <-gate; lr.post(life, d, token, form, p) }()
		}
		close(gate)
		wg.Wait()
	}
}

// declineReasons are the page's reasons (hotline.DeclineReasons).
var declineReasons = []string{"conflict", "capacity", "priorities", "other"}

// post posts a decision to a process's page, as an organization's browser
// would: after a 5xx or no answer, again (another process) until a page comes
// back or --give-up passes. It records the final answer and returns the process
// that gave it.
func (lr *loopRun) post(life *refLife, d *decision, token string, form url.Values, proc int) int {
	deadline := time.Now().Add(lr.h.o.giveUp)
	n := len(lr.h.hotlines)
	final := pagePost{proc: proc, outcome: postGaveUp}
	for try := 0; ; try++ {
		if try > 0 {
			proc = (proc + 1) % n
		}
		status, body, err := lr.postOnce(proc, token, form)
		life.mu.Lock()
		d.tries++
		life.mu.Unlock()
		final = pagePost{proc: proc, status: status}
		retry := 200 * time.Millisecond
		switch {
		case err != nil && lr.ctx.Err() != nil:
			final.outcome = postAborted
		case err != nil:
			final.outcome, final.detail = postGaveUp, err.Error()
		case status >= 500:
			final.outcome, final.detail, retry = postGaveUp, fmt.Sprintf("status %d", status), time.Second
		case status == http.StatusOK && strings.Contains(body, "your answer has been recorded"):
			final.outcome = postRecorded
		case status == http.StatusOK && strings.Contains(body, "was not applied"):
			final.outcome = postAlready
		default:
			final.outcome, final.detail = postOther, fmt.Sprintf("status %d: %.300q", status, body)
		}
		if final.outcome != postGaveUp {
			break
		}
		life.mu.Lock()
		if final.status >= 500 {
			d.fail5xx++
		} else {
			d.failConn++
		}
		if len(d.failed) < 5 {
			d.failed = append(d.failed, fmt.Sprintf("#%d: %s", proc+1, final.detail))
		}
		life.mu.Unlock()
		if time.Now().After(deadline) || !sleepCtx(lr.ctx, retry) {
			break
		}
	}
	life.mu.Lock()
	d.posts = append(d.posts, final)
	life.mu.Unlock()
	return proc
}

// postOnce sends one decision to one process.
func (lr *loopRun) postOnce(proc int, token string, form url.Values) (int, string, error) {
	req, err := http.NewRequestWithContext(lr.ctx, http.MethodPost, lr.h.hotlines[proc].base+"/referrals/"+token, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := lr.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		b.Write(buf[:n])
		if rerr != nil || b.Len() > 1<<20 {
			break
		}
	}
	return resp.StatusCode, b.String(), nil
}

// onText is the person reading a text: a follow-up is answered YES or NO.
func (lr *loopRun) onText(life *refLife, t twilioapi.Message) {
	if textKind(t.Body) != textFollowUp {
		return
	}
	said := "yes"
	if life.rng.Float64() < lr.h.o.answerNo {
		said = "no"
	}
	if !sleepCtx(lr.ctx, life.s.think()) {
		return
	}
	a, ok := life.s.say(lr.ctx, said)
	ans := &followUpAnswer{asked: t.Body, said: said, reply: a.text()}
	reply := strings.ToLower(ans.reply)
	switch {
	case !ok:
		ans.outcome = answerLost
	case said == "no" && strings.Contains(reply, "send your case to another office"),
		said == "yes" && strings.Contains(reply, "glad they reached you"):
		ans.outcome = answerApplied
	default:
		ans.outcome = answerShown
	}
	life.mu.Lock()
	life.answers = append(life.answers, ans)
	life.mu.Unlock()
}
