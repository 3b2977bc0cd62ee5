// Package storetest is the contract every store of conversations must keep:
// package bot's Store, OutboxStore and ReminderStore, in the service's own values.
// The same suite runs against redisstore (on a real redis-server) and memstore, so
// that neither implementation alone defines what a store means.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	mail "github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
	"github.com/hotline-legal/hotline/flows"
)

// Store is everything the suite tests.
type Store interface {
	bot.Store
	bot.OutboxStore
	bot.ReminderStore
	bot.LoopStore
}

// Run runs the suite. open returns a new, empty store for each test; shards is how
// many shards its outbox and reminders are spread over; expire makes a
// conversation's TTL run out now (its message ids are kept 48 hours more).
func Run(t *testing.T, open func(t *testing.T) Store, shards int, expire func(t *testing.T, s Store, conv string)) {
	s := suite{open: open, shards: shards, expire: expire}
	t.Run("LoadCommit", s.loadCommit)
	t.Run("Dedupe48h", s.dedupe)
	t.Run("DedupeAfterExpiry", s.dedupeAfterExpiry)
	t.Run("MessagesWithoutID", s.withoutID)
	t.Run("RefTaken", s.refTaken)
	t.Run("Deadline", s.deadline)
	t.Run("OutboxLeases", s.outboxLeases)
	t.Run("OutboxRetryKill", s.outboxRetryKill)
	t.Run("OutboxRetryKeepsLease", s.outboxRetryKeepsLease)
	t.Run("TextAndLoopAlert", s.textAndLoopAlert)
	t.Run("Notice", s.notice)
	t.Run("TwoJobs", s.twoJobs)
	t.Run("HandoffAlone", s.handoffAlone)
	t.Run("Reminders", s.reminders)
	t.Run("Loops", s.loops)
}

type suite struct {
	open   func(t *testing.T) Store
	shards int
	expire func(t *testing.T, s Store, conv string)
}

// t0 is the suite's clock: the stores take every time they need as an argument.
var t0 = time.UnixMilli(1_764_000_000_000)

func state(step string, answers ...string) flows.State {
	st := flows.State{Step: step, Seen: t0.Unix()}
	for i := 0; i+1 < len(answers); i += 2 {
		st.Set(answers[i], answers[i+1])
	}
	return st
}

// commit commits and fails the test on an error.
func commit(t *testing.T, s Store, conv, msg string, c bot.Change) (bot.Snapshot, bool) {
	t.Helper()
	now, ok, err := s.Commit(context.Background(), conv, msg, c)
	if err != nil {
		t.Fatalf("Commit(%s, %s): %v", conv, msg, err)
	}
	return now, ok
}

func load(t *testing.T, s Store, conv, msg string) bot.Snapshot {
	t.Helper()
	snap, err := s.Load(context.Background(), conv, msg)
	if err != nil {
		t.Fatalf("Load(%s, %s): %v", conv, msg, err)
	}
	return snap
}

func (x suite) loadCommit(t *testing.T) {
	s := x.open(t)
	if snap := load(t, s, "c1", "SM1"); snap.Duplicate || snap.Version != 0 || snap.State.Step != "" {
		t.Fatalf("Load(new) = %+v; want an empty state at version 0", snap)
	}
	one := state("zip", "language", "es", "name", "María 😀")
	now, ok := commit(t, s, "c1", "SM1", bot.Change{State: one, TTL: time.Hour, Replies: []string{"hola", "¿ZIP?"}, Now: t0})
	// A new conversation's versions start at the time in ms, never reused.
	if !ok || now.Version != t0.UnixMilli()+1 {
		t.Fatalf("the first commit: %+v, %v; want version %d", now, ok, t0.UnixMilli()+1)
	}
	if snap := load(t, s, "c1", "SM1"); !snap.Duplicate || !reflect.DeepEqual(snap.Replies, []string{"hola", "¿ZIP?"}) || !reflect.DeepEqual(snap.State, one) {
		t.Fatalf("Load(same message) = %+v; want the duplicate, its replies and the state after it", snap)
	}
	snap := load(t, s, "c1", "SM2")
	if snap.Duplicate || snap.Version != now.Version || !reflect.DeepEqual(snap.State, one) {
		t.Fatalf("Load(next message) = %+v; want %+v at %d", snap, one, now.Version)
	}
	// A commit stepped from an old version changes nothing and returns the newer one.
	stale, ok := commit(t, s, "c1", "SM2", bot.Change{State: state("stale"), TTL: time.Hour, Now: t0})
	if ok || stale.Duplicate || stale.Version != now.Version || !reflect.DeepEqual(stale.State, one) {
		t.Fatalf("stale Commit = %+v, %v; want the conversation at %d", stale, ok, now.Version)
	}
	// A commit of a message already applied returns its replies, whatever the version.
	if dup, ok := commit(t, s, "c1", "SM1", bot.Change{Version: now.Version, State: state("again"), TTL: time.Hour, Now: t0}); ok || !dup.Duplicate || len(dup.Replies) != 2 || !reflect.DeepEqual(dup.State, one) {
		t.Fatalf("Commit(duplicate) = %+v, %v; want its replies and the state after it", dup, ok)
	}
	two := state("problem")
	next, ok := commit(t, s, "c1", "SM2", bot.Change{Version: now.Version, State: two, TTL: time.Hour, Replies: []string{"b"}, Now: t0})
	if !ok || next.Version != now.Version+1 {
		t.Fatalf("the second commit: %+v, %v", next, ok)
	}
	// SM1 is no longer the last message: a late duplicate of it gets nothing.
	if snap := load(t, s, "c1", "SM1"); !snap.Duplicate || snap.Replies != nil {
		t.Fatalf("Load(older message) = %+v; want a duplicate without replies", snap)
	}
	if dup, ok := commit(t, s, "c1", "SM1", bot.Change{Version: next.Version, State: state("x"), TTL: time.Hour, Now: t0}); ok || !dup.Duplicate || dup.Replies != nil {
		t.Fatalf("Commit(older duplicate) = %+v, %v", dup, ok)
	}
	// Conversations are apart.
	if snap := load(t, s, "c2", "SM2"); snap.Duplicate || snap.Version != 0 {
		t.Errorf("another conversation = %+v", snap)
	}
	// An opt-out is kept without a TTL; the state is exactly what was saved.
	out := flows.State{Flags: flows.OptedOut, Seen: t0.Unix()}
	out.Set("language", "es")
	commit(t, s, "c1", "SM3", bot.Change{Version: next.Version, State: out, Replies: []string{"bye"}, Now: t0})
	if snap := load(t, s, "c1", "SM4"); !reflect.DeepEqual(snap.State, out) {
		t.Errorf("after the opt-out: %+v; want %+v", snap.State, out)
	}
}

