package bot

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrCircuitOpen means a message was not sent to the store at all: it has not
// answered lately (see breaker). Nothing of the message was saved.
var ErrCircuitOpen = errors.New("bot: the store has not answered lately; message not applied")

// The circuit breaker's settings.
const (
	// breakerAfter is how many messages in a row must find the store
	// unreachable before the circuit opens: one lost connection or one slow
	// answer is not an outage.
	breakerAfter = 3
	// BreakerCoolOff is how long the circuit stays open before one message is let
	// through to try the store again. Short, because every message meanwhile
	// gets the apology; long enough that an outage costs a few messages' wait,
	// not every message's.
	BreakerCoolOff = time.Second
	// probeFor is the longest a message let through to try the store may take
	// (messageWithin); past it, the next message tries instead, in case the first
	// never reached the store (it waited for its conversation's turn, say).
	probeFor = messageWithin
)

// breaker is a circuit breaker in front of the store. While the store answers,
// it is closed and lets every message through. After breakerAfter messages in a
// row got no answer (Redis down, or stalled), it opens: for BreakerCoolOff every
// message is refused with ErrCircuitOpen at once, and gets the apology without
// waiting on the store. Then one message (the probe) is let through while the
// others are still refused; any answer from the store closes the circuit, no
// answer opens it again. It logs and reports each opening and closing, with no
// personal data.
type breaker struct {
	log     *slog.Logger
	observe Observer

	mu         sync.Mutex
	failures   int       // messages in a row the store did not answer
	openedAt   time.Time // zero while closed
	openUntil  time.Time // when the next probe may go
	probeUntil time.Time // while a probe is under way
}

// refusing reports whether the circuit is open at now and no probe is due:
// admit would refuse. Unlike admit, it never makes the caller the probe.
func (b *breaker) refusing(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openedAt.IsZero() && now.Before(b.openUntil)
}

// admit reports whether a message may go to the store at now.
func (b *breaker) admit(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openedAt.IsZero() {
		return true
	}
	if now.Before(b.openUntil) || now.Before(b.probeUntil) {
		return false
	}
	b.probeUntil = now.Add(probeFor)
	return true
}

// record notes whether the store answered a message's command at now.
func (b *breaker) record(now time.Time, answered bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if answered {
		b.failures = 0
		if !b.openedAt.IsZero() {
			b.log.Info("store circuit closed: the store answers again; messages go to it", "open_for", now.Sub(b.openedAt).Round(time.Millisecond))
			b.observe.Circuit(false)
			b.openedAt, b.openUntil, b.probeUntil = time.Time{}, time.Time{}, time.Time{}
		}
		return
	}
	b.failures++
	switch {
	case b.openedAt.IsZero() && b.failures >= breakerAfter:
		b.log.Error("store circuit opened: the store did not answer; messages get the apology at once until it does",
			"failures_in_a_row", b.failures, "cool_off", BreakerCoolOff)
		b.observe.Circuit(true)
		b.openedAt = now
		b.openUntil, b.probeUntil = now.Add(BreakerCoolOff), time.Time{}
	case !b.openedAt.IsZero() && !now.Before(b.openUntil):
		// The probe (or a message let through before the circuit opened, which
		// tells the same) got no answer: wait again.
		b.openUntil, b.probeUntil = now.Add(BreakerCoolOff), time.Time{}
	}
}
