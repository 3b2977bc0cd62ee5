package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/storetest"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// TestContract runs the store contract on a real redis-server.
func TestContract(t *testing.T) {
	clients := map[storetest.Store]*redis.Client{}
	storetest.Run(t, func(t *testing.T) storetest.Store {
		rdb := redisserver.Start(t).Client()
		s := redisstore.New(rdb, "test:")
		clients[s] = rdb
		return s
	}, redisstore.Shards, func(t *testing.T, s storetest.Store, conv string) {
		// As its TTL running out would: the conversation goes, its ids stay.
		if err := clients[s].Del(context.Background(), s.(*redisstore.Store).Keys(conv)[0]).Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTTL: a conversation is kept for its TTL (none for an opt-out), its message
// ids for 48 hours; something unreadable under its key is a new conversation.
func TestTTL(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	now, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{Step: "zip"}, TTL: time.Hour, Replies: []string{"a"}, Now: time.Now()})
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ttl := rdb.PTTL(ctx, s.Key("c")).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want about an hour", ttl)
	}
	if ttl := rdb.PTTL(ctx, s.SeenKey("c")).Val(); ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Errorf("the message ids' TTL = %v, want about 48 hours", ttl)
	}
	if enc := rdb.ObjectEncoding(ctx, s.SeenKey("c")).Val(); enc != "intset" {
		t.Errorf("the message ids are kept as %q, want an intset (4 bytes a message)", enc)
	}
	// An opt-out is kept without a TTL.
	if _, ok, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: now.Version, State: flows.State{Flags: flows.OptedOut}, Now: time.Now()}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ttl := rdb.PTTL(ctx, s.Key("c")).Val(); ttl != -1 {
		t.Errorf("TTL after a commit without one = %v, want none (-1ms)", ttl)
	}
	// Something unreadable under the key is a new conversation, not an error.
	rdb.Set(ctx, s.Key("c2"), "garbage", 0)
	if snap, err := s.Load(ctx, "c2", "SM1"); err != nil || snap.Version != 0 || snap.Duplicate {
		t.Errorf("Load(garbage) = %+v, %v", snap, err)
	}
}

func TestUnavailable(t *testing.T) {
	srv := redisserver.Start(t)
	s := redisstore.New(srv.Client(), "test:")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := s.Load(ctx, "c", "SM1")
	if err == nil || !redisstore.IsUnavailable(err) {
		t.Errorf("Load with Redis down = %v; want an unavailable error", err)
	}
}

// TestVersionsNeverReused: a conversation that expired and began again does not
// reuse the versions of the old one, so a process that remembers the old one
// cannot commit over the new.
func TestVersionsNeverReused(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{Step: "old"}, Now: time.UnixMilli(5_000)}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	old, _ := s.Load(ctx, "c", "SM2")
	rdb.Del(ctx, s.Key("c")) // the retention TTL ran out
	if _, ok, err := s.Commit(ctx, "c", "SM9", bot.Change{State: flows.State{Step: "new"}, Now: time.UnixMilli(9_000)}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	now, ok, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: old.Version, State: flows.State{Step: "stale"}})
	if ok || err != nil || now.State.Step != "new" {
		t.Errorf("a commit from the expired conversation's version went through: %v %v %+v", ok, err, now)
	}
}