// dedupe: every message of a long conversation is known as applied, not only the
// last few: a replay within 48 hours is never applied twice.
func (x suite) dedupe(t *testing.T) {
	s := x.open(t)
	version := int64(0)
	const n = 60
	for i := 0; i < n; i++ {
		now, ok := commit(t, s, "c", fmt.Sprintf("SM%03d", i), bot.Change{Version: version, State: state(fmt.Sprint("step", i)), TTL: time.Hour, Replies: []string{fmt.Sprint("reply ", i)}, Now: t0})
		if !ok {
			t.Fatalf("message %d not committed: %+v", i, now)
		}
		version = now.Version
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("SM%03d", i)
		snap := load(t, s, "c", id)
		if !snap.Duplicate {
			t.Errorf("message %d: Load says it was not applied", i)
		}
		dup, ok := commit(t, s, "c", id, bot.Change{Version: version, State: state("replayed"), TTL: time.Hour, Now: t0})
		if ok || !dup.Duplicate {
			t.Fatalf("message %d replayed: committed=%v %+v", i, ok, dup)
		}
		want := []string(nil)
		if i == n-1 {
			want = []string{fmt.Sprint("reply ", i)}
		}
		if !reflect.DeepEqual(dup.Replies, want) {
			t.Errorf("message %d replayed got %q; want %q (its own replies for the last, none for older: never a wrong one)", i, dup.Replies, want)
		}
	}
	if snap := load(t, s, "c", "SM999"); snap.Version != version || snap.State.Step != fmt.Sprint("step", n-1) {
		t.Errorf("after the replays the conversation is %+v; want step%d at %d", snap, n-1, version)
	}
}

// dedupeAfterExpiry: a conversation whose TTL ran out (an ended one is kept only
// 48 hours, a quiet one only HOTLINE_RETENTION, which may be an hour) starts
// again, but its messages' ids are still known: a replay is not applied to the
// new conversation.
func (x suite) dedupeAfterExpiry(t *testing.T) {
	s := x.open(t)
	first, _ := commit(t, s, "c", "SM1", bot.Change{State: state("zip"), TTL: time.Hour, Replies: []string{"zip?"}, Now: t0})
	commit(t, s, "c", "SM2", bot.Change{Version: first.Version, State: state("problem"), TTL: time.Hour, Replies: []string{"problem?"}, Now: t0})
	x.expire(t, s, "c")
	if snap := load(t, s, "c", "SM3"); snap.Version != 0 || snap.State.Step != "" {
		t.Fatalf("after the TTL the conversation is %+v; want a new one", snap)
	}
	for _, id := range []string{"SM1", "SM2"} {
		if snap := load(t, s, "c", id); !snap.Duplicate {
			t.Errorf("%s after the conversation expired: Load says it was not applied", id)
		}
		if dup, ok := commit(t, s, "c", id, bot.Change{State: state("replayed"), TTL: time.Hour, Now: t0.Add(time.Hour)}); ok || !dup.Duplicate {
			t.Errorf("%s replayed after the conversation expired: committed %v (%+v)", id, ok, dup)
		}
	}
	if _, ok := commit(t, s, "c", "SM3", bot.Change{State: state("new"), TTL: time.Hour, Now: t0.Add(time.Hour)}); !ok {
		t.Error("a new message after the expiry was not committed")
	}
}

// withoutID: messages without an id are applied every time, and keep the last
// message with an id and its replies, for its duplicates.
func (x suite) withoutID(t *testing.T) {
	s := x.open(t)
	now, _ := commit(t, s, "c", "SM1", bot.Change{State: state("a"), TTL: time.Hour, Replies: []string{"first"}, Now: t0})
	v := now.Version
	for i := 0; i < 3; i++ {
		snap := load(t, s, "c", "")
		if snap.Duplicate || snap.Version != v {
			t.Fatalf("Load without id = %+v, want version %d", snap, v)
		}
		next, ok := commit(t, s, "c", "", bot.Change{Version: v, State: state(fmt.Sprint("x", i)), TTL: time.Hour, Replies: []string{"no id"}, Now: t0})
		if !ok {
			t.Fatalf("a message without an id was not committed: %+v", next)
		}
		v = next.Version
	}
	if snap := load(t, s, "c", "SM1"); !snap.Duplicate || !reflect.DeepEqual(snap.Replies, []string{"first"}) {
		t.Errorf("after messages without an id, SM1 again = %+v; want the duplicate with its replies", snap)
	}
	if snap := load(t, s, "c", "SM2"); snap.Duplicate || snap.State.Step != "x2" || snap.Version != v {
		t.Errorf("after messages without an id, the conversation = %+v; want x2 at %d", snap, v)
	}
}

