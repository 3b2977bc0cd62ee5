package twilioapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

const (
	hotline = "+13125550100"
	person  = "+13125550150"
)

// TestTaken: a message sent through the real client is taken and recorded as
// posted, with the SID answered.
func TestTaken(t *testing.T) {
	srv := twilioapi.New(t)
	sid, err := srv.Texter().Send(context.Background(), "whatsapp:"+hotline, "whatsapp:"+person, "¿Sigue ahí? 👍", "https://hotline.example.org/status")
	if err != nil {
		t.Fatalf("Send = %v", err)
	}
	got := srv.WaitFor(1, time.Second)
	if len(got) != 1 {
		t.Fatalf("took %d messages, want 1", len(got))
	}
	m := got[0]
	if m.SID != sid || m.From != "whatsapp:"+hotline || m.To != "whatsapp:"+person || m.Body != "¿Sigue ahí? 👍" ||
		m.StatusCallback != "https://hotline.example.org/status" {
		t.Errorf("took %+v; Send said %s", m, sid)
	}
}

// TestAnswers: Fail, Always and Accept, and HangAfterTaking, which takes the
// message though the client never learns it.
func TestAnswers(t *testing.T) {
	srv := twilioapi.New(t)
	tw := srv.Texter()
	ctx := context.Background()
	code := func(err error) int {
		var rest *client.TwilioRestError
		if errors.As(err, &rest) {
			return rest.Code
		}
		return 0
	}
	srv.Fail(1, 500, 20500)
	if _, err := tw.Send(ctx, hotline, person, "one", ""); code(err) != 20500 {
		t.Errorf("after Fail(1, 500, 20500): %v", err)
	}
	if _, err := tw.Send(ctx, hotline, person, "two", ""); err != nil {
		t.Errorf("the request after the failure: %v", err)
	}
	srv.Fail(twilioapi.Always, 400, 21610)
	for range 3 {
		if _, err := tw.Send(ctx, hotline, person, "refused", ""); code(err) != 21610 {
			t.Errorf("with Fail(Always, 400, 21610): %v", err)
		}
	}
	srv.Accept()
	if _, err := tw.Send(ctx, hotline, person, "three", ""); err != nil {
		t.Errorf("after Accept: %v", err)
	}
	srv.HangAfterTaking(1)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := tw.Send(short, hotline, person, "lost answer", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("HangAfterTaking: %v; want the caller's deadline", err)
	}
	var bodies []string
	for _, m := range srv.Messages() {
		bodies = append(bodies, m.Body)
	}
	if want := []string{"two", "three", "lost answer"}; len(bodies) != 3 || bodies[0] != want[0] || bodies[1] != want[1] || bodies[2] != want[2] {
		t.Errorf("took %q, want %q", bodies, want)
	}
	if n := srv.Requests(); n != 7 {
		t.Errorf("Requests = %d, want 7", n)
	}
}

// TestRefused: what a real account refuses is refused with Twilio's codes.
func TestRefused(t *testing.T) {
	srv := twilioapi.New(t)
	for _, tt := range []struct {
		from, to, body string
		code           int
	}{
		{hotline, "3125550150", "hi", 21211},
		{"hotline", person, "hi", 21212},
		{hotline, "whatsapp:" + person, "hi", 21910},
		{hotline, person, "", 21602},
		{hotline, person, string(make([]byte, 1601)), 21617},
	} {
		_, err := srv.Texter().Send(context.Background(), tt.from, tt.to, tt.body, "")
		var rest *client.TwilioRestError
		if !errors.As(err, &rest) || rest.Code != tt.code || rest.Status != 400 {
			t.Errorf("Send(%q, %q, %d characters) = %v, want 400 %d", tt.from, tt.to, len(tt.body), err, tt.code)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("took %d refused messages", n)
	}
}
