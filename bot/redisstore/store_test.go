package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

func TestClaimCommit(t *testing.T) {
	srv := redisserver.Start(t)
	rdb := srv.Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	commit := func(msg string, c bot.Commit) (bot.Claimed, bool) {
		t.Helper()
		now, ok, err := s.Commit(ctx, "conv1", msg, c)
		if err != nil {
			t.Fatalf("Commit(%s): %v", msg, err)
		}
		return now, ok
	}

	c, err := s.Claim(ctx, "conv1", "SM1")
	if err != nil || c.Duplicate || c.Version != 0 || len(c.State) != 0 {
		t.Fatalf("Claim(new) = %+v, %v; want an empty state at version 0", c, err)
	}
	if _, ok := commit("SM1", bot.Commit{Version: 0, State: []byte("state\x00one\n"), StateTTL: time.Hour, Reply: []byte(`["hi"]`), Now: time.UnixMilli(1_000_000)}); !ok {
		t.Fatal("the first commit failed")
	}
	c, _ = s.Claim(ctx, "conv1", "SM1")
	if !c.Duplicate || string(c.Reply) != `["hi"]` {
		t.Fatalf("Claim(same message) = %+v; want the duplicate and its reply", c)
	}
	c, _ = s.Claim(ctx, "conv1", "SM2")
	// A new conversation's versions start at the time in ms, never reused.
	if c.Duplicate || c.Version != 1_000_001 || string(c.State) != "state\x00one\n" {
		t.Fatalf("Claim(next message) = %+v", c)
	}
	// A commit stepped from an old version changes nothing and returns the newer one.
	now, ok := commit("SM2", bot.Commit{Version: 0, State: []byte("stale")})
	if ok || now.Duplicate || now.Version != 1_000_001 || string(now.State) != "state\x00one\n" {
		t.Fatalf("stale Commit = %+v, %v; want the conversation at version 1000001", now, ok)
	}
	// A commit of a message already applied returns its reply, whatever the version.
	if now, ok = commit("SM1", bot.Commit{Version: 1_000_001, State: []byte("again")}); ok || !now.Duplicate || string(now.Reply) != `["hi"]` {
		t.Fatalf("Commit(duplicate) = %+v, %v", now, ok)
	}
	commit("SM2", bot.Commit{Version: 1_000_001, State: []byte("two"), StateTTL: time.Hour, Reply: []byte(`["b"]`)})
	// SM1 is no longer the last message: a late duplicate of it gets nothing.
	if c, _ = s.Claim(ctx, "conv1", "SM1"); !c.Duplicate || string(c.Reply) != "null" {
		t.Fatalf("Claim(older message) = %+v", c)
	}
	if ttl := rdb.PTTL(ctx, s.Key("conv1")).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want about an hour", ttl)
	}
	// An opt-out is kept without a TTL.
	commit("SM3", bot.Commit{Version: 1_000_002, State: []byte("out"), Reply: []byte(`["stopped"]`)})
	if ttl := rdb.PTTL(ctx, s.Key("conv1")).Val(); ttl != -1 {
		t.Errorf("TTL after a commit without one = %v, want none (-1ms)", ttl)
	}
	// Messages without an id are applied every time.
	for v := int64(1_000_003); v < 1_000_005; v++ {
		c, _ := s.Claim(ctx, "conv1", "")
		if c.Duplicate || c.Version != v {
			t.Fatalf("Claim without id = %+v, want version %d", c, v)
		}
		commit("", bot.Commit{Version: v, State: []byte("x"), StateTTL: time.Hour, Reply: []byte(`["no id"]`),
			RemindAt: time.UnixMilli(9_000_000), Who: []byte(`{"c":"sms"}`)})
	}
	// They keep the last message with an id and its reply, for its duplicates.
	if c, _ := s.Claim(ctx, "conv1", "SM3"); !c.Duplicate || string(c.Reply) != `["stopped"]` {
		t.Errorf("after messages without an id, SM3 again = %+v; want the duplicate with its reply", c)
	}
	if c, _ := s.Claim(ctx, "conv1", "SM4"); c.Duplicate || string(c.State) != "x" || c.Version != 1_000_005 {
		t.Errorf("after messages without an id, the conversation = %+v; want state x at 1000005", c)
	}
	// Something unreadable under the key is a new conversation, not an error.
	rdb.Set(ctx, s.Key("conv2"), "garbage", 0)
	if c, err := s.Claim(ctx, "conv2", "SM1"); err != nil || c.Version != 0 {
		t.Errorf("Claim(garbage) = %+v, %v", c, err)
	}
	if !srv.Real() {
		t.Log("ran against miniredis")
	}
}

