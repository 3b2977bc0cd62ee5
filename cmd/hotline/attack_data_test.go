package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/courtday"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// The attacks of this file look for a person's data where the hotline said it
// was gone: every key of the real Redis `hotline serve` uses, of every type,
// read whole after the person sent STOP.

// dataSecret is a HOTLINE_SECRET for the tests (32 characters or more).
const dataSecret = "attack-data-test-secret-0123456789abcdef"

// person is whose data the attacks look for: words chosen so that nothing else
// in Redis can hold them by chance.
type person struct {
	phone    string // E.164, like +13125550190
	name     string
	opponent string
}

// traces are every form in which the person's data could be kept: the name, the
// opposing party, the number as texted (E.164), as ten digits, as written for
// people and as its last seven digits.
func (p person) traces() []string {
	digits := strings.TrimPrefix(p.phone, "+1")
	return []string{
		p.name, p.opponent, p.phone, digits,
		fmt.Sprintf("(%s) %s-%s", digits[:3], digits[3:6], digits[6:]),
		digits[3:6] + "-" + digits[6:], digits[3:],
	}
}

// screen sends the English screening as p, with the court date 5 days ahead, and
// returns the referral's reference.
func (p person) screen(t *testing.T, srv *running) string {
	t.Helper()
	date := courtday.Soon(time.Now().In(mustChicago(t)))
	var last []string
	for _, text := range []string{"hi", "1", "yes", "no", "60612", "1", "yes", date, p.opponent, "3", "2000", p.name, "yes", "yes", "yes"} {
		status, replies := srv.twilioPost(p.phone, text, newSID(t), serveToken)
		if status != 200 {
			t.Fatalf("%q: status %d", text, status)
		}
		last = replies
	}
	text := strings.Join(last, " ")
	i := strings.Index(text, "H-")
	if i < 0 || i+7 > len(text) {
		t.Fatalf("no referral in %q", text)
	}
	return text[i : i+7]
}

// stop sends STOP as p and returns the reply.
func (p person) stop(t *testing.T, srv *running) string {
	t.Helper()
	status, replies := srv.twilioPost(p.phone, "STOP", newSID(t), serveToken)
	if status != 200 || len(replies) != 1 {
		t.Fatalf("STOP: status %d, replies %q", status, replies)
	}
	return replies[0]
}

// dumpRedis reads every key of rdb whole, whatever its type, into key → text.
// A type it cannot read fails the test: a new kind of key must not escape the
// scan.
func dumpRedis(t *testing.T, rdb *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	var cursor uint64
	for i := 0; i < 10_000; i++ { // far more keys than any test makes
		keys, next, err := rdb.Scan(ctx, cursor, "*", 100).Result()
		if err != nil {
			t.Fatalf("SCAN: %v", err)
		}
		for _, k := range keys {
			var v any
			switch typ := rdb.Type(ctx, k).Val(); typ {
			case "string":
				v = rdb.Get(ctx, k).Val()
			case "hash":
				v = rdb.HGetAll(ctx, k).Val()
			case "zset":
				v = rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
			case "set":
				v = rdb.SMembers(ctx, k).Val()
			case "list":
				v = rdb.LRange(ctx, k, 0, -1).Val()
			case "stream":
				v = rdb.XRange(ctx, k, "-", "+").Val()
			case "none":
				continue // expired between SCAN and TYPE
			default:
				t.Fatalf("key %s is a %s, which the scan cannot read", k, typ)
			}
			out[k] = fmt.Sprint(v)
		}
		cursor = next
		if cursor == 0 {
			return out
		}
	}
	t.Fatal("SCAN did not finish")
	return nil
}

// leaks returns, for each trace of p found in Redis, the keys that hold it in
// their name or value.
func leaks(t *testing.T, rdb *redis.Client, p person) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	for k, v := range dumpRedis(t, rdb) {
		for _, trace := range p.traces() {
			if strings.Contains(k, trace) || strings.Contains(v, trace) {
				found[trace] = append(found[trace], k)
			}
		}
	}
	return found
}