// TestReminderSchedule: a commit writes a conversation's reminder into the shard's
// schedule only when it is not there (or would come later than now due); the
// reminder claim moves an entry found early to the conversation's latest time,
// and hands out a due reminder once.
func TestReminderSchedule(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	shard := redisstore.ShardOf("c")
	scheduleKey := "test:{h" + fmt.Sprintf("%02d", shard) + "}:remind"
	score := func() int64 {
		t.Helper()
		v, err := rdb.ZScore(ctx, scheduleKey, "c").Result()
		if err != nil {
			return -1
		}
		return int64(v)
	}
	t0 := time.UnixMilli(1_700_000_000_000)
	version := int64(0)
	to := hotline.Conversation{Channel: "sms", From: "+13125550142", To: "+13125550100"}
	commit := func(at time.Time, remind time.Duration, state string) {
		t.Helper()
		c := bot.Change{Version: version, State: flows.State{Step: state}, TTL: time.Hour, Replies: []string{"r"}, Now: at}
		if remind > 0 {
			c.Reminder = &bot.Reminder{At: at.Add(remind), To: to}
		}
		now, ok, err := s.Commit(ctx, "c", fmt.Sprintf("SM%d", at.UnixMilli()), c)
		if !ok || err != nil {
			t.Fatalf("commit at %v: %v %v", at, ok, err)
		}
		version = now.Version
	}
	for i := 0; i < 5; i++ {
		commit(t0.Add(time.Duration(i)*time.Minute), 2*time.Hour, fmt.Sprint("state", i))
	}
	first, last := t0.Add(2*time.Hour).UnixMilli(), t0.Add(4*time.Minute+2*time.Hour).UnixMilli()
	if got := score(); got != first {
		t.Fatalf("schedule = %d after 5 messages, want the first message's %d (written once)", got, first)
	}
	// Due by the schedule, not by the conversation: moved, not sent.
	if due, err := s.ClaimReminders(ctx, shard, time.UnixMilli(first), 10); err != nil || len(due) != 0 {
		t.Fatalf("claim at the first time: %v, %v; want none", due, err)
	}
	if got := score(); got != last {
		t.Fatalf("schedule = %d after the early claim, want the last message's %d", got, last)
	}
	if ttl := rdb.PTTL(ctx, s.Key("c")).Val(); ttl <= 0 {
		t.Errorf("the claim lost the conversation's TTL: %v", ttl)
	}
	// The conversation is unchanged for its next commit: the version still holds.
	commit(t0.Add(5*time.Minute), 2*time.Hour, "state5")
	last = t0.Add(5*time.Minute + 2*time.Hour).UnixMilli()
	due, err := s.ClaimReminders(ctx, shard, time.UnixMilli(last), 10)
	if err != nil || len(due) != 1 || due[0].State.Step != "state5" || due[0].To != to || due[0].Conv != "c" {
		t.Fatalf("claim when due: %+v, %v; want the reminder of state5", due, err)
	}
	if due, _ := s.ClaimReminders(ctx, shard, time.UnixMilli(last+time.Hour.Milliseconds()), 10); len(due) != 0 || score() != -1 {
		t.Fatalf("a reminder was handed out twice: %+v (schedule %d)", due, score())
	}
	// A reminder that comes sooner than the scheduled one moves it earlier.
	commit(t0.Add(6*time.Minute), 3*time.Hour, "state6")
	commit(t0.Add(7*time.Minute), time.Hour, "state7")
	if got, want := score(), t0.Add(7*time.Minute+time.Hour).UnixMilli(); got != want {
		t.Errorf("schedule = %d, want the sooner %d", got, want)
	}
	// A commit without a reminder (the end, STOP) takes it out.
	commit(t0.Add(8*time.Minute), 0, "ended")
	if got := score(); got != -1 {
		t.Errorf("schedule = %d after a commit without a reminder, want none", got)
	}
	if due, _ := s.ClaimReminders(ctx, shard, t0.Add(24*time.Hour), 10); len(due) != 0 {
		t.Errorf("a reminder after the end: %+v", due)
	}
}

// TestCommitAfterScriptFlush: Redis forgot the script (a restart, SCRIPT FLUSH);
// the commit sends it again and goes through, on its own or batched.
func TestCommitAfterScriptFlush(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprint("batched=", batched), func(t *testing.T) {
			rdb := redisserver.Start(t).Client()
			s := redisstore.New(rdb, "test:")
			if batched {
				redisstore.AlwaysPipe(s)
			}
			ctx := context.Background()
			if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{Step: "a"}, Now: time.Now()}); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			c, err := s.Load(ctx, "c", "SM2")
			if err != nil {
				t.Fatalf("load after SCRIPT FLUSH: %v", err)
			}
			if _, ok, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: c.Version, State: flows.State{Step: "b"}, Now: time.Now()}); !ok || err != nil {
				t.Fatalf("commit after SCRIPT FLUSH: %v, %v", ok, err)
			}
			if c, _ := s.Load(ctx, "c", "SM3"); c.State.Step != "b" {
				t.Errorf("state after the commit = %q, want b", c.State.Step)
			}
		})
	}
}