// TestDedupeRing: the short ids of the 16 messages before the last are remembered.
func TestDedupeRing(t *testing.T) {
	s := redisstore.New(redisserver.Start(t).Client(), "test:")
	ctx := context.Background()
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = fmt.Sprintf("SM%02d", i)
		c, _ := s.Claim(ctx, "c", ids[i])
		if _, ok, err := s.Commit(ctx, "c", ids[i], bot.Commit{Version: c.Version, State: []byte("s"), StateTTL: time.Hour, Reply: []byte(`["r"]`)}); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	for i, id := range ids {
		c, err := s.Claim(ctx, "c", id)
		if err != nil {
			t.Fatal(err)
		}
		// ids[29] is the last; ids[13..28] are in the ring; older ones are forgotten.
		if want := i >= 13; c.Duplicate != want {
			t.Errorf("message %d: duplicate = %v, want %v", i, c.Duplicate, want)
		}
	}
}

// TestRefUnique: a reference in use in a shard (queued, delivered or dead) is
// refused, and nothing of the commit is written.
func TestRefUnique(t *testing.T) {
	s := redisstore.New(redisserver.Start(t).Client(), "test:")
	ctx := context.Background()
	job := &bot.Job{Ref: "H-3AAAA", Data: []byte(`{}`)}
	if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Commit{State: []byte("a"), Job: job, Now: time.Now()}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	first, _ := s.Claim(ctx, "c", "SM2")
	_, ok, err := s.Commit(ctx, "c", "SM2", bot.Commit{Version: first.Version, State: []byte("b"), Job: job, Now: time.Now()})
	if ok || !errors.Is(err, bot.ErrRefTaken) {
		t.Fatalf("a second job with the same reference: %v, %v", ok, err)
	}
	if c, _ := s.Claim(ctx, "c", "SM2"); c.Version != first.Version || string(c.State) != "a" {
		t.Errorf("the refused commit wrote something: %+v", c)
	}
	if p := s.RefPrefix("c"); p == 0 {
		t.Errorf("RefPrefix = 0")
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
	_, err := s.Claim(ctx, "c", "SM1")
	if err == nil || !redisstore.IsUnavailable(err) {
		t.Errorf("Claim with Redis down = %v; want an unavailable error", err)
	}
}

// TestVersionsNeverReused: a conversation that expired and began again does not
// reuse the versions of the old one, so a process that remembers the old one
// cannot commit over the new.
func TestVersionsNeverReused(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Commit{State: []byte("old"), Now: time.UnixMilli(5_000)}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	old, _ := s.Claim(ctx, "c", "SM2")
	rdb.Del(ctx, s.Key("c")) // the retention TTL ran out
	if _, ok, err := s.Commit(ctx, "c", "SM9", bot.Commit{State: []byte("new"), Now: time.UnixMilli(9_000)}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	now, ok, err := s.Commit(ctx, "c", "SM2", bot.Commit{Version: old.Version, State: []byte("stale")})
	if ok || err != nil || string(now.State) != "new" {
		t.Errorf("a commit from the expired conversation's version went through: %v %v %+v", ok, err, now)
	}
}

// TestLeaseTaken: a worker whose lease ran out (and was taken by another) can
// neither reschedule nor kill the job.
func TestLeaseTaken(t *testing.T) {
	s := redisstore.New(redisserver.Start(t).Client(), "test:")
	ctx := context.Background()
	t0 := time.UnixMilli(1_000_000)
	if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Commit{State: []byte("a"), Job: &bot.Job{Ref: "H-3AAAA", Data: []byte(`{"n":1}`)}, Now: t0}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	shard := redisstore.ShardOf("c")
	first, _ := s.ClaimJobs(ctx, shard, t0, time.Minute, 1)
	second, _ := s.ClaimJobs(ctx, shard, t0.Add(2*time.Minute), time.Minute, 1) // the first lease ran out
	if len(first) != 1 || len(second) != 1 || first[0].Lease == second[0].Lease {
		t.Fatalf("claims %+v and %+v", first, second)
	}
	stale := first[0]
	stale.Data = []byte(`{"n":2}`)
	if err := s.RetryJob(ctx, stale, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.KillJob(ctx, stale, time.Hour, nil, t0); err != nil {
		t.Fatal(err)
	}
	if dead, _ := s.Dead(ctx, shard, "H-3AAAA"); dead {
		t.Error("the worker that lost the lease killed the job")
	}
	// The job is still the second worker's: not due before its lease ends.
	if again, _ := s.ClaimJobs(ctx, shard, t0.Add(150*time.Second), time.Minute, 1); len(again) != 0 {
		t.Errorf("the stale retry rescheduled the job: %+v", again)
	}
	if err := s.FinishJob(ctx, second[0], second[0].Data, time.Hour); err != nil {
		t.Fatal(err)
	}
	if sent, _ := s.Sent(ctx, shard, "H-3AAAA"); !sent {
		t.Error("not marked sent")
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
	commit := func(at time.Time, remind time.Duration, state string) {
		t.Helper()
		c := bot.Commit{Version: version, State: []byte(state), StateTTL: time.Hour, Reply: []byte(`["r"]`), Now: at}
		if remind > 0 {
			c.RemindAt, c.Who = at.Add(remind), []byte(`{"c":"sms"}`)
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
	if err != nil || len(due) != 1 || string(due[0].State) != "state5" || string(due[0].Who) != `{"c":"sms"}` || due[0].Conv != "c" {
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
			if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Commit{State: []byte("a"), Now: time.Now()}); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			c, _ := s.Claim(ctx, "c", "SM2")
			if _, ok, err := s.Commit(ctx, "c", "SM2", bot.Commit{Version: c.Version, State: []byte("b"), Now: time.Now()}); !ok || err != nil {
				t.Fatalf("commit after SCRIPT FLUSH: %v, %v", ok, err)
			}
			if c, _ := s.Claim(ctx, "c", "SM3"); string(c.State) != "b" {
				t.Errorf("state after the commit = %q, want b", c.State)
			}
		})
	}
}

// TestCommitDeadline: the caller's deadline bounds the wait for a commit, on its
// own (go-redis with ContextTimeoutEnabled, as config sets it) or batched, though
// batched commands run on the autopipeliner's own context.
func TestCommitDeadline(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprint("batched=", batched), func(t *testing.T) {
			srv := redisserver.Start(t)
			if !srv.Real() {
				t.Skip("CLIENT PAUSE needs a real redis-server")
			}
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = rdb.Close() })
			s := redisstore.New(rdb, "test:")
			if batched {
				redisstore.AlwaysPipe(s)
			}
			if _, ok, err := s.Commit(context.Background(), "c", "SM1", bot.Commit{State: []byte("a"), Now: time.Now()}); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if err := rdb.Do(context.Background(), "CLIENT", "PAUSE", "1500", "WRITE").Err(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			v, _ := s.Claim(context.Background(), "c", "SM2")
			_, ok, err := s.Commit(ctx, "c", "SM2", bot.Commit{Version: v.Version, State: []byte("b"), Now: time.Now()})
			if ok || err == nil {
				t.Errorf("commit while Redis is paused: %v, %v; want an error", ok, err)
			}
			if waited := time.Since(start); waited > time.Second {
				t.Errorf("the commit waited %v past its 200ms deadline (%v)", waited, err)
			}
			// Whether it was applied, the claim that follows must say truly: a
			// batched commit stays queued, and the claim runs after it.
			claimCtx, cancelClaim := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancelClaim()
			first, err := s.Claim(claimCtx, "c", "SM2")
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Until(start.Add(1800 * time.Millisecond))) // the pause is over
			later, err := s.Claim(context.Background(), "c", "SM2")
			if err != nil || later.Duplicate != first.Duplicate {
				t.Errorf("the claim after the timed-out commit said applied=%v, later applied=%v (%v)", first.Duplicate, later.Duplicate, err)
			}
			if batched && !first.Duplicate {
				t.Errorf("the batched commit was not applied by the time its claim ran")
			}
		})
	}
}

