package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// These tests attack the real server (issue 11): its keys, its mail, its
// metrics and its start-up checks.

// refusedToStart runs `hotline serve` with env and returns what it said on
// stderr; the test fails if it started.
func refusedToStart(t *testing.T, env map[string]string) string {
	t.Helper()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if env["HOTLINE_ADDR"] == "" {
		env["HOTLINE_ADDR"] = "127.0.0.1:0"
	}
	err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("serve with %v started (err %v)", env, err)
	}
	return stderr.String()
}

// TestAttackReverseKeys: conversation keys are keyed with HOTLINE_SECRET, which
// a server on Redis must have; two servers with different secrets do not see
// each other's conversations; no log line holds any part of the number.
func TestAttackReverseKeys(t *testing.T) {
	rs := redisserver.Start(t)
	said := refusedToStart(t, map[string]string{"REDIS_URL": rs.URL()})
	if !strings.Contains(said, "HOTLINE_SECRET") {
		t.Errorf("serve on Redis without a secret said %q, want it to name HOTLINE_SECRET", said)
	}

	const from = "+16465559876"
	a := startServe(t, webhookEnv(map[string]string{"REDIS_URL": rs.URL(), "HOTLINE_LOG_LEVEL": "debug",
		"HOTLINE_SECRET": strings.Repeat("a", 32)}))
	if _, replies := a.twilioPost(from, "hi", newSID(t), serveToken); !strings.Contains(strings.Join(replies, ""), "Reply 1 for English") {
		t.Fatalf("first text got %q", replies)
	}
	b := startServe(t, webhookEnv(map[string]string{"REDIS_URL": rs.URL(), "HOTLINE_LOG_LEVEL": "debug",
		"HOTLINE_SECRET": strings.Repeat("b", 32)}))
	// With one key for the person, "1" would answer the language question that
	// server a asked; under another secret it is a first message.
	if _, replies := b.twilioPost(from, "1", newSID(t), serveToken); !strings.Contains(strings.Join(replies, ""), "Reply 1 for English") {
		t.Errorf("another secret's server continued the conversation: %q", replies)
	}
	keys, err := rs.Client().Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "9876") || strings.Contains(k, "646") {
			t.Errorf("Redis key %q shows the number", k)
		}
	}
	for _, logs := range []string{a.logs.String(), b.logs.String()} {
		if !strings.Contains(logs, `"conv"`) {
			t.Fatalf("no log line names a conversation, so this test proves nothing:\n%s", logs)
		}
		for _, line := range strings.Split(logs, "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) != nil {
				continue
			}
			// Times, request ids and durations are digits that may happen to
			// look like a piece of the number; anything else may not.
			delete(entry, "time")
			delete(entry, "request_id")
			delete(entry, "ms")
			rest, _ := json.Marshal(entry)
			for _, part := range []string{"9876", "6465", "555987"} {
				if strings.Contains(string(rest), part) {
					t.Errorf("a log line holds %q, part of the number: %s", part, line)
				}
			}
		}
	}
}

// TestAttackSMTPWithoutTLS: a mail server that offers no STARTTLS (or one whose
// STARTTLS someone in between strips) gets no referral in plain text: the
// outbox retries, then gives up loudly. Plain text needs ?tls=none, which is
// warned about at start.
func TestAttackSMTPWithoutTLS(t *testing.T) {
	t.Parallel()
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": redisserver.Start(t).URL(), "SMTP_URL": "smtp://" + mail.Addr,
		"HOTLINE_RETRY_FIRST": "100ms", "HOTLINE_RETRY_MAX": "200ms", "HOTLINE_RETRY_FOR": "2s",
	}))
	screenOverWebhook(t, srv, "+13125550191")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.logs.String(), "giving up on an email") {
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not give up within 20 s:\n%s", srv.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(mail.Messages()); n != 0 {
		t.Errorf("%d emails went in plain text to a server without STARTTLS", n)
	}
	logs := srv.logs.String()
	if !strings.Contains(logs, "delivery failed; will retry") || !strings.Contains(logs, "STARTTLS") {
		t.Errorf("the retries do not say why:\n%s", logs)
	}

	plain := startServe(t, map[string]string{"SMTP_URL": mail.URL()}) // ?tls=none
	if !strings.Contains(plain.logs.String(), "SMTP_URL has tls=none") {
		t.Errorf("no warning about ?tls=none at start:\n%s", plain.logs)
	}
}

// TestAttackSilentlyDead: a token without HOTLINE_PUBLIC_URL would refuse every
// real message; the server refuses to start instead. Without a token, the 403
// says why.
func TestAttackSilentlyDead(t *testing.T) {
	t.Parallel()
	said := refusedToStart(t, map[string]string{"TWILIO_AUTH_TOKEN": serveToken})
	if !strings.Contains(said, "HOTLINE_PUBLIC_URL") {
		t.Errorf("serve with a token and no public URL said %q, want it to name HOTLINE_PUBLIC_URL", said)
	}

	srv := startServe(t, nil)
	form := url.Values{"MessageSid": {newSID(t)}, "From": {"+13125550192"}, "To": {"+13125550100"}, "Body": {"hi"}}
	resp, err := http.PostForm(srv.url+"/twilio/messages", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "TWILIO_AUTH_TOKEN") {
		t.Errorf("without a token: %d %s, want 403 saying no TWILIO_AUTH_TOKEN is set", resp.StatusCode, body)
	}
}

// TestAttackReplay: a signed request captured and replayed after many newer
// messages is not applied again (the MessageSid is remembered for 48 hours):
// the replay gets no reply, and the conversation stays where it was.
func TestAttackReplay(t *testing.T) {
	t.Parallel()
	srv := startServe(t, webhookEnv(map[string]string{"REDIS_URL": redisserver.Start(t).URL()}))
	const from, control = "+13125550193", "+13125550194"
	captured := newSID(t)
	for _, who := range []string{from, control} {
		srv.twilioPost(who, "hi", newSID(t), serveToken)
		sid := newSID(t)
		if who == from {
			sid = captured
		}
		srv.twilioPost(who, "1", sid, serveToken) // English
	}
	for i := 0; i < 30; i++ {
		if status, _ := srv.twilioPost(from, "HELP", newSID(t), serveToken); status != 200 {
			t.Fatalf("HELP: %d", status)
		}
	}
	status, replayed := srv.twilioPost(from, "1", captured, serveToken)
	if status != 200 || len(replayed) != 0 {
		t.Errorf("the replay after 30 newer messages got %d %q, want 200 and no reply", status, replayed)
	}
	// Had "1" been applied again, it would have answered the question after the
	// language; the next answer would then meet another question.
	_, got := srv.twilioPost(from, "yes", newSID(t), serveToken)
	_, want := srv.twilioPost(control, "yes", newSID(t), serveToken)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after the replay, yes got %q; without it %q", got, want)
	}
}