// referral is a referral as the sample pack makes one.
func referral(ref string) *hotline.Referral {
	return &hotline.Referral{
		Ref: ref, At: t0.UTC(), OrgID: "tenant-clinic", OrgName: "Tenant Rights Clinic", OrgEmail: "intake@example.org",
		OrgPhone: "(312) 555-0111", ProgramID: "eviction-defense", IncludeAnswers: true, EmailLanguage: "en",
		Urgent: true, UrgentReasons: []string{"court hearing within 14 days"}, CaseType: "housing", CaseLabel: "Housing",
		CaseCode: "63", Name: "María", Callback: "+13125550142", Channel: "sms", Language: "es", Opponent: "Acme",
		ZIP: "60612", Household: 3, MonthlyIncomeCents: 200000, IncomeKnown: true, PovertyPercent: 87.85,
		IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []hotline.QA{{Question: "Court date", Kind: "date", Value: "2026-11-30"}, {Question: "Problem", Kind: "choice", Value: "housing", Label: "Housing"}},
	}
}

func email(ref string) *bot.Email {
	return &bot.Email{
		Kind: bot.EmailReferral, ID: "0123456789abcdef", Reference: ref, OrgID: "tenant-clinic", Created: t0.UTC(),
		Message: message(ref, "intake@example.org"), Referral: referral(ref),
	}
}

// message is an email as rendered, with a person's words in it.
func message(ref, to string) mail.Message {
	return mail.Message{
		MessageID: ref + ".0123456789abcdef@example.org", Ref: ref, From: "Hotline <hotline@example.org>", To: to,
		Subject: "[Hotline referral " + ref + "] Housing", Date: t0.UTC(),
		Text: "Name: María 😀\nCallback: (312) 555-0142\n", HTML: "<p>Name: <b>María 😀</b></p>",
	}
}

// refTaken: a reference in use (queued, delivered or dead) is refused, and
// nothing of the commit is written.
func (x suite) refTaken(t *testing.T) {
	s := x.open(t)
	first, ok := commit(t, s, "c", "SM1", bot.Change{State: state("a"), TTL: time.Hour, Email: email("H-3AAAA"), Now: t0})
	if !ok {
		t.Fatal("the first referral was not committed")
	}
	_, ok, err := s.Commit(context.Background(), "c", "SM2", bot.Change{Version: first.Version, State: state("b"), TTL: time.Hour, Email: email("H-3AAAA"), Now: t0})
	if ok || !errors.Is(err, bot.ErrRefTaken) {
		t.Fatalf("a second email with the same reference: %v, %v; want ErrRefTaken", ok, err)
	}
	if snap := load(t, s, "c", "SM2"); snap.Version != first.Version || snap.State.Step != "a" {
		t.Errorf("the refused commit wrote something: %+v", snap)
	}
	// A prefix is none (0), or a character references may hold.
	if p := s.RefPrefix("c"); p != 0 && !strings.ContainsRune(bot.ReferenceAlphabet, rune(p)) || p != s.RefPrefix("c") {
		t.Errorf("RefPrefix = %q", p)
	}
	// Delivered, the reference stays taken.
	jobs := x.claimAll(t, s, t0, time.Minute)
	if len(jobs) != 1 {
		t.Fatalf("claimed %d jobs, want 1", len(jobs))
	}
	if err := s.FinishJob(context.Background(), jobs[0], time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Commit(context.Background(), "c", "SM2", bot.Change{Version: first.Version, State: state("b"), TTL: time.Hour, Email: email("H-3AAAA"), Now: t0}); !errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("a delivered reference used again: %v; want ErrRefTaken", err)
	}
}

// deadline: a commit that reaches the store after its deadline saves nothing,
// not its state, its message id, its email nor its reminder, so that a message
// the person was told failed is never applied; its retry with a new deadline
// goes through. A duplicate is answered as one whatever its deadline, and a
// deadline in the future, or none, changes nothing.
func (x suite) deadline(t *testing.T) {
	s := x.open(t)
	first, _ := commit(t, s, "c", "SM1", bot.Change{State: state("zip"), TTL: time.Hour, Replies: []string{"zip?"}, Now: t0})
	past := time.UnixMilli(1) // past by any store's clock
	late := bot.Change{Version: first.Version, State: state("problem"), TTL: time.Hour, Replies: []string{"problem?"},
		Email: email("H-3DDDD"), Reminder: &bot.Reminder{At: t0, To: hotline.Conversation{Channel: "sms", From: "+13125550100"}},
		Now: t0, Deadline: past}
	if now, ok, err := s.Commit(context.Background(), "c", "SM2", late); ok || !errors.Is(err, bot.ErrDeadline) {
		t.Fatalf("Commit past its deadline = %+v, %v, %v; want ErrDeadline", now, ok, err)
	}
	// The context's deadline counts as the change's.
	expired, cancel := context.WithDeadline(context.Background(), past)
	defer cancel()
	if _, ok, err := s.Commit(expired, "c", "SM2", bot.Change{Version: first.Version, State: state("problem"), TTL: time.Hour, Now: t0}); ok || err == nil {
		t.Errorf("Commit with its context's deadline passed = %v, %v; want an error", ok, err)
	}
	if snap := load(t, s, "c", "SM2"); snap.Duplicate || snap.Version != first.Version || snap.State.Step != "zip" {
		t.Fatalf("after the late commit, Load = %+v; want SM2 not applied, the conversation at zip", snap)
	}
	if jobs := x.claimAll(t, s, t0.Add(time.Hour), time.Minute); len(jobs) != 0 {
		t.Errorf("the late commit queued %d emails", len(jobs))
	}
	if due, err := s.ClaimReminders(context.Background(), 0, t0.Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("the late commit scheduled reminders %+v (%v)", due, err)
	}
	// Sent again (the person was told to), the message applies once.
	late.Deadline = time.Now().Add(time.Minute)
	next, ok := commit(t, s, "c", "SM2", late)
	if !ok || next.Version != first.Version+1 {
		t.Fatalf("the retry within its deadline = %+v, %v", next, ok)
	}
	// Duplicates are answered as such after their deadline: the last message with
	// its replies, an older one without.
	late.Deadline = past
	if dup, ok, err := s.Commit(context.Background(), "c", "SM2", late); ok || err != nil || !dup.Duplicate || !reflect.DeepEqual(dup.Replies, []string{"problem?"}) {
		t.Errorf("the last message again, past its deadline = %+v, %v, %v; want its duplicate", dup, ok, err)
	}
	if dup, ok, err := s.Commit(context.Background(), "c", "SM1", late); ok || err != nil || !dup.Duplicate {
		t.Errorf("an older message again, past its deadline = %+v, %v, %v; want its duplicate", dup, ok, err)
	}
}

