package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
)

// What the senders pretend to be: Twilio calling the hotline's public URL.
const (
	publicURL   = "https://hotline.example.org"
	messagePath = "/twilio/messages"
	hotlineNo   = "+13125550100"
	accountSid  = "AC0123456789abcdef0123456789abcdef"
	// clientTimeout is how long Twilio waits for a webhook; a request that takes
	// longer is a failure.
	clientTimeout = 15 * time.Second
	// maxSenders: numbers +1312555 2000 to 9999, valid US numbers clear of the
	// hotline's own 555-01XX.
	maxSenders = 8000
)

// outcome is how one HTTP request ended, as the sender saw it.
type outcome int

const (
	replied    outcome = iota // 200 with a normal TwiML reply
	apologised                // 200 with the technical-problem apology: not applied
	serverErr                 // a 5xx
	badReply                  // another status, or a body that is not TwiML
	connFailed                // no answer: connection refused or reset
	timedOut                  // no answer within clientTimeout
	aborted                   // the harness itself was stopping
)

var outcomeNames = [...]string{"replied", "apology", "5xx", "bad reply", "connection error", "timeout", "aborted"}

func (o outcome) String() string { return outcomeNames[o] }

// kind is why a request was sent.
type kind int

const (
	first     kind = iota // a person's message, first delivery
	resend                // the same text again with a new MessageSid, after the apology
	retried               // the same MessageSid again after a connection error, on another process
	dupBehind             // a duplicate, right after the first delivery was answered
	dupAtOnce             // a duplicate, at the same moment as the first delivery
)

var kindNames = [...]string{"first delivery", "resend with a new MessageSid after the apology (or any failure)", "retry after a connection error (same MessageSid)", "duplicate, back to back", "duplicate, at the same moment"}

func (k kind) String() string { return kindNames[k] }

// request is one HTTP request as the sender saw it.
type request struct {
	start, end time.Time
	proc       int
	kind       kind
	outcome    outcome
	status     int
}

// answer is what a delivery of a message got.
type answer struct {
	outcome outcome
	status  int
	replies []string
	detail  string // the error or the start of the body, for the report
}

func (a answer) text() string { return strings.Join(a.replies, "\n") }

// senderResult is everything one sender saw.
type senderResult struct {
	index    int
	phone    string
	scenario *scenario
	// reached: the last reply had every text the scenario expects; ref is the
	// referral reference in it, when the scenario sends an email.
	reached bool
	ref     string
	// refAt is when the reply with the reference came: the email's clock starts.
	refAt time.Time
	// problem is the first thing that went wrong (off script, gave up), "" if none.
	problem  string
	offBeat  bool // a reply before the last lacked what the transcript expects
	requests []request
	// pairs of duplicate deliveries both answered normally, and how many of them
	// got different replies (with the first such difference).
	pairs, mismatches int
	mismatch          string
}

// load sends the senders' screenings to the hotline processes.
type load struct {
	o         options
	client    *http.Client
	bases     []string // http://127.0.0.1:port of each process
	token     string
	scenarios []scenario
	salt      string
	sids      atomic.Uint64
	// onRef, when set, is told of each sender whose screening ended in a
	// referral with an email, as soon as it did (the --loop run's actors start
	// then); it must not block.
	onRef func(*sender)
}

func newLoad(o options, bases []string, token string) *load {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        4 * o.concurrency,
		MaxIdleConnsPerHost: 2 * o.concurrency,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	var salt [8]byte
	_, _ = rand.Read(salt[:])
	return &load{
		o: o, client: &http.Client{Transport: transport, Timeout: clientTimeout}, bases: bases, token: token,
		scenarios: scenarios(chicagoToday()), salt: hex.EncodeToString(salt[:]),
	}
}

// run runs every sender, --concurrency at a time, and returns what each saw (nil
// for a sender that never started because ctx ended).
func (l *load) run(ctx context.Context) []*senderResult {
	results := make([]*senderResult, l.o.senders)
	next := make(chan int)
	var wg sync.WaitGroup
	for range l.o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = l.newSender(i).run(ctx)
			}
		}()
	}
feed:
	for i := range results {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	l.client.CloseIdleConnections()
	return results
}

