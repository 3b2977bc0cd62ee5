package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// queueText queues a text job in conversation c's shard, as a commit does,
// and claims it for a minute at now.
func queueText(t *testing.T, s *redisstore.Store, now time.Time) bot.Job {
	t.Helper()
	ctx := context.Background()
	text := &bot.Email{Kind: bot.EmailText, ID: "1", Reference: "H-3TTTT", Created: now,
		Text: &bot.Text{To: hotline.Conversation{Channel: "sms", From: "+13125550142", To: "+13125550100"}, Body: "hi"}}
	if _, ok, err := s.Commit(ctx, "c", "SM1", bot.Change{State: flows.State{}, TTL: time.Hour, Now: now, Email: text}); !ok || err != nil {
		t.Fatalf("Commit = %v, %v", ok, err)
	}
	jobs, err := s.ClaimJobs(ctx, redisstore.ShardOf("c"), now, time.Minute, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("ClaimJobs = %+v, %v", jobs, err)
	}
	return jobs[0]
}

// outboxKey is a key of conversation c's shard.
func outboxKey(name string) string {
	return fmt.Sprintf("test:{h%02d}:%s", redisstore.ShardOf("c"), name)
}

// TestOlderBuildsClaimEndsLease: a build from before lease tokens claims a
// job by moving its due time only; the worker that held it then holds it no
// more, though its token is still written beside the job.
func TestOlderBuildsClaimEndsLease(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	now := time.Now()
	job := queueText(t, s, now)
	// The older build's claim, after the lease: the due time moved on.
	if err := rdb.ZAdd(ctx, outboxKey("outbox"), redis.Z{Score: float64(now.Add(3 * time.Minute).UnixMilli()), Member: job.Ref}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryJob(ctx, job, now.Add(time.Hour)); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("RetryJob after an older build's claim = %v; want ErrLeaseLost", err)
	}
	if err := s.KillJob(ctx, job, time.Hour, nil, now); !errors.Is(err, bot.ErrLeaseLost) {
		t.Errorf("KillJob after an older build's claim = %v; want ErrLeaseLost", err)
	}
}

// TestUnreadableText: a text job stored without its message is claimed as
// unreadable (no Kind), for the outbox to move to the dead letters unsent;
// and a finished or dead job leaves no lease behind.
func TestUnreadableText(t *testing.T) {
	rdb := redisserver.Start(t).Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()
	now := time.Now()
	job := queueText(t, s, now)
	if job.Kind != bot.EmailText || job.Text == nil || job.Text.To.From != "+13125550142" {
		t.Fatalf("the text came back as %+v", job.Email)
	}
	if err := s.KillJob(ctx, job, time.Hour, nil, now); err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.HLen(ctx, outboxKey("jobleases")).Result(); err != nil || n != 0 {
		t.Errorf("%d leases left after the job died (%v)", n, err)
	}
	stored := fmt.Sprintf(`{"kind":"text","id":"2","ref":"H-3UUUU","attempts":0,"created":%q}`, now.UTC().Format(time.RFC3339Nano))
	ref := "text:H-3UUUU"
	if err := rdb.HSet(ctx, outboxKey("jobs"), ref, stored).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ZAdd(ctx, outboxKey("outbox"), redis.Z{Score: float64(now.UnixMilli()), Member: ref}).Err(); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimJobs(ctx, redisstore.ShardOf("c"), now, time.Minute, 1)
	if err != nil || len(jobs) != 1 || jobs[0].Ref != ref || jobs[0].Kind != "" {
		t.Fatalf("ClaimJobs = %+v, %v; want %s unreadable", jobs, err, ref)
	}
}
