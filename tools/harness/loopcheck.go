package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	hl "github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// settle waits until nothing is left to happen in the loop: every email and text
// dispatched acted on, the outbox empty, no loop owing a re-route or a
// follow-up, and nothing arrived for --quiet; or until --email-wait. It returns
// how long it waited.
func (lr *loopRun) settle(ctx context.Context) time.Duration {
	start, lastLog := time.Now(), time.Now()
	store := redisstore.New(lr.h.redis.shared, keyPrefix)
	for {
		lr.dispatch()
		lr.mu.Lock()
		lives := slices.Collect(maps.Values(lr.lives))
		quietFor := time.Since(lr.lastChange)
		lr.mu.Unlock()
		busy := 0
		for _, life := range lives {
			if !life.idle() {
				busy++
			}
		}
		owed, next := owedLoops(ctx, store, lives)
		depth, err := lr.h.outboxDepth(ctx)
		if err != nil {
			depth = -1
		}
		if busy == 0 && owed == 0 && depth == 0 && quietFor >= lr.h.o.quiet {
			return time.Since(start)
		}
		if time.Since(lastLog) >= 10*time.Second {
			wait := ""
			if !next.IsZero() {
				wait = fmt.Sprintf(" (the next due in %.0fs)", time.Until(next).Seconds())
			}
			lr.h.logf("loop: %d referrals; %d actors busy; %d loops owe a step%s; outbox %d; %d emails, %d texts",
				len(lives), busy, owed, wait, depth, len(lr.h.mail.Messages()), len(lr.twilio.Messages()))
			lastLog = time.Now()
		}
		if time.Since(start) >= lr.h.o.emailWait || !sleepCtx(ctx, time.Second) {
			return time.Since(start)
		}
	}
}

// owedLoops counts the loops that still owe a step (a re-route, a follow-up),
// or cannot be read, and returns the earliest follow-up due.
func owedLoops(ctx context.Context, store *redisstore.Store, lives []*refLife) (int, time.Time) {
	owed := 0
	var next time.Time
	for _, life := range lives {
		l, _, err := store.LoadLoop(ctx, life.ref)
		switch {
		case err != nil:
			owed++
		case l.Pending != "":
			owed++
		case !l.FollowUpAt.IsZero():
			owed++
			if next.IsZero() || l.FollowUpAt.Before(next) {
				next = l.FollowUpAt
			}
		}
	}
	return owed, next
}

// loopOutcome is what the loop run left: what the actors did, and what Redis
// holds at the end.
type loopOutcome struct {
	orgs  map[string]string // organization id → intake address
	lives []*refLife        // by reference
	loops map[string]*hl.Loop
	// loopErrs are the references whose loop could not be read.
	loopErrs map[string]error
	// owed are the references whose loop still owed a step at the end.
	owed []string
	dead []deadLetter
	// textsRecorded counts the sent records of texts (sent:text:…).
	textsRecorded int
	texts         []twilioapi.Message
	twilioReqs    int
	strayMail     []smtpserver.Message
	strayTexts    []twilioapi.Message
	wait          time.Duration
	err           error
	// logs are the hotline processes' logs, where a problem's reference is
	// looked up.
	logs []string
}

