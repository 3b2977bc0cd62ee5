package bot

import (
	"context"
	"sync"
)

// turns lets the messages of one conversation that reach this process at once
// be applied one after the other, in the order they came, instead of racing:
// each commit is conditional on the version its message was stepped from, so of
// n racing messages one commits and n-1 step again, n² attempts in all, and a
// burst of 50 texts from one person used to run out of attempts and get
// apologies. Waiting for the turn costs a message the time of the commits before
// it (well under a millisecond each), and it never waits past ctx's deadline
// (the request's bound).
// Messages of one conversation on two processes still race; the conflict loop
// in Service.apply backs off for those.
//
// A map of the conversations with messages in flight, rather than a fixed set
// of stripes: a stripe shared by two busy conversations would make one wait
// for the other, and the map holds only what is in flight.
type turns struct {
	mu sync.Mutex
	m  map[string]*turn
	// free keeps turns no message uses any more, so that a message need not
	// allocate one and its channel (two of the few allocations of a message).
	free sync.Pool
}

// turn is one conversation's turn.
type turn struct {
	// slot holds a token while a message has the turn. A channel, not a mutex,
	// so that the wait can end at the message's deadline; blocked senders are
	// served in the order they came.
	slot chan struct{}
	// users counts the messages holding or waiting for the turn; the last one
	// out removes the turn from the map.
	users int
}

func newTurns() *turns { return &turns{m: map[string]*turn{}} }

// wait returns when the conversation's turn is the caller's, who must then call
// done; or with ctx's error when ctx ends first.
func (t *turns) wait(ctx context.Context, key string) (*turn, error) {
	t.mu.Lock()
	tn := t.m[key]
	if tn == nil {
		tn, _ = t.free.Get().(*turn)
		if tn == nil {
			tn = &turn{slot: make(chan struct{}, 1)}
		}
		t.m[key] = tn
	}
	tn.users++
	t.mu.Unlock()
	select {
	case tn.slot <- struct{}{}:
		return tn, nil
	case <-ctx.Done():
		t.leave(key, tn)
		return nil, context.Cause(ctx)
	}
}

// done gives the turn to the next message.
func (t *turns) done(key string, tn *turn) {
	<-tn.slot
	t.leave(key, tn)
}

// leave forgets a message that held or waited for the turn.
func (t *turns) leave(key string, tn *turn) {
	t.mu.Lock()
	tn.users--
	unused := tn.users == 0
	if unused {
		delete(t.m, key)
	}
	t.mu.Unlock()
	if unused {
		// No message holds it or waits for it: it is out of the map, and its
		// slot is empty (the last holder emptied it before leaving).
		t.free.Put(tn)
	}
}
