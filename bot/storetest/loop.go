package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
)

// refIn returns a reference of the conversation conv's shard, as the service
// draws them (bot.NewReference with the store's RefPrefix).
func refIn(s Store, conv, tail string) string {
	p := s.RefPrefix(conv)
	if p == 0 {
		p = '3'
	}
	return "H-" + string(p) + tail
}

// newLoop is a referral's loop as the service makes it with the referral.
func newLoop(ref string) hotline.Loop {
	l := hotline.Loop{
		Ref: ref, Status: hotline.LoopSent, OrgID: "tenant-clinic", Made: t0.UTC(), SentAt: t0.UTC(),
		RespondBy: t0.Add(24 * time.Hour).UTC(), Referral: referral(ref), Expires: t0.Add(30 * 24 * time.Hour).UTC(),
		Texts: hotline.Conversation{Channel: "sms", From: "+13125550142", To: "+13125550100"},
	}
	l.Record(t0.UTC(), hotline.EventSent, "tenant-clinic", "")
	return l
}

// loops: a referral's loop is written with the commit that makes the
// referral, all or nothing; it is read back as written; every later write is
// conditional on the version read, with its jobs queued at once or not at
// all; and the worker's schedule hands each due loop to one claimant per lease.
func (x suite) loops(t *testing.T) {
	ctx := context.Background()
	s := x.open(t)
	ref := refIn(s, "c", "LLLL")
	l := newLoop(ref)
	first, ok := commit(t, s, "c", "SM1", bot.Change{State: state("end"), TTL: time.Hour, Email: email(ref), Now: t0,
		Loop: &bot.LoopWrite{Loop: l, Due: l.RespondBy}})
	if !ok {
		t.Fatal("the referral and its loop were not committed")
	}
	got, v, err := s.LoadLoop(ctx, ref)
	if err != nil || v == 0 {
		t.Fatalf("LoadLoop = %v, %v", v, err)
	}
	if got.Referral == nil || got.Referral.Name != "María" || len(got.History) != 1 || got.Texts != l.Texts || !got.RespondBy.Equal(l.RespondBy) {
		t.Errorf("LoadLoop = %+v; want the loop as written", got)
	}
	if _, _, err := s.LoadLoop(ctx, refIn(s, "c", "NONE")); !errors.Is(err, bot.ErrNoLoop) {
		t.Errorf("LoadLoop of an unknown reference: %v; want ErrNoLoop", err)
	}

	// A new loop under a reference that has one is a reference taken, and
	// nothing of its commit is saved.
	_, ok, err = s.Commit(ctx, "c", "SM2", bot.Change{Version: first.Version, State: state("other"), TTL: time.Hour, Now: t0,
		Loop: &bot.LoopWrite{Loop: newLoop(ref)}})
	if ok || !errors.Is(err, bot.ErrRefTaken) {
		t.Fatalf("a second new loop under %s: %v, %v; want ErrRefTaken", ref, ok, err)
	}
	if snap := load(t, s, "c", "SM2"); snap.Version != first.Version || snap.State.Step != "end" {
		t.Errorf("the refused commit wrote the conversation: %+v", snap)
	}
	// A message that moves the loop on from a version since changed saves
	// nothing either.
	stale := l
	stale.FollowUpAnswer = "yes"
	_, ok, err = s.Commit(ctx, "c", "SM2", bot.Change{Version: first.Version, State: state("other"), TTL: time.Hour, Now: t0,
		Loop: &bot.LoopWrite{Version: v + 1, Loop: stale}})
	if ok || !errors.Is(err, bot.ErrLoopChanged) {
		t.Fatalf("a loop write from a version it is not at: %v, %v; want ErrLoopChanged", ok, err)
	}
	if snap := load(t, s, "c", "SM2"); snap.Version != first.Version {
		t.Errorf("the refused commit wrote the conversation: %+v", snap)
	}

	// The schedule: nothing before its time, then one claimant per lease.
	if refs := x.claimLoops(t, s, t0, time.Minute); len(refs) != 0 {
		t.Errorf("claimed %v before the loop was due", refs)
	}
	due := l.RespondBy
	if refs := x.claimLoops(t, s, due, time.Minute); len(refs) != 1 || refs[0] != ref {
		t.Fatalf("ClaimLoops at its time = %v; want [%s]", refs, ref)
	}
	if refs := x.claimLoops(t, s, due.Add(30*time.Second), time.Minute); len(refs) != 0 {
		t.Errorf("claimed %v again within the lease", refs)
	}
	if refs := x.claimLoops(t, s, due.Add(time.Minute), time.Minute); len(refs) != 1 {
		t.Errorf("ClaimLoops after the lease = %v; want it again", refs)
	}

	// A decision: a stale version changes nothing; the right one writes the
	// loop and queues its jobs at once, each when it is due.
	next := l
	next.Status, next.Hop = hotline.LoopSent, 1
	next.Record(t0.Add(time.Hour), hotline.EventDeclined, "tenant-clinic", hotline.ReasonCapacity)
	rerouted := email(ref + "~1")
	text := &bot.Email{Kind: bot.EmailText, ID: "fedcba9876543210", Reference: ref + "~1", Created: t0.Add(time.Hour).UTC(),
		NotBefore: t0.Add(10 * time.Hour).UTC(), Text: &bot.Text{To: l.Texts, Body: "We sent it on."}}
	jobs := []*bot.Email{rerouted, text}
	if err := s.SaveLoop(ctx, t0, v-1, next, time.Time{}, jobs); !errors.Is(err, bot.ErrLoopChanged) {
		t.Fatalf("SaveLoop from a stale version: %v; want ErrLoopChanged", err)
	}
	if err := s.SaveLoop(ctx, t0, v, next, time.Time{}, jobs); err != nil {
		t.Fatalf("SaveLoop: %v", err)
	}
	got2, v2, err := s.LoadLoop(ctx, ref)
	if err != nil || v2 == v || got2.Hop != 1 || len(got2.History) != 2 {
		t.Errorf("LoadLoop after SaveLoop = %+v, %d, %v", got2, v2, err)
	}
	byRef := x.jobsByRef(t, s, t0.Add(time.Hour))
	if _, ok := byRef[ref+"~1"]; !ok {
		t.Errorf("the re-routed email was not queued at once: %v", keys(byRef))
	}
	if _, ok := byRef["text:"+ref+"~1"]; ok {
		t.Errorf("the text was handed out before its time")
	}
	byRef = x.jobsByRef(t, s, t0.Add(11*time.Hour))
	if j, ok := byRef["text:"+ref+"~1"]; !ok || j.Text == nil || j.Text.Body != "We sent it on." || j.Text.To != l.Texts {
		t.Errorf("the text job at its time = %+v (found %v)", j, ok)
	}
	// Scheduled for no look, it is never claimed.
	if refs := x.claimLoops(t, s, t0.Add(1000*time.Hour), time.Minute); len(refs) != 0 {
		t.Errorf("claimed %v with no look scheduled", refs)
	}

	// A job's reference in use refuses the whole write.
	again := got2
	again.Status = hotline.LoopAccepted
	if err := s.SaveLoop(ctx, t0, v2, again, time.Time{}, []*bot.Email{email(ref + "~1")}); !errors.Is(err, bot.ErrRefTaken) {
		t.Fatalf("SaveLoop with a reference in use: %v; want ErrRefTaken", err)
	}
	if got3, v3, _ := s.LoadLoop(ctx, ref); v3 != v2 || got3.Status != hotline.LoopSent {
		t.Errorf("the refused write changed the loop: %+v", got3)
	}
	if err := s.SaveLoop(ctx, t0, 1, newLoop(refIn(s, "c", "GONE")), time.Time{}, nil); !errors.Is(err, bot.ErrNoLoop) {
		t.Errorf("SaveLoop of a loop that does not exist: %v; want ErrNoLoop", err)
	}
}

// claimLoops claims due loops in every shard.
func (x suite) claimLoops(t *testing.T, s Store, now time.Time, lease time.Duration) []string {
	t.Helper()
	var all []string
	for shard := 0; shard < x.shards; shard++ {
		refs, err := s.ClaimLoops(context.Background(), shard, now, lease, 10)
		if err != nil {
			t.Fatalf("ClaimLoops(%d): %v", shard, err)
		}
		all = append(all, refs...)
	}
	return all
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
