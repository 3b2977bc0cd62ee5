package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// circuitLog records the breaker's reports.
type circuitLog struct{ changes []bool }

func (*circuitLog) MessageIn(string)        {}
func (*circuitLog) MessagesOut(string, int) {}
func (*circuitLog) Duplicate(string)        {}
func (*circuitLog) Step(time.Duration)      {}
func (*circuitLog) OptOut(string)           {}
func (*circuitLog) Referral(string)         {}
func (*circuitLog) Error(string)            {}
func (*circuitLog) NeedsPerson(string)      {}
func (c *circuitLog) Circuit(open bool)     { c.changes = append(c.changes, open) }

// TestBreaker walks the circuit breaker through an outage: closed until
// breakerAfter messages in a row get no answer; open, refusing at once, for the
// cool-off; then one probe at a time, which opens it again when it gets no
// answer and closes it when it does. A probe that never reports frees its place
// after probeFor. Openings and closings are reported and logged once each.
func TestBreaker(t *testing.T) {
	var logs bytes.Buffer
	observed := &circuitLog{}
	b := &breaker{log: slog.New(slog.NewTextHandler(&logs, nil)), observe: observed}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	step := func(d time.Duration) { now = now.Add(d) }

	for i := 0; i < breakerAfter-1; i++ {
		b.record(now, false)
	}
	b.record(now, true) // an answer in between: not "in a row"
	for i := 0; i < breakerAfter-1; i++ {
		if !b.admit(now) {
			t.Fatalf("refused after %d failures in a row; want it closed until %d", i, breakerAfter)
		}
		b.record(now, false)
	}
	if !b.admit(now) {
		t.Fatal("closed circuit refused a message")
	}
	b.record(now, false)
	if b.admit(now) || b.admit(now.Add(BreakerCoolOff-time.Millisecond)) {
		t.Fatalf("after %d failures in a row the circuit let a message through within the cool-off", breakerAfter)
	}
	// A message let through before the opening reports late: nothing changes.
	b.record(now, false)
	step(BreakerCoolOff)
	if !b.admit(now) {
		t.Fatal("no probe after the cool-off")
	}
	if b.admit(now) {
		t.Fatal("a second message went through while the probe is under way")
	}
	b.record(now, false) // the probe got no answer: open again
	if b.admit(now.Add(BreakerCoolOff - time.Millisecond)) {
		t.Fatal("a failed probe did not open the circuit again for a cool-off")
	}
	step(BreakerCoolOff)
	if !b.admit(now) {
		t.Fatal("no second probe")
	}
	// This probe never reports (it waited for its conversation's turn, say).
	step(probeFor)
	if !b.admit(now) {
		t.Fatal("a probe that never reported kept the circuit shut")
	}
	b.record(now, true)
	for i := range 5 {
		if !b.admit(now) {
			t.Fatalf("message %d refused after the store answered again", i)
		}
	}
	if got := observed.changes; len(got) != 2 || !got[0] || got[1] {
		t.Errorf("reported %v; want one opening, then one closing", got)
	}
	if n := strings.Count(logs.String(), "store circuit opened"); n != 1 {
		t.Errorf("%d openings logged; want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "store circuit closed") {
		t.Errorf("the closing is not logged:\n%s", logs.String())
	}
}

// TestTurns: messages of one conversation hold the turn one at a time; another
// conversation does not wait for them; a message whose deadline comes while it
// waits gives up with its context's error; nothing is left behind.
func TestTurns(t *testing.T) {
	tu := newTurns()
	ctx := context.Background()
	var mu sync.Mutex
	holding, most := 0, 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tn, err := tu.wait(ctx, "a")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			holding++
			most = max(most, holding)
			mu.Unlock()
			time.Sleep(100 * time.Microsecond)
			mu.Lock()
			holding--
			mu.Unlock()
			tu.done("a", tn)
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d messages of one conversation held the turn at once; want 1", most)
	}

	held, err := tu.wait(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := tu.wait(ctx, "b")
	if err != nil {
		t.Fatalf("another conversation waited: %v", err)
	}
	tu.done("b", other)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := tu.wait(short, "a"); err != context.DeadlineExceeded {
		t.Errorf("waiting past the deadline: %v; want context.DeadlineExceeded", err)
	}
	tu.done("a", held)
	if n := len(tu.m); n != 0 {
		t.Errorf("%d turns left in the map; want none", n)
	}
}