// deadLetter is a dead letter as redisstore writes it.
type deadLetter struct {
	Kind      string `json:"kind"`
	Ref       string `json:"ref"`
	OrgID     string `json:"org"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// referral is the referral a dead letter's outbox reference belongs to:
// "text:H-7F3K9~f1" → "H-7F3K9".
func (d deadLetter) referral() string {
	ref := d.Ref
	if i := strings.Index(ref, "H-"); i >= 0 {
		ref = ref[i:]
	}
	ref, _, _ = strings.Cut(ref, "~")
	return ref
}

// midSend reports whether a dead text is one given up on because its worker
// stopped mid-send (the killed process) or could not record the send (Redis
// down): it may have gone, or not, and is never sent again.
func (d deadLetter) midSend() bool {
	return d.Kind == bot.EmailText && strings.Contains(d.LastError, "stopped while sending")
}

// unwanted reports whether a dead text is one dropped because the referral had
// moved on (or the person withdrew) before it went.
func (d deadLetter) unwanted() bool {
	return d.Kind == bot.EmailText && strings.Contains(d.LastError, "no longer wanted")
}

// collect stops the actors and reads what the run left.
func (lr *loopRun) collect(ctx context.Context, wait time.Duration) *loopOutcome {
	lr.stop()
	lr.dispatch() // what came after the last look, for the strays
	out := &loopOutcome{orgs: lr.orgs, loops: map[string]*hl.Loop{}, loopErrs: map[string]error{}, wait: wait,
		texts: lr.twilio.Messages(), twilioReqs: lr.twilio.Requests(), logs: lr.h.logFiles()}
	lr.mu.Lock()
	for _, ref := range slices.Sorted(maps.Keys(lr.lives)) {
		out.lives = append(out.lives, lr.lives[ref])
	}
	out.strayMail, out.strayTexts = lr.strayMail, lr.strayTexts
	lr.mu.Unlock()
	store := redisstore.New(lr.h.redis.shared, keyPrefix)
	for _, life := range out.lives {
		l, _, err := store.LoadLoop(ctx, life.ref)
		if err != nil {
			out.loopErrs[life.ref] = err
			continue
		}
		out.loops[life.ref] = &l
		if l.Pending != "" || !l.FollowUpAt.IsZero() {
			out.owed = append(out.owed, life.ref)
		}
	}
	for _, n := range lr.h.redis.nodes {
		keys, err := scanKeys(ctx, n.admin, keyPrefix+"*:dead:*")
		if err != nil {
			out.err = err
			return out
		}
		for _, k := range keys {
			val, err := n.admin.Get(ctx, k).Result()
			if err != nil {
				out.err = fmt.Errorf("redis GET %s: %w", k, err)
				return out
			}
			var d deadLetter
			if err := json.Unmarshal([]byte(val), &d); err != nil {
				d = deadLetter{Ref: k, LastError: "unreadable: " + err.Error()}
			}
			out.dead = append(out.dead, d)
		}
		sent, err := scanKeys(ctx, n.admin, keyPrefix+"*:sent:text:*")
		if err != nil {
			out.err = err
			return out
		}
		out.textsRecorded += len(sent)
	}
	return out
}

// loopVerdict is the loop run's figures and failures.
type loopVerdict struct {
	referrals, followed int
	// Emails: to organizations (distinct Message-IDs), by address; the
	// re-routed ones among them.
	orgEmails, rerouted int
	byOrg               map[string]int
	// Failures about the emails.
	emailTwice, orgTwice, lost, offChain, stray int
	// Re-routes, by what caused them; unexplained ones fail.
	reroutes, byDecline, byNo, fallbacks, unexplained, earlyFallback int
	// The organizations' decisions: by action and by how posted; the POSTs'
	// final answers; what became of each.
	actions, hows, posts           map[string]int
	tries, failed5xx, failedConn   int
	applied, appliedUnseen, shown  int
	badDecisions, phantomDecisions int
	// Follow-ups: texts sent (the loops' events) and answers by outcome.
	followUps int
	answers   map[string]int
	// unanswered counts answers that never got a normal reply.
	unanswered int
	// Texts: at the local Twilio, by kind; sent twice (To+Body); not promised
	// by any loop; of a kind not known; missing with no dead letter to say why.
	texts, textTwice, unpromised, textOther, textMissing, strayTexts int
	textKinds                                                        map[string]int
	promised, textLost, textUnwanted                                 int
	// The loops at the end, by status; unreadable, and still owing a step.
	final              map[string]int
	missingLoops, owed int
	deadOther          int
	problems, notes    []string
}

func (v *loopVerdict) fail(counter *int, format string, args ...any) {
	*counter++
	if len(v.problems) < 20 {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	}
}

func (v *loopVerdict) tell(format string, args ...any) {
	if len(v.notes) < 20 {
		v.notes = append(v.notes, fmt.Sprintf(format, args...))
	}
}

// verdict checks the loop run against the emails the SMTP server accepted
// (received, and counts by Message-ID).
func (o *loopOutcome) verdict(received []smtpserver.Message, counts map[string]int) loopVerdict {
	v := loopVerdict{referrals: len(o.lives), byOrg: map[string]int{}, actions: map[string]int{}, hows: map[string]int{},
		posts: map[string]int{}, answers: map[string]int{}, textKinds: map[string]int{}, final: map[string]int{}}
	orgOf := map[string]string{} // intake address → organization id
	for id, addr := range o.orgs {
		orgOf[addr] = id
	}
	// The referral emails of each reference, by their first arrival.
	type mailInfo struct {
		id string
		to string
	}
	mails := map[string][]mailInfo{}
	seen := map[string]bool{}
	for _, m := range received {
		id := m.MessageID()
		if seen[id] {
			continue
		}
		seen[id] = true
		to := strings.ToLower(strings.Join(m.To, ","))
		mails[refOf(id)] = append(mails[refOf(id)], mailInfo{id: id, to: to})
	}
	deadBy := map[string][]deadLetter{}
	for _, d := range o.dead {
		switch {
		case d.midSend():
			v.textLost++
		case d.unwanted():
			v.textUnwanted++
		default:
			v.fail(&v.deadOther, "dead letter %s (%s): %s", d.Ref, d.Kind, d.LastError)
		}
		deadBy[d.referral()] = append(deadBy[d.referral()], d)
	}
	textsTo := map[string][]twilioapi.Message{}
	for _, t := range o.texts {
		textsTo[t.To] = append(textsTo[t.To], t)
	}
	for _, m := range o.strayMail {
		v.fail(&v.stray, "an email of no referral given: %s to %v", m.MessageID(), m.To)
	}
	for _, t := range o.strayTexts {
		v.fail(&v.strayTexts, "a text to %s, who has no referral: %q", t.To, t.Body)
	}

	for _, life := range o.lives {
		ref := life.ref
		// The emails.
		byAddr := map[string][]string{}
		for _, m := range mails[ref] {
			v.orgEmails++
			v.byOrg[m.to]++
			byAddr[m.to] = append(byAddr[m.to], m.id)
			if counts[m.id] > 1 {
				v.fail(&v.emailTwice, "%s: Message-ID %s accepted %d times; the outbox's log lines of it: %s", ref, m.id, counts[m.id],
					strings.Join(logLines(o.logs, `"ref":"`+ref+`"`, "outbox: "), " / "))
			}
		}
		for addr, ids := range byAddr {
			if len(ids) > 1 {
				v.fail(&v.orgTwice, "%s reached %s %d times: %v", ref, addr, len(ids), ids)
			}
		}
		l := o.loops[ref]
		if l == nil {
			v.fail(&v.missingLoops, "%s: no loop in Redis (%v)", ref, o.loopErrs[ref])
			continue
		}
		v.followed++
		v.final[l.Status]++
		// Where the history says it went, against the chain and the emails.
		var sentTo []string
		declined, accepted, notContacted := map[string]string{}, map[string]bool{}, map[string]bool{}
		texted, followUps := 0, 0
		for i, e := range l.History {
			switch e.Kind {
			case hl.EventSent:
				addr := o.orgs[e.Org]
				sentTo = append(sentTo, addr)
				if i > 0 {
					v.reroutes++
					v.rerouted++
					v.countReroute(ref, e)
				}
			case hl.EventFallback:
				v.reroutes++
				v.fallbacks++
				v.countReroute(ref, e)
			case hl.EventDeclined:
				if _, twice := declined[e.Org]; twice || accepted[e.Org] {
					v.fail(&v.badDecisions, "%s: %s decided twice in the history", ref, e.Org)
				}
				declined[e.Org] = e.Reason
			case hl.EventAccepted:
				if _, dec := declined[e.Org]; dec || accepted[e.Org] {
					v.fail(&v.badDecisions, "%s: %s decided twice in the history", ref, e.Org)
				}
				accepted[e.Org] = true
			case hl.EventNotContacted:
				notContacted[e.Org] = true
			case hl.EventFollowUp:
				followUps++
			case hl.EventTexted:
				texted++
			}
		}
		for i, addr := range sentTo {
			if i >= len(life.chain) || life.chain[i] != addr {
				v.fail(&v.offChain, "%s went to %v; its chain is %v", ref, sentTo, life.chain)
				break
			}
		}
		if l.Status == hl.LoopFallback && len(sentTo) != len(life.chain) {
			v.fail(&v.earlyFallback, "%s was given the fallback after %v; its chain is %v", ref, sentTo, life.chain)
		}
		for _, addr := range sentTo {
			if len(byAddr[addr]) == 0 {
				v.fail(&v.lost, "%s: the history says it was sent to %s, which got no email (status %s)", ref, addr, l.Status)
			}
		}
		for addr := range byAddr {
			if !slices.Contains(sentTo, addr) {
				v.fail(&v.offChain, "%s: an email to %s, where the history never sent it", ref, addr)
			}
		}
		// The decisions, against the history.
		decidedByUs := map[string]bool{}
		for _, d := range life.decisions {
			v.actions[d.action]++
			if d.action == "none" {
				continue
			}
			v.hows[d.how]++
			v.tries += d.tries
			v.failed5xx += d.fail5xx
			v.failedConn += d.failConn
			org := orgOf[d.org]
			decidedByUs[org] = true
			recorded, other := 0, 0
			for _, p := range d.posts {
				v.posts[p.outcome]++
				switch p.outcome {
				case postRecorded:
					recorded++
				case postAlready:
				default:
					other++
				}
			}
			reason, wasDeclined := declined[org]
			inHistory := d.action == "accept" && accepted[org] || d.action == "decline" && wasDeclined && reason == d.reason
			otherDecision := !inHistory && (accepted[org] || wasDeclined)
			movedOn := left(l.History, org)
			switch {
			case other > 0:
				v.fail(&v.badDecisions, "%s: %s's %s (%s) got %v; failures before: %v", ref, d.org, d.action, d.how, d.posts, d.failed)
			case recorded > 1:
				v.fail(&v.badDecisions, "%s: %s's %s (%s) was recorded %d times: %v", ref, d.org, d.action, d.how, recorded, d.posts)
			case recorded == 1 && inHistory:
				v.applied++
			case recorded == 1:
				v.fail(&v.badDecisions, "%s: %s's %s was recorded, and the history lacks it: %+v", ref, d.org, d.action, l.History)
			case inHistory:
				// Applied, but every answer seen says it was already made: the
				// answer of the POST that applied it was lost (a 5xx or a cut
				// connection after the write).
				v.appliedUnseen++
				v.tell("%s: %s's %s applied, though no POST was answered \"recorded\" (%v; failures %v)", ref, d.org, d.action, d.posts, d.failed)
			case otherDecision:
				v.fail(&v.badDecisions, "%s: %s posted %s, and the history holds another decision of it: %+v", ref, d.org, d.action, l.History)
			case movedOn:
				v.shown++
			default:
				v.fail(&v.badDecisions, "%s: %s's %s was neither applied nor shown as already made: %v; history %+v", ref, d.org, d.action, d.posts, l.History)
			}
		}
		for org := range declined {
			if !decidedByUs[org] {
				v.fail(&v.phantomDecisions, "%s: the history has %s declining, which nobody posted", ref, org)
			}
		}
		for org := range accepted {
			if !decidedByUs[org] {
				v.fail(&v.phantomDecisions, "%s: the history has %s accepting, which nobody posted", ref, org)
			}
		}
		// The follow-up answers.
		for _, a := range life.answers {
			v.answers[a.said+": "+a.outcome]++
			if a.outcome == answerLost {
				v.fail(&v.unanswered, "%s: the person's %s to %q never got a normal reply: %.160q", ref, strings.ToUpper(a.said), a.asked, a.reply)
			} else if a.outcome != answerApplied {
				v.tell("%s: the person's %s to %q: %s (%.160q)", ref, strings.ToUpper(a.said), a.asked, a.outcome, a.reply)
			}
		}
		// The texts to the person.
		v.followUps += followUps
		texts := textsTo[life.s.res.phone]
		byBody := map[string]int{}
		kinds := map[string]int{}
		for _, t := range texts {
			v.texts++
			byBody[t.Body]++
			k := textKind(t.Body)
			kinds[k]++
			v.textKinds[k]++
			if k == textOther {
				v.fail(&v.textOther, "%s: a text of no known kind to %s: %q", ref, t.To, t.Body)
			}
		}
		for body, n := range byBody {
			if n > 1 {
				v.fail(&v.textTwice, "%s: %q texted %d times to %s", ref, body, n, life.s.res.phone)
			}
		}
		promised := followUps + texted
		v.promised += promised
		if kinds[textFollowUp] > followUps || kinds[textRerouted]+kinds[textFallback] > texted {
			v.fail(&v.unpromised, "%s: %d follow-up and %d re-route texts, where the history has %d follow-ups and %d texted", ref,
				kinds[textFollowUp], kinds[textRerouted]+kinds[textFallback], followUps, texted)
		}
		if missing := promised - len(texts); missing > 0 {
			explained := 0
			for _, d := range deadBy[ref] {
				if d.midSend() || d.unwanted() {
					explained++
				}
			}
			if missing > explained {
				v.fail(&v.textMissing, "%s: %d texts in the history never reached Twilio, and only %d dead letters say why", ref, missing, explained)
			}
		}
		for _, d := range deadBy[ref] {
			if d.midSend() || d.unwanted() {
				v.tell("%s: text %s not sent: %s", ref, d.Ref, d.LastError)
			}
		}
		for _, note := range life.notes {
			v.fail(&v.badDecisions, "%s: %s", ref, note)
		}
	}
	for _, ref := range o.owed {
		l := o.loops[ref]
		v.fail(&v.owed, "%s still owed a step when the run stopped waiting: pending %q, follow-up at %s", ref, l.Pending, l.FollowUpAt.Format(time.RFC3339))
	}
	return v
}

// countReroute counts a re-route (a sent after the first, or the fallback) by
// its reason: a decline's, or the person's NO; any other fails (the sample pack
// does not re-route on silence).
func (v *loopVerdict) countReroute(ref string, e hl.LoopEvent) {
	switch {
	case e.Reason == hl.ReasonNotContacted:
		v.byNo++
	case hl.ValidDeclineReason(e.Reason):
		v.byDecline++
	default:
		v.fail(&v.unexplained, "%s: re-routed (%s) for %q", ref, e.Kind, e.Reason)
	}
}

// left reports whether a referral left org: the history sent it on (or gave the
// fallback) after sending it to org.
func left(history []hl.LoopEvent, org string) bool {
	at := -1
	for i, e := range history {
		if e.Kind == hl.EventSent && e.Org == org {
			at = i
		}
	}
	if at < 0 {
		return false
	}
	for _, e := range history[at+1:] {
		if e.Kind == hl.EventSent || e.Kind == hl.EventFallback {
			return true
		}
	}
	return false
}

// loopChecks are the loop run's pass/fail lines, in place of the plain run's
// email lines.
func loopChecks(v loopVerdict, o *loopOutcome) []check {
	n := func(x int) string { return fmt.Sprint(x) }
	zero := func(name string, x int) check { return check{name: name, value: n(x), want: "0", ok: x == 0} }
	readErr := 0
	if o.err != nil {
		readErr = 1
	}
	return []check{
		{name: "referrals with their loop in Redis at the end", value: fmt.Sprintf("%d / %d", v.followed, v.referrals), want: "all", ok: v.followed == v.referrals && v.referrals > 0},
		zero("referral emails accepted twice (one Message-ID)", v.emailTwice),
		zero("referrals sent twice to one organization", v.orgTwice),
		zero("referrals lost (the history sent it to an organization that got no email)", v.lost),
		zero("referrals off their chain (an organization out of turn, an email the history lacks)", v.offChain),
		zero("fallbacks given while an organization that fits was left", v.earlyFallback),
		zero("re-routes not caused by a decline or a NO", v.unexplained),
		zero("decisions neither applied once nor shown as already made", v.badDecisions),
		zero("decisions in a history that no organization posted", v.phantomDecisions),
		zero("follow-up answers that never got a normal reply", v.unanswered),
		zero("texts sent twice to a person (same To and Body)", v.textTwice),
		zero("texts no loop promised", v.unpromised),
		zero("texts of no known kind", v.textOther),
		zero("texts in a history that never went, without a dead letter saying why", v.textMissing),
		zero("emails or texts of no referral given", v.stray+v.strayTexts),
		zero("loops still owing a re-route or a follow-up at the end", v.owed),
		zero("dead letters other than texts given up on mid-send or no longer wanted", v.deadOther),
		zero("errors reading Redis at the end", readErr),
	}
}

// writeLoop prints the loop run's figures.
func writeLoop(b *strings.Builder, v loopVerdict, o *loopOutcome, opts options) {
	fmt.Fprintf(b, "## Referral loop\n\nHOTLINE_FOLLOWUP_AFTER %s, quiet hours off; organizations: %.0f%% decline, %.0f%% accept, the rest never answer; %.0f%% of decisions posted twice; %.0f%% of follow-ups answered NO. Waited %.1f s after the load for the loops to settle.\n\n",
		opts.followUpAfter, 100*opts.declines, 100*opts.accepts, 100*opts.twice, 100*opts.answerNo, o.wait.Seconds())
	b.WriteString("| figure | value |\n| --- | ---: |\n")
	row := func(name string, x any) { fmt.Fprintf(b, "| %s | %v |\n", name, x) }
	row("referrals (screenings that ended with an email)", v.referrals)
	row("referral emails to organizations (distinct Message-IDs)", v.orgEmails)
	row("of which re-routed (to a second organization)", v.rerouted)
	for _, addr := range slices.Sorted(maps.Keys(v.byOrg)) {
		row("emails to "+addr, v.byOrg[addr])
	}
	row("re-routes in the histories: by a decline / by the person's NO", fmt.Sprintf("%d / %d", v.byDecline, v.byNo))
	row("of which to the fallback (text only)", v.fallbacks)
	for _, a := range []string{"decline", "accept", "none"} {
		row("organizations that "+map[string]string{"decline": "declined", "accept": "accepted", "none": "never answered"}[a], v.actions[a])
	}
	for _, h := range []string{howOnce, howBehind, howAtOnce} {
		row("decisions posted "+h, v.hows[h])
	}
	row("page requests (retries included) / of them answered 5xx / of them with no answer (connection error, timeout); each retried on another process", fmt.Sprintf("%d / %d / %d", v.tries, v.failed5xx, v.failedConn))
	for _, p := range []string{postRecorded, postAlready, postOther, postGaveUp, postAborted} {
		if v.posts[p] > 0 || p == postRecorded || p == postAlready {
			row("decision POSTs answered: "+p, v.posts[p])
		}
	}
	row("decisions applied once (one \"recorded\")", v.applied)
	row("decisions applied whose \"recorded\" answer was lost (shown as already made after)", v.appliedUnseen)
	row("decisions shown as already made (the referral had moved on)", v.shown)
	row("follow-up texts in the histories", v.followUps)
	for _, k := range slices.Sorted(maps.Keys(v.answers)) {
		row("follow-up answers "+k, v.answers[k])
	}
	row("texts promised by the histories (follow-ups and re-routes)", v.promised)
	row("texts at the local Twilio (to people with a referral)", v.texts)
	for _, k := range []string{textFollowUp, textRerouted, textFallback, textOther} {
		row("texts: "+k, v.textKinds[k])
	}
	row("requests to the local Twilio", o.twilioReqs)
	row("texts recorded as sent in Redis (`sent:text:…`)", o.textsRecorded)
	row("texts given up on mid-send (dead letters: the worker was killed, or could not record the send with Redis down; may have gone, never sent again)", v.textLost)
	row("texts that reached Twilio without a sent record (of those given up on mid-send, the ones that went)", max(0, len(o.texts)-o.textsRecorded))
	row("texts dropped as no longer wanted (the referral moved on before they went)", v.textUnwanted)
	for _, s := range slices.Sorted(maps.Keys(v.final)) {
		row("loops at the end: "+s, v.final[s])
	}
	b.WriteString("\n")
	if o.err != nil {
		fmt.Fprintf(b, "Reading Redis at the end failed: %v\n\n", o.err)
	}
	writeList(b, "Loop problems", v.problems)
	writeList(b, "Loop notes (allowed)", v.notes)
}

// logLines returns the lines of the logs that hold every one of words (at most
// 5, each cut to 300 characters, named by their log), for a problem's report.
func logLines(files []string, words ...string) []string {
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
	lines:
		for _, line := range strings.Split(string(data), "\n") {
			for _, w := range words {
				if !strings.Contains(line, w) {
					continue lines
				}
			}
			out = append(out, fmt.Sprintf("%s: %.300s", filepath.Base(f), line))
			if len(out) == 5 {
				return out
			}
		}
	}
	return out
}