// TestOlderLayoutIsNew: a conversation string of the layout before this one (a
// header of lengths, then id, ring, reply, who and state) reads as a new
// conversation, even when a ':' falls where this layout has one, and its next
// commit replaces it. Claim (Go) and the commit script (Lua) agree.
func TestOlderLayoutIsNew(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	reply := `["Reply: what is your ZIP code? ` + strings.Repeat("x", 200) + `"]`
	old := fmt.Sprintf("1764115200123 0 8 0 %d 0\n%s%s%s", len(reply), "abcd0123", reply, "state")
	if old[168] != ':' {
		// Put a ':' exactly where this layout keeps its mark.
		old = old[:168] + ":" + old[169:]
	}
	rdb.Set(ctx, s.Key("c"), old, time.Hour)
	c, err := s.Claim(ctx, "c", "SM1")
	if err != nil || c.Duplicate || c.Version != 0 || len(c.State) != 0 {
		t.Fatalf("Claim of an older-layout string = %+v, %v; want a new conversation", c, err)
	}
	now, ok, err := s.Commit(ctx, "c", "SM1", bot.Commit{State: []byte("fresh"), StateTTL: time.Hour, Reply: []byte(`["hi"]`), Now: time.UnixMilli(2_000_000)})
	if !ok || err != nil {
		t.Fatalf("commit over an older-layout string: %+v, %v, %v", now, ok, err)
	}
	if c, _ := s.Claim(ctx, "c", "SM2"); c.Version != 2_000_001 || string(c.State) != "fresh" {
		t.Errorf("after the commit: %+v", c)
	}
}