// sender is one person: a number, a scenario and a seeded random source for its
// pauses, the processes it reaches and which of its messages are duplicated.
type sender struct {
	l   *load
	res *senderResult
	mu  sync.Mutex // guards rng and res.requests: a duplicate at once is two goroutines
	rng *mathrand.Rand
}

func (l *load) newSender(i int) *sender {
	return &sender{
		l: l,
		res: &senderResult{
			index: i, phone: fmt.Sprintf("+1312555%04d", 2000+i), scenario: &l.scenarios[i%len(l.scenarios)],
		},
		rng: mathrand.New(mathrand.NewPCG(l.o.seed, uint64(i))),
	}
}

// run sends the scenario's messages in order, each after a pause, and judges the
// replies.
func (s *sender) run(ctx context.Context) *senderResult {
	r := s.res
	turns := r.scenario.turns
	var last string
	var lastAt time.Time
	for i, turn := range turns {
		if !sleepCtx(ctx, s.think()) {
			r.problem = "stopped before the end: " + context.Cause(ctx).Error()
			return r
		}
		a, ok := s.say(ctx, turn.send)
		if !ok {
			r.problem = fmt.Sprintf("message %d %q never got a normal reply; last: %s %s", i+1, turn.send, a.outcome, a.detail)
			return r
		}
		last, lastAt = a.text(), time.Now()
		if lack := missing(last, turn.expect); len(lack) > 0 && i < len(turns)-1 && !r.offBeat {
			r.offBeat = true
			r.problem = fmt.Sprintf("message %d %q: the reply lacks %q: %.300q", i+1, turn.send, lack, last)
		}
	}
	if lack := missing(last, turns[len(turns)-1].expect); len(lack) > 0 {
		if r.problem == "" {
			r.problem = fmt.Sprintf("the last reply lacks %q: %.400q", lack, last)
		}
		return r
	}
	if r.scenario.email != "" {
		if r.ref, r.refAt = refPattern.FindString(last), lastAt; r.ref == "" {
			r.problem = fmt.Sprintf("no reference in the last reply: %.400q", last)
			return r
		}
	}
	r.reached = true
	if r.ref != "" && s.l.onRef != nil {
		s.l.onRef(s)
	}
	return r
}

// think is the pause before a message.
func (s *sender) think() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	span := s.l.o.thinkMax - s.l.o.thinkMin
	if span <= 0 {
		return s.l.o.thinkMin
	}
	return s.l.o.thinkMin + time.Duration(s.rng.Int64N(int64(span)))
}

// pick returns a random process other than not (-1 for any).
func (s *sender) pick(not int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.l.bases)
	if not < 0 || n == 1 {
		return s.rng.IntN(n)
	}
	p := s.rng.IntN(n - 1)
	if p >= not {
		p++
	}
	return p
}

// duplicateKind decides whether a message is delivered twice, and how.
func (s *sender) duplicateKind() (kind, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.rng.Float64()
	switch {
	case x < s.l.o.duplicates/2:
		return dupBehind, true
	case x < s.l.o.duplicates:
		return dupAtOnce, true
	}
	return first, false
}

// say gets one text applied, as a person would: a reply that is the apology (or
// any failure) means the text was not taken, so it is sent again a second later
// with a new MessageSid, until a normal reply or --give-up.
func (s *sender) say(ctx context.Context, text string) (answer, bool) {
	deadline := time.Now().Add(s.l.o.giveUp)
	k := first
	for {
		a := s.deliver(ctx, s.l.newSid(), text, k)
		if a.outcome == replied {
			return a, true
		}
		if ctx.Err() != nil || time.Now().After(deadline) || !sleepCtx(ctx, time.Second) {
			return a, false
		}
		k = resend
	}
}

