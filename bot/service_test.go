package bot_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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
	other := bot.New(bot.Options{
		Store: r.store, Pack: r.packFn, Now: r.clock.Now, Random: rand.Reader, Log: r.log, Observer: r.counts,
		Retention: 7 * 24 * time.Hour,
	})
	services := []*bot.Service{r.service, other}
	conv := bot.Conversation{Channel: "sms", From: "+13125550143", To: "+13125550100"}
	var last bot.Reply
	for i, text := range english {
		m := bot.Message{Conversation: conv, ID: fmt.Sprintf("SM%d", i), Text: text}
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

// TestConversationKey: the keys conversations are stored under never change
// between releases (values from the first release's formula); no phone number
// shows in them.
func TestConversationKey(t *testing.T) {
	for _, c := range []struct {
		conv bot.Conversation
		want string
	}{
		{bot.Conversation{Channel: "sms", From: "+13125550100", To: "+13125550199"}, "acadlu2bmsjff5lgt2tgh7yv"},
		{bot.Conversation{Channel: "whatsapp", From: "+5215512345678", To: "+13125550199"}, "ehxe52zpmrbvq7ia53plubap"},
		{bot.Conversation{Channel: "web", From: "s-0123456789abcdef"}, "oxppaxcjovlqgz4jtvyeaj6m"},
	} {
		if got := c.conv.Key(); got != c.want {
			t.Errorf("%+v.Key() = %q, want %q", c.conv, got, c.want)
		}
	}
	long := bot.Conversation{Channel: "sms", From: strings.Repeat("9", 200), To: "+13125550199"}
	if k := long.Key(); len(k) != 24 || k == (bot.Conversation{Channel: "sms", From: strings.Repeat("9", 199), To: "+13125550199"}).Key() {
		t.Errorf("a long sender's key %q", k)
	}
}

// TestRecipientJSON: the direct encoding of a reminder's recipient is byte for
// byte encoding/json's, plain or not, and reads back.
func TestRecipientJSON(t *testing.T) {
	type plain bot.Recipient // encoding/json's own encoding, without MarshalJSON
	for _, r := range []bot.Recipient{
		{Channel: "sms", From: "+13125550100", To: "+13125550199"},
		{Channel: "whatsapp", From: "+5215512345678", To: ""},
		{Channel: "sms", From: `+1"312\555<0100>&`, To: "é\u2028\x01"},
		{},
	} {
		got, err := r.MarshalJSON()
		want, _ := json.Marshal(plain(r))
		if err != nil || string(got) != string(want) {
			t.Errorf("%+v: %s, %v; want %s", r, got, err, want)
		}
		var back bot.Recipient
		if err := json.Unmarshal(got, &back); err != nil || back != r {
			t.Errorf("%s reads back as %+v, %v", got, back, err)
		}
	}
}