// waitForKey waits (at most 15 s) until a key whose name ends with suffix exists.
func waitForKey(t *testing.T, rdb *redis.Client, suffix string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		keys, err := rdb.Keys(context.Background(), "*"+suffix).Result()
		if err == nil && len(keys) == 1 {
			return keys[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no key *%s within 15 s", suffix)
	return ""
}

// dataEnv is the serve environment of these attacks: a real Redis and SMTP
// server, a coordinator for alerts and quick retries.
func dataEnv(rs *redisserver.Server, mail *smtpserver.Server, extra map[string]string) map[string]string {
	env := webhookEnv(map[string]string{
		"REDIS_URL": rs.URL(), "HOTLINE_SECRET": dataSecret, "SMTP_URL": mail.URL(),
		"HOTLINE_COORDINATOR_EMAIL": "coordinator@example.org",
		"HOTLINE_RETRY_FIRST":       "200ms", "HOTLINE_RETRY_MAX": "1s",
	})
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// assertNoLeaks fails the test for every trace of p left in Redis.
func assertNoLeaks(t *testing.T, rdb *redis.Client, p person, when string) {
	t.Helper()
	for trace, keys := range leaks(t, rdb, p) {
		t.Errorf("%s, Redis still holds %q in %v", when, trace, keys)
	}
}

// TestAttackDataAfterDelivery: a screening whose email the mail server took,
// then STOP. The STOP reply says the answers were deleted, and it says nothing
// of a referral still on its way (it is not); after it, no key of Redis holds
// the name, the number in any form, or the opposing party.
func TestAttackDataAfterDelivery(t *testing.T) {
	t.Parallel()
	rs := redisserver.Start(t)
	rdb := rs.Client()
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, dataEnv(rs, mail, nil))
	p := person{phone: "+13125550191", name: "Zoraida", opponent: "Quuxley Holdings"}
	ref := p.screen(t, srv)
	waitForKey(t, rdb, ":sent:"+ref)
	if msgs := mail.Messages(); len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), p.name) {
		t.Fatalf("%d emails; want the referral, with the name", len(msgs))
	}
	// The scan must be able to see the person: before STOP, the last reply
	// ("Thank you, Zoraida") is kept for a duplicate of the last message.
	if found := leaks(t, rdb, p); len(found[p.name]) == 0 {
		t.Fatal("before STOP the scan finds nothing of the person: it is blind")
	}
	reply := p.stop(t, srv)
	if !strings.Contains(reply, "answers were deleted") || strings.Contains(reply, ref) {
		t.Errorf("STOP after delivery replied %q", reply)
	}
	assertNoLeaks(t, rdb, p, "after delivery and STOP")
}

// TestAttackDataAfterDeadLetter: the mail server refuses the referral for good
// (550); the coordinator's alert carries it to a person, then STOP. The dead
// letter tells what happened to the reference and holds nothing of the person;
// no key does.
func TestAttackDataAfterDeadLetter(t *testing.T) {
	t.Parallel()
	rs := redisserver.Start(t)
	rdb := rs.Client()
	mail := smtpserver.Start(t, smtpserver.Options{})
	mail.Refuse(smtpserver.Rcpt, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}, 1)
	srv := startServe(t, dataEnv(rs, mail, nil))
	p := person{phone: "+13125550192", name: "Wilhelmina", opponent: "Zyxcorp Realty"}
	ref := p.screen(t, srv)
	waitForKey(t, rdb, ":sent:alert:"+ref)
	msgs := mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "coordinator@example.org" || !strings.Contains(string(msgs[0].Data), p.name) {
		t.Fatalf("emails %d; want the alert to the coordinator, carrying the referral", len(msgs))
	}
	dead := rdb.Get(context.Background(), waitForKey(t, rdb, ":dead:"+ref)).Val()
	for _, want := range []string{`"ref":"` + ref + `"`, `"org":"tenant-clinic"`, `"attempts":1`, "no such mailbox", `"created"`, `"died"`} {
		if !strings.Contains(dead, want) {
			t.Errorf("the dead letter %s lacks %s", dead, want)
		}
	}
	if found := leaks(t, rdb, p); len(found[p.name]) == 0 {
		t.Fatal("before STOP the scan finds nothing of the person: it is blind")
	}
	p.stop(t, srv)
	assertNoLeaks(t, rdb, p, "after a dead letter and STOP")
}