// TestStalledCommitNotApplied: a commit sent to a stalled Redis (SIGSTOP: the
// bytes wait in its socket, or in the autopipeliner's batch) whose caller gave
// up at its deadline is refused by the script when Redis goes on, so that a
// message the person was told failed is never applied; the caller's deadline
// bounds its wait, on its own or batched.
func TestStalledCommitNotApplied(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprint("batched=", batched), func(t *testing.T) {
			srv := redisserver.Start(t)
			if !srv.Real() {
				t.Skip("stalling Redis needs a real redis-server")
			}
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			s := redisstore.New(rdb, "test:")
			if batched {
				redisstore.AlwaysPipe(s)
			}
			bg := context.Background()
			if _, ok, err := s.Commit(bg, "c", "SM1", bot.Change{State: flows.State{Step: "a"}, Now: time.Now()}); !ok || err != nil {
				t.Fatal(ok, err)
			}
			v, _ := s.Load(bg, "c", "SM2")
			ran := redisserver.ScriptCalls(t, rdb)
			if err := srv.Pause(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, ok, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: v.Version, State: flows.State{Step: "b"}, Now: time.Now()})
			waited := time.Since(start)
			if resumeErr := srv.Resume(); resumeErr != nil {
				t.Fatal(resumeErr)
			}
			if ok || !errors.Is(err, bot.ErrUnavailable) {
				t.Errorf("commit while Redis is stalled: %v, %v; want an unavailable error", ok, err)
			}
			if waited > time.Second {
				t.Errorf("the commit waited %v past its 200ms deadline (%v)", waited, err)
			}
			// The commit that waited in Redis's socket (or the batch) runs now,
			// past its deadline.
			for i := 0; redisserver.ScriptCalls(t, rdb) == ran; i++ {
				if i == 250 {
					t.Fatal("the stalled commit never reached the script")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if snap, err := s.Load(bg, "c", "SM2"); err != nil || snap.Duplicate || snap.Version != v.Version || snap.State.Step != "a" {
				t.Errorf("after Redis went on, Load = %+v, %v; want SM2 not applied, the conversation as it was", snap, err)
			}
		})
	}
}

// TestOlderLayoutIsNew: a conversation string of the layout before this one (a
// ring of 17 short ids) reads as a new conversation, and its next commit replaces
// it. Load (Go) and the commit script (Lua) agree.
func TestOlderLayoutIsNew(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	reply := `["Reply: what is your ZIP code? ` + strings.Repeat("x", 200) + `"]`
	old := "0001764115200124" + "0000000000000000" + strings.Repeat("abcd0123", 17) + ":" + "0000000000000000" +
		fmt.Sprintf(" %d 0\n%sstate", len(reply), reply)
	rdb.Set(ctx, s.Key("c"), old, time.Hour)
	snap, err := s.Load(ctx, "c", "SM1")
	if err != nil || snap.Duplicate || snap.Version != 0 || snap.State.Step != "" {
		t.Fatalf("Load of an older-layout string = %+v, %v; want a new conversation", snap, err)
	}
	now, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{Step: "fresh"}, TTL: time.Hour, Replies: []string{"hi"}, Now: time.UnixMilli(2_000_000)})
	if !ok || err != nil {
		t.Fatalf("commit over an older-layout string: %+v, %v, %v", now, ok, err)
	}
	if snap, _ := s.Load(ctx, "c", "SM2"); snap.Version != 2_000_001 || snap.State.Step != "fresh" {
		t.Errorf("after the commit: %+v", snap)
	}
}

// TestDeliveredKeepsNoAnswers: once its email is delivered, or given up on,
// nothing of a referral is left in Redis but a marker that its reference was
// used (delivered), or a record of what happened to it (dead): its reference,
// organization, attempts, last error and times.
func TestDeliveredKeepsNoAnswers(t *testing.T) {
	for _, outcome := range []string{"delivered", "dead"} {
		t.Run(outcome, func(t *testing.T) {
			rdb := redisserver.Start(t).Client()
			s := redisstore.New(rdb, "test:")
			ctx := context.Background()
			shard := redisstore.ShardOf("c")
			reference := "H-" + string(bot.ReferenceAlphabet[shard]) + "DDDD" // as the store's RefPrefix makes it
			ref := &hotline.Referral{Ref: reference, Name: "Maria", Opponent: "Acme", Callback: "+13125550142",
				Answers: []hotline.QA{{Question: "Name", Kind: "text", Value: "Maria"}}}
			msg := email.Message{MessageID: reference + ".1@example.org", Ref: reference, To: "intake@example.org",
				Date: time.Now(), Text: "Name: Maria, (312) 555-0142, against Acme", HTML: "<b>Maria</b> Acme"}
			if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{}, TTL: time.Hour, Now: time.Now(),
				Email: &bot.Email{Kind: bot.EmailReferral, ID: "1", Reference: reference, OrgID: "tenant-clinic", Created: time.Now(), Message: msg, Referral: ref}}); !ok || err != nil {
				t.Fatal(ok, err)
			}
			// The scan below must see the referral while it waits: else it proves nothing.
			if held := holding(t, rdb, "Maria"); len(held) == 0 {
				t.Fatal("the queued referral is nowhere in Redis: the scan is blind")
			}
			jobs, err := s.ClaimJobs(ctx, shard, time.Now(), time.Minute, 1)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("ClaimJobs = %+v, %v", jobs, err)
			}
			job := jobs[0]
			if outcome == "delivered" {
				err = s.FinishJob(ctx, job, time.Hour)
			} else {
				job.Attempts, job.LastError = 1, "550 5.1.1 no such user"
				err = s.KillJob(ctx, job, time.Hour, nil, time.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"Maria", "Acme", "555-0142", "5550142"} {
				if held := holding(t, rdb, secret); len(held) > 0 {
					t.Errorf("%s: Redis still holds %q in %v", outcome, secret, held)
				}
			}
			sent, dead, err := s.Delivery(ctx, reference)
			if err != nil || sent != (outcome == "delivered") || dead != (outcome == "dead") {
				t.Errorf("Delivery = sent %v, dead %v, %v; want it %s", sent, dead, err, outcome)
			}
			if outcome == "dead" {
				record := rdb.Get(ctx, "test:{h"+fmt.Sprintf("%02d", shard)+"}:dead:"+reference).Val()
				for _, want := range []string{reference, "tenant-clinic", `"attempts":1`, "550 5.1.1 no such user", `"died"`} {
					if !strings.Contains(record, want) {
						t.Errorf("the dead letter %s lacks %s", record, want)
					}
				}
			}
		})
	}
}

