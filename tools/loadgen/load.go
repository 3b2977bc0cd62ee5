package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
)

// The English screening of issue 3: to an urgent housing referral to the Tenant
// Rights Clinic. "<date>" is replaced by the day five days from today, so that the
// court date is always upcoming and urgent.
var screeningScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "<date>", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

// referralOrg must appear in the last reply of every screening.
const referralOrg = "Tenant Rights Clinic"

// window is the measured part of a phase: requests that complete in [from, to)
// are counted; none starts after to.
type window struct{ from, to time.Time }

func (w window) has(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

// person is one virtual sender: it says what to post next and judges the answer.
type person interface {
	// next returns the path and form of the next message.
	next() (path string, form url.Values)
	// check returns "" when the reply is right, else what is wrong with it; err
	// is the request's failure, if any.
	check(status int, body []byte, err error) string
}

// senderResult is what one virtual person saw in one phase.
type senderResult struct {
	latencies     []time.Duration // of the requests completed in the window
	messages      int64           // every request answered, warmup included
	errors        int
	firstError    string
	conversations int64 // screenings started
	screenings    int64 // screenings finished with the right referral
}

// runPhase runs every sender against one server until the window closes and waits
// for them all: a phase leaves no goroutine behind.
func (b *bench) runPhase(ctx context.Context, kind string, round int, profile string) (phaseResult, error) {
	start := time.Now()
	w := window{from: start.Add(b.o.warmup), to: start.Add(b.o.warmup + b.o.duration)}
	results := make([]senderResult, b.o.senders)
	var wg sync.WaitGroup
	for i := range results {
		p := b.newPerson(kind, i, &results[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.send(ctx, b.server(kind).url, kind, p, w, &results[i])
		}()
	}
	use, profileErr := b.watchWindow(ctx, w, b.server(kind).rdb, profile)
	wg.Wait()
	if ctx.Err() != nil {
		return phaseResult{}, fmt.Errorf("%s phase of round %d: %w", kind, round, context.Cause(ctx))
	}
	p := mergeResults(kind, round, b.o.duration, results)
	p.use = use
	return p, profileErr
}

// server is the server a phase loads.
func (b *bench) server(kind string) *server {
	if kind == "bare" {
		return b.bare
	}
	return b.hotline
}

// windowUse is the CPU time spent in the measured window, and the waits for a
// Redis connection.
type windowUse struct {
	// process is this process: the load generator and the server under test.
	process time.Duration
	// redis is redis-server's, from INFO cpu (0 if it could not be read).
	redis time.Duration
	// poolWaits and poolWait are how often and how long the server under test
	// waited for a free connection of its go-redis pool.
	poolWaits int64
	poolWait  time.Duration
}

// watchWindow waits through the window, measuring the CPU time used in it and the
// server's waits for a Redis connection and, if profile names a file, writing a
// CPU profile of it there.
func (b *bench) watchWindow(ctx context.Context, w window, rdb redis.UniversalClient, profile string) (windowUse, error) {
	if !sleepUntil(ctx, w.from) {
		return windowUse{}, nil
	}
	var stop func() error
	if profile != "" {
		var err error
		if stop, err = startProfile(profile); err != nil {
			return windowUse{}, err
		}
	}
	self, redisCPU, pool := processCPU(), b.redisCPU(ctx), rdb.PoolStats()
	sleepUntil(ctx, w.to)
	poolAfter := rdb.PoolStats()
	use := windowUse{
		process: processCPU() - self, redis: b.redisCPU(ctx) - redisCPU,
		poolWaits: int64(poolAfter.WaitCount - pool.WaitCount),
		poolWait:  time.Duration(poolAfter.WaitDurationNs - pool.WaitDurationNs),
	}
	if stop != nil {
		return use, stop()
	}
	return use, nil
}

// redisCPU is the CPU time redis-server has used so far (0 if unknown).
func (b *bench) redisCPU(ctx context.Context) time.Duration {
	s, err := readCPU(ctx, b.admin)
	if err != nil {
		return 0
	}
	return s
}

func (b *bench) newPerson(kind string, i int, r *senderResult) person {
	if kind == "bare" {
		return &bareSender{b: b, from: fmt.Sprintf("+1773%07d", 2000000+i)}
	}
	return &screener{b: b, result: r}
}

// send posts one message after another to the server at base until the window
// closes or ctx ends.
func (b *bench) send(ctx context.Context, base, kind string, p person, w window, r *senderResult) {
	for ctx.Err() == nil && time.Now().Before(w.to) {
		path, form := p.next()
		start := time.Now()
		status, body, err := b.post(ctx, base, path, form)
		end := time.Now()
		if err == nil {
			r.messages++
		}
		if problem := p.check(status, body, err); problem != "" {
			r.errors++
			if r.firstError == "" {
				r.firstError = fmt.Sprintf("%s %q: %s", kind, form.Get("Body"), problem)
			}
		}
		if w.has(end) {
			r.latencies = append(r.latencies, end.Sub(start))
		}
	}
}

// post sends a form signed as Twilio signs it, over the public URL. The bare
// server ignores the signature, but computing it keeps the client's work equal.
func (b *bench) post(ctx context.Context, base, path string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature(authToken, publicURL+path, form))
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// twilioForm is an inbound SMS as Twilio sends it, with a fresh MessageSid.
func (b *bench) twilioForm(from, text string) url.Values {
	return twilioform.InboundSMS(accountSid, from, hotlineNo, text, b.newSid())
}

// newSid returns a fresh MessageSid: "SM" and 32 hex digits, unique in the run.
func (b *bench) newSid() string {
	return fmt.Sprintf("SM%s%016x", b.sidSalt, b.sids.Add(1))
}

// screener runs the English screening again and again, each time as a new sender,
// so that conversations accumulate in Redis as they would in production.
type screener struct {
	b      *bench
	result *senderResult
	step   int
	from   string
}

func (s *screener) next() (string, url.Values) {
	if s.step == 0 {
		s.from = s.b.newNumber()
		s.result.conversations++
	}
	return messagePath, s.b.twilioForm(s.from, s.b.script[s.step])
}

func (s *screener) check(status int, body []byte, err error) string {
	problem := checkTwiML(status, body, err)
	last := s.step == len(s.b.script)-1
	if problem == "" && last {
		problem = checkReferral(body)
	}
	s.step++
	if problem != "" || last {
		// Start again as someone new: after a failure, this conversation is off script.
		s.step = 0
	}
	if problem == "" && last {
		s.result.screenings++
	}
	return problem
}

// checkTwiML accepts a 200 with TwiML that is not the technical-problem apology
// (the webhook answers a failed message with 200 and that apology, so the status
// alone would hide Redis errors).
func checkTwiML(status int, body []byte, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case status != http.StatusOK:
		return fmt.Sprintf("status %d: %.200s", status, body)
	case !strings.Contains(string(body), "<Response"):
		return fmt.Sprintf("not TwiML: %.200s", body)
	case strings.Contains(string(body), "technical problem"):
		return "the technical-problem apology"
	}
	return ""
}

// checkReferral reads the last reply of a screening as TwiML and wants the
// referral in it.
func checkReferral(body []byte) string {
	var resp struct {
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &resp); err != nil {
		return fmt.Sprintf("not TwiML (%v): %.200s", err, body)
	}
	if !strings.Contains(strings.Join(resp.Messages, "\n"), referralOrg) {
		return fmt.Sprintf("the screening ended without %q: %.300s", referralOrg, strings.Join(resp.Messages, " | "))
	}
	return ""
}

// bareSender posts forms of the screening's sizes from one number, forever.
type bareSender struct {
	b    *bench
	from string
	step int
}

func (s *bareSender) next() (string, url.Values) {
	text := s.b.script[s.step]
	s.step = (s.step + 1) % len(s.b.script)
	return barePath, s.b.twilioForm(s.from, text)
}

func (s *bareSender) check(status int, body []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	if status != http.StatusOK || string(body) != string(bareReply) {
		return fmt.Sprintf("status %d: %.200s", status, body)
	}
	return ""
}

// newNumber returns a sender number not used before in this run: +1312 and an
// exchange from 200 up, as valid US numbers have.
func (b *bench) newNumber() string {
	return senderNumber(b.numbers.Add(1))
}

// senderNumber is the number of the n-th screening of the run (n from 1).
func senderNumber(n int64) string {
	return fmt.Sprintf("+1312%07d", 2000000+n%8000000)
}

// phaseResult is one phase of one round.
type phaseResult struct {
	kind          string
	round         int
	seconds       float64
	latencies     []time.Duration // sorted
	messages      int64
	errors        int
	firstErrors   []string
	conversations int64
	screenings    int64
	use           windowUse
}

func mergeResults(kind string, round int, d time.Duration, results []senderResult) phaseResult {
	p := phaseResult{kind: kind, round: round, seconds: d.Seconds()}
	for _, r := range results {
		p.latencies = append(p.latencies, r.latencies...)
		p.messages += r.messages
		p.errors += r.errors
		p.conversations += r.conversations
		p.screenings += r.screenings
		if r.firstError != "" && len(p.firstErrors) < 5 {
			p.firstErrors = append(p.firstErrors, r.firstError)
		}
	}
	sort.Slice(p.latencies, func(i, j int) bool { return p.latencies[i] < p.latencies[j] })
	return p
}

// combine merges the rounds of one phase into one result.
func combine(kind string, rounds []phaseResult) phaseResult {
	all := phaseResult{kind: kind}
	for _, r := range rounds {
		all.seconds += r.seconds
		all.latencies = append(all.latencies, r.latencies...)
		all.messages += r.messages
		all.errors += r.errors
		all.conversations += r.conversations
		all.screenings += r.screenings
		all.firstErrors = append(all.firstErrors, r.firstErrors...)
		all.use.process += r.use.process
		all.use.redis += r.use.redis
		all.use.poolWaits += r.use.poolWaits
		all.use.poolWait += r.use.poolWait
	}
	sort.Slice(all.latencies, func(i, j int) bool { return all.latencies[i] < all.latencies[j] })
	return all
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// startProfile starts a CPU profile written to path; stop ends it. The load
// generator runs in the same process, so the profile holds its work too: look at
// the server's frames (webhook, bot, flows, redis, echo).
func startProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// newSalt returns 16 random hex digits that make this run's ids its own.
func newSalt() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