// TestAttackDataStopWhileQueued: STOP while the referral's email waits (the mail
// server is down). The reply says the referral will still be sent, and it is,
// when the mail server is back; after that nothing of the person is left.
func TestAttackDataStopWhileQueued(t *testing.T) {
	t.Parallel()
	rs := redisserver.Start(t)
	rdb := rs.Client()
	mail := smtpserver.Start(t, smtpserver.Options{})
	if err := mail.Stop(); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, dataEnv(rs, mail, nil))
	p := person{phone: "+13125550193", name: "Bartholomew", opponent: "Vexilla Estates"}
	ref := p.screen(t, srv)
	reply := p.stop(t, srv)
	if want := "Your referral " + ref + " will still be sent to Tenant Rights Clinic; after that nothing of your answers is kept."; !strings.Contains(reply, want) {
		t.Errorf("STOP while the referral waits replied %q; want it to say %q", reply, want)
	}
	if found := leaks(t, rdb, p); len(found[p.name]) == 0 {
		t.Fatal("the waiting referral is nowhere in Redis: the scan is blind")
	}
	if err := mail.Restart(); err != nil {
		t.Fatal(err)
	}
	waitForKey(t, rdb, ":sent:"+ref)
	msgs := mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "intake.tenants@example.org" || !strings.Contains(string(msgs[0].Data), p.name) {
		t.Fatalf("emails %d; want the referral, sent after STOP as the reply said", len(msgs))
	}
	assertNoLeaks(t, rdb, p, "after STOP and the delayed delivery")
}

// TestAttackDataStopMidScreening: STOP half-way through, with reminders on: the
// conversation's answers, the number the reminder would have gone to and the
// reminder itself all go.
func TestAttackDataStopMidScreening(t *testing.T) {
	t.Parallel()
	rs := redisserver.Start(t)
	rdb := rs.Client()
	mail := smtpserver.Start(t, smtpserver.Options{})
	srv := startServe(t, dataEnv(rs, mail, map[string]string{
		"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "HOTLINE_TWILIO_API_URL": "http://127.0.0.1:1",
		"HOTLINE_REMINDER_DELAY": "1h",
	}))
	p := person{phone: "+13125550194", name: "Ottoline", opponent: "Plinth Partners"}
	date := courtday.Soon(time.Now().In(mustChicago(t)))
	for _, text := range []string{"hi", "1", "yes", "no", "60612", "1", "yes", date, p.opponent, "3", "2000", p.name} {
		if status, _ := srv.twilioPost(p.phone, text, newSID(t), serveToken); status != 200 {
			t.Fatalf("%q: status %d", text, status)
		}
	}
	found := leaks(t, rdb, p)
	if len(found[p.name]) == 0 || len(found[p.phone]) == 0 {
		t.Fatalf("mid-screening the scan finds %v: it is blind to the answers or the reminder's number", found)
	}
	if reply := p.stop(t, srv); !strings.Contains(reply, "answers were deleted") || strings.Contains(reply, "H-") {
		t.Errorf("STOP mid-screening replied %q", reply)
	}
	assertNoLeaks(t, rdb, p, "after STOP mid-screening")
}

// TestAttackReloadWhileQueued: the referral is made while the mail server is
// down; the coordinators then change the email's words and the server reloads
// the pack; the email that goes when the mail server is back is in the words the
// referral was made with.
func TestAttackReloadWhileQueued(t *testing.T) {
	t.Parallel()
	rs := redisserver.Start(t)
	rdb := rs.Client()
	mail := smtpserver.Start(t, smtpserver.Options{})
	if err := mail.Stop(); err != nil {
		t.Fatal(err)
	}
	dir := copySamplePack(t, nil)
	srv := startServe(t, dataEnv(rs, mail, map[string]string{"HOTLINE_FLOWS": dir, "HOTLINE_RELOAD_INTERVAL": "100ms"}))
	p := person{phone: "+13125550195", name: "Philippa", opponent: "Quire Lettings"}
	ref := p.screen(t, srv)

	path := filepath.Join(dir, "email.yaml")
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte("Please call {name} back at {phone}")) {
		t.Fatalf("email.yaml: %v, or its call-back words changed", err)
	}
	data = bytes.Replace(data, []byte("Please call {name} back at {phone}"), []byte("Kindly ring {name} on {phone}"), 1)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.logs.String(), "pack reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("the pack was not reloaded:\n%s", srv.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := mail.Restart(); err != nil {
		t.Fatal(err)
	}
	waitForKey(t, rdb, ":sent:"+ref)
	msgs := mail.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	body := strings.ReplaceAll(string(msgs[0].Data), "=\r\n", "") // undo quoted-printable's soft breaks
	if !strings.Contains(body, "Please call Philippa back at") || strings.Contains(body, "Kindly ring") {
		t.Errorf("the email queued before the reload is not in the words it was made with:\n%s", body)
	}
}