// claimAll claims the due jobs of every shard.
func (x suite) claimAll(t *testing.T, s Store, now time.Time, lease time.Duration) []bot.Job {
	t.Helper()
	var all []bot.Job
	for shard := 0; shard < x.shards; shard++ {
		jobs, err := s.ClaimJobs(context.Background(), shard, now, lease, 10)
		if err != nil {
			t.Fatalf("ClaimJobs(%d): %v", shard, err)
		}
		all = append(all, jobs...)
	}
	return all
}

// outboxLeases: a job queued with its conversation is claimed with the referral
// as it was, leased so that no one else takes it before the lease ends, and a
// finished job is never handed out again.
func (x suite) outboxLeases(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	want := email("H-3BBBB")
	queued := func(ref string) bool {
		t.Helper()
		q, err := s.Queued(ctx, "c", ref)
		if err != nil {
			t.Fatalf("Queued(%s): %v", ref, err)
		}
		return q
	}
	if queued("H-3BBBB") {
		t.Error("Queued before the referral was made")
	}
	commit(t, s, "c", "SM1", bot.Change{State: state(""), TTL: time.Hour, Email: want, Now: t0})
	if !queued("H-3BBBB") {
		t.Error("a referral just made is not Queued")
	}
	if depth, oldest, err := s.OutboxStats(ctx); err != nil || depth != 1 || !oldest.Equal(t0) {
		t.Errorf("OutboxStats = %d, %v, %v; want 1 queued at %v", depth, oldest, err, t0)
	}
	first := x.claimAll(t, s, t0, time.Minute)
	if len(first) != 1 || first[0].Ref != "H-3BBBB" || first[0].Lease == "" {
		t.Fatalf("first claim = %+v", first)
	}
	if !reflect.DeepEqual(first[0].Email, *want) {
		t.Errorf("the job came back as\n%+v\nwant\n%+v", first[0].Email, *want)
	}
	if again := x.claimAll(t, s, t0.Add(30*time.Second), time.Minute); len(again) != 0 {
		t.Errorf("claimed again within its lease: %+v", again)
	}
	second := x.claimAll(t, s, t0.Add(2*time.Minute), time.Minute) // the first lease ran out
	if len(second) != 1 || second[0].Lease == first[0].Lease {
		t.Fatalf("claim after the lease = %+v", second)
	}
	// The worker that lost the lease can neither reschedule nor kill the job,
	// and is told so.
	stale := first[0]
	stale.Attempts = 7
	if err := s.RetryJob(ctx, stale, t0.Add(time.Hour)); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("RetryJob by the worker whose lease ran out = %v; want ErrLeaseLost", err)
	}
	if err := s.KillJob(ctx, stale, time.Hour, nil, t0); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("KillJob by the worker whose lease ran out = %v; want ErrLeaseLost", err)
	}
	if again := x.claimAll(t, s, t0.Add(150*time.Second), time.Minute); len(again) != 0 {
		t.Errorf("the stale worker rescheduled the job within the second lease: %+v", again)
	}
	// When the second lease runs out too, the job comes back as it was: neither
	// killed nor changed by the worker whose lease had gone.
	third := x.claimAll(t, s, t0.Add(3*time.Minute+time.Second), time.Minute)
	if len(third) != 1 || third[0].Attempts != 0 {
		t.Fatalf("after the second lease: %+v; want the job back, untouched", third)
	}
	if !queued("H-3BBBB") {
		t.Error("a claimed job is not Queued: it is not delivered yet")
	}
	if err := s.FinishJob(ctx, third[0], time.Hour); err != nil {
		t.Fatal(err)
	}
	if queued("H-3BBBB") {
		t.Error("a delivered job is still Queued")
	}
	if again := x.claimAll(t, s, t0.Add(24*time.Hour), time.Minute); len(again) != 0 {
		t.Errorf("a delivered job was handed out again: %+v", again)
	}
	if depth, _, err := s.OutboxStats(ctx); err != nil || depth != 0 {
		t.Errorf("OutboxStats after delivery = %d, %v; want 0", depth, err)
	}
}

// outboxRetryKill: a retried job comes back when due with its attempts; a killed
// one never does, and its alert is queued in its place.
func (x suite) outboxRetryKill(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	commit(t, s, "c", "SM1", bot.Change{State: state(""), TTL: time.Hour, Email: email("H-3CCCC"), Now: t0})
	job := x.claimAll(t, s, t0, time.Minute)[0]
	job.Attempts, job.LastError = 1, "451 try later"
	if err := s.RetryJob(ctx, job, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if early := x.claimAll(t, s, t0.Add(5*time.Second), time.Minute); len(early) != 0 {
		t.Errorf("a retried job came back before it was due: %+v", early)
	}
	again := x.claimAll(t, s, t0.Add(10*time.Second), time.Minute)
	if len(again) != 1 || again[0].Attempts != 1 || again[0].LastError != "451 try later" {
		t.Fatalf("the retried job = %+v; want it with 1 attempt", again)
	}
	alert := &bot.Email{Kind: bot.EmailAlert, ID: "fedcba9876543210", Reference: "H-3CCCC", OrgID: "tenant-clinic",
		Created: t0.UTC(), Message: message("H-3CCCC", "coordinator@example.org")}
	if err := s.KillJob(ctx, again[0], time.Hour, alert, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if q, err := s.Queued(ctx, "c", "H-3CCCC"); err != nil || q {
		t.Errorf("Queued(a dead referral) = %v, %v; want false", q, err)
	}
	jobs := x.claimAll(t, s, t0.Add(24*time.Hour), time.Minute)
	if len(jobs) != 1 || jobs[0].Ref != "alert:H-3CCCC" || !reflect.DeepEqual(jobs[0].Email, *alert) {
		t.Fatalf("after the kill: %+v; want only the alert", jobs)
	}
	// The dead referral's reference stays taken.
	v := load(t, s, "c", "SM2").Version
	if _, _, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: v, State: state(""), TTL: time.Hour, Email: email("H-3CCCC"), Now: t0}); !errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("a dead referral's reference used again: %v; want ErrRefTaken", err)
	}
}