// deliver sends one MessageSid, and for a share of first deliveries a duplicate of
// it, back to back or at the same moment. The message counts as applied if either
// delivery got a normal reply; when both did, the replies must be the same.
func (s *sender) deliver(ctx context.Context, sid, text string, k kind) answer {
	dup, twice := first, false
	if k == first {
		dup, twice = s.duplicateKind()
	}
	if !twice {
		return s.post(ctx, sid, text, k)
	}
	var a, b answer
	if dup == dupBehind {
		a = s.post(ctx, sid, text, k)
		b = s.post(ctx, sid, text, dup)
	} else {
		// Both wait for one signal, so that they leave as close together as two
		// goroutines can.
		var wg sync.WaitGroup
		go1 := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-go1; a = s.post(ctx, sid, text, k) }()
		go func() { defer wg.Done(); <-go1; b = s.post(ctx, sid, text, dup) }()
		close(go1)
		wg.Wait()
	}
	s.compare(a, b, dup, text)
	if a.outcome != replied && b.outcome == replied {
		return b
	}
	return a
}

// compare records whether two normally answered deliveries of one MessageSid got
// the same replies, as exactly-once handling promises.
func (s *sender) compare(a, b answer, dup kind, text string) {
	if a.outcome != replied || b.outcome != replied {
		return
	}
	s.res.pairs++
	if !slices.Equal(a.replies, b.replies) {
		s.res.mismatches++
		if s.res.mismatch == "" {
			s.res.mismatch = fmt.Sprintf("%s of %q: first %.200q, duplicate %.200q", dup, text, a.text(), b.text())
		}
	}
}

// post delivers one MessageSid as Twilio does: to a random process, and after a
// connection error (or a timeout) again with the same MessageSid to another
// process, 200 ms later. Every attempt is recorded.
func (s *sender) post(ctx context.Context, sid, text string, k kind) answer {
	const attempts = 20
	proc := -1
	var a answer
	for i := range attempts {
		proc = s.pick(proc)
		if i > 0 {
			k = retried
		}
		var req request
		a, req = s.postOnce(ctx, proc, sid, text, k)
		s.record(req)
		if a.outcome != connFailed && a.outcome != timedOut {
			return a
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			break
		}
	}
	return a
}

func (s *sender) record(r request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.requests = append(s.res.requests, r)
}

// postOnce sends one signed request and classifies what came back.
func (s *sender) postOnce(ctx context.Context, proc int, sid, text string, k kind) (answer, request) {
	form := twilioForm(s.res.phone, text, sid)
	start := time.Now()
	status, body, err := s.l.send(ctx, proc, form)
	end := time.Now()
	a := classify(ctx, status, body, err)
	return a, request{start: start, end: end, proc: proc, kind: k, outcome: a.outcome, status: status}
}

// send posts a form, signed as Twilio signs it over the public URL, to a process.
func (l *load) send(ctx context.Context, proc int, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.bases[proc]+messagePath, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilioform.Signature(l.token, publicURL+messagePath, form))
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// classify turns a response (or its absence) into an answer.
func classify(ctx context.Context, status int, body []byte, err error) answer {
	var ne net.Error
	switch {
	case err != nil && ctx.Err() != nil:
		return answer{outcome: aborted, detail: err.Error()}
	case err != nil && errors.As(err, &ne) && ne.Timeout():
		return answer{outcome: timedOut, status: status, detail: err.Error()}
	case err != nil:
		return answer{outcome: connFailed, status: status, detail: err.Error()}
	case status >= 500:
		return answer{outcome: serverErr, status: status, detail: fmt.Sprintf("status %d: %.200s", status, body)}
	case status != http.StatusOK:
		return answer{outcome: badReply, status: status, detail: fmt.Sprintf("status %d: %.200s", status, body)}
	}
	var twiml struct {
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &twiml); err != nil {
		return answer{outcome: badReply, status: status, detail: fmt.Sprintf("not TwiML (%v): %.200s", err, body)}
	}
	a := answer{outcome: replied, status: status, replies: twiml.Messages}
	if isApology(a.text()) {
		a.outcome, a.detail = apologised, a.text()
	}
	return a
}

// twilioForm is an inbound SMS as Twilio sends it.
func twilioForm(from, text, sid string) url.Values {
	return twilioform.InboundSMS(accountSid, from, hotlineNo, text, sid)
}

// newSid returns a fresh MessageSid: "SM" and 32 hex digits, unique in the run.
func (l *load) newSid() string {
	return fmt.Sprintf("SM%s%016x", l.salt, l.sids.Add(1))
}
