package bot_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
)

// TestProcessesTakeTurns: the messages of one conversation land on two processes
// in turn (two Services on one store, each with its own cache, as behind a load
// balancer). Each process guesses wrong about a conversation it has not seen or
// that the other moved on; the commit catches that, and the screening reaches its
// referral as it does on one process. A redelivery to the other process gets the
// first reply and changes nothing.
func TestProcessesTakeTurns(t *testing.T) {
	r := newRig(t, 0)
	other := must(bot.New(bot.Options{
		Store: r.store, Keys: testKeys, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log, Observer: r.counts,
		Retention: 7 * 24 * time.Hour, EmailFrom: testFrom, EmailDomain: "example.org",
	}))
	services := []*bot.Service{r.service, other}
	conv := hotline.Conversation{Channel: "sms", From: "+13125550143", To: "+13125550100"}
	var last bot.Reply
	for i, text := range english {
		m := hotline.Message{Conversation: conv, ID: fmt.Sprintf("SM%d", i), Text: text}
		reply, err := services[i%2].Handle(context.Background(), m)
		if err != nil {
			t.Fatalf("message %d (%q): %v", i, text, err)
		}
		again, err := services[(i+1)%2].Handle(context.Background(), m)
		if err != nil || !again.Duplicate || strings.Join(again.Messages, "|") != strings.Join(reply.Messages, "|") {
			t.Fatalf("message %d redelivered to the other process: %+v, %v; want the duplicate of %q", i, again, err, reply.Messages)
		}
		last = reply
		r.clock.Advance(time.Minute)
	}
	if !strings.Contains(strings.Join(last.Messages, " "), "(312) 555-0111") {
		t.Errorf("the screening across two processes ended with %q; want the referral to (312) 555-0111", last.Messages)
	}
	if kinds := r.counts.errorKinds(); kinds != "" {
		t.Errorf("errors: %s", kinds)
	}
}

// TestProcessesRaceOneSender: 50 messages of one person at the same moment,
// spread over two processes (two Services on one Redis, as behind a load
// balancer). Within a process they take turns; across the two they conflict,
// and back off until each is applied: none fails, each is applied once.
func TestProcessesRaceOneSender(t *testing.T) {
	r := newRig(t, 0)
	other := must(bot.New(bot.Options{
		Store: r.store, Keys: testKeys, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log, Observer: r.counts,
		Retention: 7 * 24 * time.Hour, EmailFrom: testFrom, EmailDomain: "example.org",
	}))
	services := []*bot.Service{r.service, other}
	conv := hotline.Conversation{Channel: "sms", From: "+13125550144", To: "+13125550100"}
	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := services[i%2].Handle(context.Background(), hotline.Message{Conversation: conv, ID: fmt.Sprintf("SM%d", i), Text: "hi"})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a message of the burst: %v", err)
		}
	}
	for i := range n {
		if snap, err := r.store.Load(context.Background(), testKeys.Of(conv), fmt.Sprintf("SM%d", i)); err != nil || !snap.Duplicate {
			t.Errorf("message %d: applied=%v (%v); want applied", i, snap.Duplicate, err)
		}
	}
}