// outboxRetryKeepsLease: a worker that reschedules its job keeps it until
// another claim takes it (as a text's worker does, marking the job as being
// sent before it sends): it may retry or kill it again; once another worker
// has claimed it, it can do neither, and the job is the other's.
func (x suite) outboxRetryKeepsLease(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	commit(t, s, "c", "SM1", bot.Change{State: state(""), TTL: time.Hour, Email: email("H-3KKKK"), Now: t0})
	job := x.claimAll(t, s, t0, time.Minute)[0]
	job.Attempts, job.LastError = 1, "being sent"
	if err := s.RetryJob(ctx, job, t0.Add(30*time.Second)); err != nil {
		t.Fatalf("RetryJob by the lease's holder = %v", err)
	}
	job.Attempts, job.LastError = 1, "451 try later"
	if err := s.RetryJob(ctx, job, t0.Add(10*time.Second)); err != nil {
		t.Fatalf("RetryJob again by the same worker = %v; it still holds the job", err)
	}
	if early := x.claimAll(t, s, t0.Add(5*time.Second), time.Minute); len(early) != 0 {
		t.Fatalf("claimed before its second due time: %+v", early)
	}
	other := x.claimAll(t, s, t0.Add(10*time.Second), time.Minute)
	if len(other) != 1 || other[0].LastError != "451 try later" || other[0].Lease == job.Lease {
		t.Fatalf("the claim after the second due time = %+v; want the job as last retried, under a new lease", other)
	}
	job.LastError = "stale"
	if err := s.RetryJob(ctx, job, t0.Add(time.Hour)); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("RetryJob by the first worker after another's claim = %v; want ErrLeaseLost", err)
	}
	if err := s.KillJob(ctx, job, time.Hour, nil, t0); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("KillJob by the first worker after another's claim = %v; want ErrLeaseLost", err)
	}
	// The new holder's word stands.
	if err := s.KillJob(ctx, other[0], time.Hour, nil, t0.Add(10*time.Second)); err != nil {
		t.Fatalf("KillJob by the new holder = %v", err)
	}
	if err := s.RetryJob(ctx, other[0], t0.Add(time.Hour)); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("RetryJob of a dead job = %v; want ErrLeaseLost", err)
	}
	if left := x.claimAll(t, s, t0.Add(24*time.Hour), time.Minute); len(left) != 0 {
		t.Errorf("a dead job came back: %+v", left)
	}
}

// textJob is a text to a person about a referral, not before a time.
func textJob(ref string) *bot.Email {
	return &bot.Email{
		Kind: bot.EmailText, ID: "0123456789abcdef", Reference: ref, Created: t0.UTC(),
		Text:      &bot.Text{To: hotline.Conversation{Channel: "whatsapp", From: "+13125550142", To: "+13125550100"}, Body: "¿La Clínica lo llamó? 1 = sí, 2 = no"},
		NotBefore: t0.Add(9 * time.Hour).UTC(),
	}
}