// holding returns the keys whose name or value (of any type) contains s.
func holding(t *testing.T, rdb *redis.Client, s string) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		var dump string
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			dump = rdb.Get(ctx, k).Val()
		case "hash":
			dump = fmt.Sprint(rdb.HGetAll(ctx, k).Val())
		case "zset":
			dump = fmt.Sprint(rdb.ZRange(ctx, k, 0, -1).Val())
		case "set":
			dump = fmt.Sprint(rdb.SMembers(ctx, k).Val())
		default:
			t.Fatalf("%s is a %s, which the scan cannot read", k, typ)
		}
		if strings.Contains(k+" "+dump, s) {
			out = append(out, k)
		}
	}
	return out
}

// TestSeenIsBounded: a sender who never stops cannot grow a conversation's set of
// message ids past maxSeen, and it stays an intset.
func TestSeenIsBounded(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	version := int64(0)
	for i := 0; i < 300; i++ {
		now, ok, err := s.Commit(ctx, "c", fmt.Sprintf("SM%d", i), bot.Change{Version: version, State: flows.State{Step: "x"}, TTL: time.Hour, Now: time.UnixMilli(1_000_000)})
		if !ok || err != nil {
			t.Fatalf("message %d: %v, %v", i, ok, err)
		}
		version = now.Version
	}
	if n := rdb.SCard(ctx, s.SeenKey("c")).Val(); n != 256 {
		t.Errorf("%d ids kept; want 256", n)
	}
	if enc := rdb.ObjectEncoding(ctx, s.SeenKey("c")).Val(); enc != "intset" {
		t.Errorf("the ids are kept as %q; want an intset", enc)
	}
	if snap, _ := s.Load(ctx, "c", "SM299"); !snap.Duplicate {
		t.Error("the last message is not known as applied")
	}
}

// TestMalformedCommitWritesNothing: a commit whose arguments the script refuses
// leaves no trace, not even the message's id (its retry would be a duplicate).
func TestMalformedCommitWritesNothing(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	keys := s.Keys("c")
	good := strings.Repeat("0", 16) + "0000000000001000001" + "0001234567890123" + strings.Repeat("0", 32)
	tail := strings.Repeat("0", 16) + " 2 0\n[]"
	for _, args := range [][]any{
		{good[:10] + "x" + good[11:], tail, "", "", ""},                                    // a version that is not digits
		{good, "000000000000000x 2 0\n[]", "", "", ""},                                     // a reminder time that is not digits
		{good, tail, "H-3AAAA", "{}", "soon"},                                              // a job's time that is not digits
		{good[:len(good)-32] + "-000000000000001" + good[len(good)-16:], tail, "", "", ""}, // a negative TTL
		{good[:len(good)-16] + "soon000000000000", tail, "", "", ""},                       // a deadline that is not digits
		{good, "0000000000000000 2\n[]", "", "", ""},                                       // a tail without its lengths
	} {
		err := redisstore.RunCommitScript(ctx, rdb, s, "c", args...)
		if err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("%q: %v; want it refused as malformed", args, err)
		}
		if n := rdb.Exists(ctx, append(keys, "test:{h"+fmt.Sprintf("%02d", redisstore.ShardOf("c"))+"}:jobs")...).Val(); n != 0 {
			t.Fatalf("%q left %d keys", args, n)
		}
	}
}

// TestClockOffset: Redis on this host has this host's clock; the measurement
// says so, within its round trip (plus a millisecond: TIME has microseconds,
// the test's clock nanoseconds).
func TestClockOffset(t *testing.T) {
	s := redisstore.New(redisserver.Start(t).Client(), "test:")
	offset, rtt, err := s.ClockOffset(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if offset.Abs() > rtt/2+time.Millisecond {
		t.Errorf("ClockOffset = %v (round trip %v); want 0 within the round trip, Redis runs on this host", offset, rtt)
	}
}