// textAndLoopAlert: a text job and a loop's alert come back as queued (the
// text's conversation and words, its NotBefore), each under its own
// reference apart from the referral's; a retried text keeps them; a killed
// one queues no alert and is gone.
func (x suite) textAndLoopAlert(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	text := textJob("H-3TTTT")
	alert := &bot.Email{Kind: bot.EmailLoopAlert, ID: "00112233445566bb", Reference: "H-3TTTT", OrgID: "tenant-clinic",
		Created: t0.UTC(), Message: message("H-3TTTT", "coordinator@example.org"), NotBefore: t0.Add(time.Hour).UTC()}
	if text.Ref() == alert.Ref() || text.Ref() == "H-3TTTT" || alert.Ref() == "H-3TTTT" {
		t.Fatalf("references %q and %q are not apart from the referral's", text.Ref(), alert.Ref())
	}
	first, _ := commit(t, s, "c", "SM1", bot.Change{State: state(""), TTL: time.Hour, Email: text, Now: t0})
	commit(t, s, "c", "SM2", bot.Change{Version: first.Version, State: state(""), TTL: time.Hour, Email: alert, Now: t0})
	jobs := x.jobsByRef(t, s, t0)
	if len(jobs) != 2 || !reflect.DeepEqual(jobs[text.Ref()].Email, *text) || !reflect.DeepEqual(jobs[alert.Ref()].Email, *alert) {
		t.Fatalf("claimed %+v; want the text and the loop alert as queued", jobs)
	}
	job := jobs[text.Ref()]
	job.Attempts, job.LastError = 1, "Twilio error 20500 (HTTP 500)"
	if err := s.RetryJob(ctx, job, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	again := x.jobsByRef(t, s, t0.Add(2*time.Minute))[text.Ref()]
	want := *text
	want.Attempts, want.LastError = 1, "Twilio error 20500 (HTTP 500)"
	if !reflect.DeepEqual(again.Email, want) {
		t.Fatalf("the retried text came back as\n%+v\nwant\n%+v", again.Email, want)
	}
	if err := s.KillJob(ctx, again, time.Hour, nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishJob(ctx, jobs[alert.Ref()], time.Hour); err != nil {
		t.Fatal(err)
	}
	if left := x.claimAll(t, s, t0.Add(24*time.Hour), time.Minute); len(left) != 0 {
		t.Errorf("after the text died and the alert went: %+v; want nothing", left)
	}
	if depth, _, err := s.OutboxStats(ctx); err != nil || depth != 0 {
		t.Errorf("OutboxStats = %d, %v; want 0", depth, err)
	}
}

// notice: the coordinator's needs-a-person notice is queued with its change
// under "notice:" and its reference, comes back as it was queued, is delivered
// like any job, and dies without an alert; its reference does not collide with
// a referral's of the same characters, and is taken once used.
func (x suite) notice(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	n := &bot.Email{Kind: bot.EmailNotice, ID: "00112233445566aa", Reference: "H-3NNNN", Created: t0.UTC(),
		Message: message("H-3NNNN", "coordinator@example.org")}
	first, _ := commit(t, s, "c", "SM1", bot.Change{State: state("zip"), TTL: time.Hour, Email: n, Now: t0})
	jobs := x.claimAll(t, s, t0, time.Minute)
	if len(jobs) != 1 || jobs[0].Ref != "notice:H-3NNNN" || !reflect.DeepEqual(jobs[0].Email, *n) {
		t.Fatalf("claimed %+v; want the notice, as queued, under notice:H-3NNNN", jobs)
	}
	// A referral of the same characters is another job.
	second, ok := commit(t, s, "c", "SM2", bot.Change{Version: first.Version, State: state(""), TTL: time.Hour, Email: email("H-3NNNN"), Now: t0})
	if !ok {
		t.Fatal("a referral whose reference a notice holds was refused")
	}
	// Retried, it comes back with its attempts; killed, it queues no alert.
	job := jobs[0]
	job.Attempts, job.LastError = 1, "451 later"
	if err := s.RetryJob(ctx, job, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	var again bot.Job
	for _, j := range x.claimAll(t, s, t0.Add(2*time.Minute), time.Minute) {
		if j.Kind == bot.EmailNotice {
			again = j
		}
	}
	if again.Ref != "notice:H-3NNNN" || again.Attempts != 1 || again.Message.Text != n.Message.Text {
		t.Fatalf("the retried notice came back as %+v", again)
	}
	if err := s.KillJob(ctx, again, time.Hour, nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if left := x.claimAll(t, s, t0.Add(24*time.Hour), time.Minute); len(left) != 1 || left[0].Kind != bot.EmailReferral || left[0].Ref != "H-3NNNN" {
		t.Errorf("after the notice died: %+v; want only the referral", left)
	}
	// The dead notice's reference stays taken.
	if _, _, err := s.Commit(ctx, "c", "SM3", bot.Change{Version: second.Version, State: state(""), TTL: time.Hour, Email: n, Now: t0}); !errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("a dead notice's reference used again: %v; want ErrRefTaken", err)
	}
}

// reminders: a reminder is handed out once, when due, with the state and whom to
// text; a later message moves it later, a message without one drops it.
func (x suite) reminders(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	to := hotline.Conversation{Channel: "whatsapp", From: "+5215512345678", To: "+13125550100"}
	claim := func(now time.Time) []bot.DueReminder {
		t.Helper()
		var all []bot.DueReminder
		for shard := 0; shard < x.shards; shard++ {
			due, err := s.ClaimReminders(ctx, shard, now, 10)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, due...)
		}
		return all
	}
	version := int64(0)
	send := func(msg string, at time.Time, remind time.Duration, st flows.State) {
		t.Helper()
		c := bot.Change{Version: version, State: st, TTL: 24 * time.Hour, Now: at}
		if remind > 0 {
			c.Reminder = &bot.Reminder{At: at.Add(remind), To: to}
		}
		now, ok := commit(t, s, "c", msg, c)
		if !ok {
			t.Fatalf("%s not committed", msg)
		}
		version = now.Version
	}
	send("SM1", t0, 2*time.Hour, state("zip"))
	send("SM2", t0.Add(time.Minute), 2*time.Hour, state("problem", "zip", "60612"))
	if due := claim(t0.Add(2 * time.Hour)); len(due) != 0 {
		t.Fatalf("a reminder moved later by the second message came at the first's time: %+v", due)
	}
	due := claim(t0.Add(time.Minute + 2*time.Hour))
	if len(due) != 1 || due[0].To != to || !reflect.DeepEqual(due[0].State, state("problem", "zip", "60612")) || due[0].Conv != "c" {
		t.Fatalf("the due reminder = %+v", due)
	}
	if again := claim(t0.Add(48 * time.Hour)); len(again) != 0 {
		t.Fatalf("a reminder was handed out twice: %+v", again)
	}
	// The conversation is unchanged for its next commit: the version still holds.
	send("SM3", t0.Add(3*time.Hour), time.Hour, state("household"))
	send("SM4", t0.Add(3*time.Hour+time.Minute), 0, state("")) // the end: no reminder
	if due := claim(t0.Add(72 * time.Hour)); len(due) != 0 {
		t.Errorf("a reminder after the end: %+v", due)
	}
}

// handoffJob is a referral's JSON hand-off as the service queues it. Its body
// has what a re-encoding would change (spaces, a line break, <, & and
// non-ASCII), to show that it comes back byte for byte.
func handoffJob(ref string) *bot.Email {
	r := referral(ref)
	r.Handoff = &hotline.Handoff{URL: "https://intake.example.org/hotline", SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Email: true}
	return &bot.Email{
		Kind: bot.EmailHandoff, ID: "00aa11bb22cc33dd", Reference: ref, OrgID: "tenant-clinic", Created: t0.UTC(), Referral: r,
		Handoff: &handoff.Request{URL: r.Handoff.URL, SecretEnv: r.Handoff.SecretEnv,
			Body: []byte("{\"schema_version\": 1, \"reference\":\"" + ref + "\",\n \"name\":\"María 😀 <b>&amp;\\u00e9\"}")},
	}
}

// jobsByRef claims every due job and returns them by reference.
func (x suite) jobsByRef(t *testing.T, s Store, now time.Time) map[string]bot.Job {
	t.Helper()
	out := map[string]bot.Job{}
	for _, j := range x.claimAll(t, s, now, time.Minute) {
		out[j.Ref] = j
	}
	return out
}

// twoJobs: a change queues a referral's email and its JSON hand-off together,
// each under its own reference, each delivered on its own. When either
// reference is in use (queued, delivered or dead), the commit is refused with
// ErrRefTaken, and when both jobs name one (a bug) with another error; either
// way nothing of it is written: not the state, not the message id, not the
// other job.
func (x suite) twoJobs(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	mail, post := email("H-3HHHH"), handoffJob("H-3HHHH")
	first, ok := commit(t, s, "c", "SM1", bot.Change{State: state("a"), TTL: time.Hour, Email: mail, Handoff: post, Now: t0})
	if !ok {
		t.Fatal("a referral with its hand-off was not committed")
	}
	if q, err := s.Queued(ctx, "c", "H-3HHHH"); err != nil || !q {
		t.Errorf("Queued = %v, %v; want true", q, err)
	}
	if depth, _, err := s.OutboxStats(ctx); err != nil || depth != 2 {
		t.Errorf("OutboxStats = %d, %v; want 2 jobs", depth, err)
	}
	jobs := x.jobsByRef(t, s, t0)
	if len(jobs) != 2 || !reflect.DeepEqual(jobs["H-3HHHH"].Email, *mail) || !reflect.DeepEqual(jobs["handoff:H-3HHHH"].Email, *post) {
		t.Fatalf("claimed %+v; want the email under H-3HHHH and the hand-off, as queued, under handoff:H-3HHHH", jobs)
	}
	if got := string(jobs["handoff:H-3HHHH"].Handoff.Body); got != string(post.Handoff.Body) {
		t.Errorf("the hand-off's body came back as %q, want %q byte for byte", got, post.Handoff.Body)
	}
	// Delivered one by one: the referral is Queued while either waits.
	if err := s.FinishJob(ctx, jobs["H-3HHHH"], time.Hour); err != nil {
		t.Fatal(err)
	}
	if q, err := s.Queued(ctx, "c", "H-3HHHH"); err != nil || !q {
		t.Errorf("Queued with the hand-off still waiting = %v, %v; want true", q, err)
	}
	if err := s.FinishJob(ctx, jobs["handoff:H-3HHHH"], time.Hour); err != nil {
		t.Fatal(err)
	}
	if q, err := s.Queued(ctx, "c", "H-3HHHH"); err != nil || q {
		t.Errorf("Queued after both were delivered = %v, %v; want false", q, err)
	}
	// Either reference taken refuses the whole commit.
	refused := []struct {
		name       string
		mail, post *bot.Email
	}{
		{"the hand-off's reference delivered", email("H-3JJJJ"), handoffJob("H-3HHHH")},
		{"the email's reference delivered", email("H-3HHHH"), handoffJob("H-3KKKK")},
	}
	for _, tc := range refused {
		c := bot.Change{Version: first.Version, State: state("b"), TTL: time.Hour, Email: tc.mail, Handoff: tc.post, Now: t0}
		if _, ok, err := s.Commit(ctx, "c", "SM2", c); ok || !errors.Is(err, bot.ErrRefTaken) {
			t.Errorf("%s: %v, %v; want ErrRefTaken", tc.name, ok, err)
		}
	}
	same := bot.Change{Version: first.Version, State: state("b"), TTL: time.Hour, Email: handoffJob("H-3MMMM"), Handoff: handoffJob("H-3MMMM"), Now: t0}
	if _, ok, err := s.Commit(ctx, "c", "SM2", same); ok || err == nil || errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("both jobs under one reference: %v, %v; want an error other than ErrRefTaken (drawing another reference would not help)", ok, err)
	}
	if snap := load(t, s, "c", "SM2"); snap.Duplicate || snap.Version != first.Version || snap.State.Step != "a" {
		t.Errorf("the refused commits wrote something: %+v", snap)
	}
	if left := x.claimAll(t, s, t0.Add(time.Hour), time.Minute); len(left) != 0 {
		t.Errorf("the refused commits queued %+v", left)
	}
	// The same message with fresh references goes through.
	if _, ok := commit(t, s, "c", "SM2", bot.Change{Version: first.Version, State: state("b"), TTL: time.Hour,
		Email: email("H-3NNNN"), Handoff: handoffJob("H-3NNNN"), Now: t0}); !ok {
		t.Error("SM2 with free references was not committed")
	}
	if jobs := x.jobsByRef(t, s, t0.Add(2*time.Hour)); len(jobs) != 2 {
		t.Errorf("after SM2: %d jobs, want 2", len(jobs))
	}
	x.crossKinds(t, s)
}

// crossKinds: a referral's email and its hand-off take each other's
// reference, each alone too: a hand-off alone is refused a reference that an
// email (queued, delivered or dead) has, and an email one that a hand-off
// has. Every commit is in conversation c, whose shard holds the references.
func (x suite) crossKinds(t *testing.T, s Store) {
	ctx := context.Background()
	step := func(msg string, c bot.Change) {
		t.Helper()
		c.Version, c.State, c.TTL, c.Now = load(t, s, "c", "").Version, state(msg), time.Hour, t0
		if _, ok := commit(t, s, "c", msg, c); !ok {
			t.Fatalf("%s was not committed", msg)
		}
	}
	// Queued: a hand-off alone (H-3PPPP) and an email alone (H-3QQQQ).
	step("SM3", bot.Change{Handoff: handoffJob("H-3PPPP")})
	step("SM4", bot.Change{Email: email("H-3QQQQ")})
	// Dead: a hand-off alone (H-3RRRR) and an email alone (H-3SSSS);
	// delivered: a hand-off alone (H-3TTTT).
	step("SM5", bot.Change{Handoff: handoffJob("H-3RRRR")})
	step("SM6", bot.Change{Email: email("H-3SSSS")})
	step("SM7", bot.Change{Handoff: handoffJob("H-3TTTT")})
	jobs := x.jobsByRef(t, s, t0.Add(3*time.Hour))
	for _, ref := range []string{"handoff:H-3RRRR", "H-3SSSS"} {
		if err := s.KillJob(ctx, jobs[ref], time.Hour, nil, t0); err != nil {
			t.Fatalf("KillJob(%s): %v", ref, err)
		}
	}
	if err := s.FinishJob(ctx, jobs["handoff:H-3TTTT"], time.Hour); err != nil {
		t.Fatal(err)
	}
	v := load(t, s, "c", "").Version
	for _, tc := range []struct {
		name       string
		mail, post *bot.Email
	}{
		{"an email of a queued hand-off's reference", email("H-3PPPP"), nil},
		{"a hand-off of a queued email's reference", nil, handoffJob("H-3QQQQ")},
		{"an email of a dead hand-off's reference", email("H-3RRRR"), nil},
		{"a hand-off of a dead email's reference", nil, handoffJob("H-3SSSS")},
		{"an email of a delivered hand-off's reference", email("H-3TTTT"), nil},
		{"a hand-off of a delivered email's reference", nil, handoffJob("H-3HHHH")},
		{"an email and a hand-off, the hand-off's reference a queued email's", email("H-3UUUU"), handoffJob("H-3QQQQ")},
		{"an email and a hand-off, the email's reference a queued hand-off's", email("H-3PPPP"), handoffJob("H-3VVVV")},
	} {
		c := bot.Change{Version: v, State: state("refused"), TTL: time.Hour, Email: tc.mail, Handoff: tc.post, Now: t0}
		if _, ok, err := s.Commit(ctx, "c", "SM8", c); ok || !errors.Is(err, bot.ErrRefTaken) {
			t.Errorf("%s: %v, %v; want ErrRefTaken", tc.name, ok, err)
		}
	}
	if snap := load(t, s, "c", "SM8"); snap.Duplicate || snap.Version != v || snap.State.Step != "SM7" {
		t.Errorf("the refused commits wrote something: %+v", snap)
	}
	// What waits is what was queued before (its leases run out), nothing more.
	var left []string
	for ref := range x.jobsByRef(t, s, t0.Add(4*time.Hour)) {
		left = append(left, ref)
	}
	sort.Strings(left)
	if want := []string{"H-3NNNN", "H-3QQQQ", "handoff:H-3NNNN", "handoff:H-3PPPP"}; !reflect.DeepEqual(left, want) {
		t.Errorf("waiting after the refused commits: %v, want %v", left, want)
	}
}

// handoffAlone: an organization that takes no email gets its hand-off alone;
// it is Queued until it is given up on, and its alert is queued under
// "alert:handoff:", apart from a referral email's alert. Its reference stays
// taken for a referral email too, while it waits and once dead.
func (x suite) handoffAlone(t *testing.T) {
	s := x.open(t)
	ctx := context.Background()
	post := handoffJob("H-3LLLL")
	post.Referral.Handoff.Email = false
	commit(t, s, "c", "SM1", bot.Change{State: state(""), TTL: time.Hour, Handoff: post, Now: t0})
	if q, err := s.Queued(ctx, "c", "H-3LLLL"); err != nil || !q {
		t.Errorf("Queued(a hand-off alone) = %v, %v; want true", q, err)
	}
	queued := bot.Change{Version: load(t, s, "c", "").Version, State: state("x"), TTL: time.Hour, Email: email("H-3LLLL"), Now: t0}
	if _, ok, err := s.Commit(ctx, "c", "SMx", queued); ok || !errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("a referral email of the reference of a queued hand-off: %v, %v; want ErrRefTaken", ok, err)
	}
	jobs := x.claimAll(t, s, t0, time.Minute)
	if len(jobs) != 1 || jobs[0].Ref != "handoff:H-3LLLL" || !reflect.DeepEqual(jobs[0].Email, *post) {
		t.Fatalf("claimed %+v; want the hand-off alone", jobs)
	}
	job := jobs[0]
	job.Attempts, job.LastError = 1, "JSON hand-off to intake.example.org: HTTP 400 Bad Request"
	alert := &bot.Email{Kind: bot.EmailHandoffAlert, ID: "fedcba9876543210", Reference: "H-3LLLL", OrgID: "tenant-clinic",
		Created: t0.UTC(), Message: message("H-3LLLL", "coordinator@example.org")}
	if err := s.KillJob(ctx, job, time.Hour, alert, t0); err != nil {
		t.Fatal(err)
	}
	if q, err := s.Queued(ctx, "c", "H-3LLLL"); err != nil || q {
		t.Errorf("Queued(a dead hand-off) = %v, %v; want false", q, err)
	}
	after := x.claimAll(t, s, t0.Add(time.Minute), time.Minute)
	if len(after) != 1 || after[0].Ref != "alert:handoff:H-3LLLL" || !reflect.DeepEqual(after[0].Email, *alert) {
		t.Fatalf("after the kill: %+v; want the hand-off's alert", after)
	}
	// No referral email may take the reference its hand-off had: they are
	// one referral's, and the coordinator's alert names it.
	v := load(t, s, "c", "SM2").Version
	if _, ok, err := s.Commit(ctx, "c", "SM2", bot.Change{Version: v, State: state(""), TTL: time.Hour, Email: email("H-3LLLL"), Now: t0}); ok || !errors.Is(err, bot.ErrRefTaken) {
		t.Errorf("a referral email whose reference a dead hand-off had: %v, %v; want ErrRefTaken", ok, err)
	}
	// An alert about an email of that reference is another job than the
	// hand-off's alert, under its own reference.
	if (&bot.Email{Kind: bot.EmailAlert, Reference: "H-3LLLL"}).Ref() == after[0].Ref {
		t.Errorf("an email's alert and a hand-off's alert share the reference %s", after[0].Ref)
	}
}
