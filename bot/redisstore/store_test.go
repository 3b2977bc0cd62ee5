package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/redisstore"
	"github.com/hotline-legal/hotline/bot/redisstore/redistest"
)

func TestClaimCommit(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	s := redisstore.New(rdb, "test:")
	ctx := context.Background()

	c, err := s.Claim(ctx, "conv1", "SM1")
	if err != nil || c.Duplicate || c.Version != 0 || len(c.State) != 0 {
		t.Fatalf("Claim(new) = %+v, %v; want an empty state at version 0", c, err)
	}
	err = s.Commit(ctx, "conv1", "SM1", bot.Commit{Version: 0, State: []byte("state\x00one"), StateTTL: time.Hour, Reply: []byte(`["hi"]`)})
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	c, err = s.Claim(ctx, "conv1", "SM1")
	if err != nil || !c.Duplicate || string(c.Reply) != `["hi"]` {
		t.Fatalf("Claim(same message) = %+v, %v; want the duplicate and its reply", c, err)
	}
	c, err = s.Claim(ctx, "conv1", "SM2")
	if err != nil || c.Duplicate || c.Version != 1 || string(c.State) != "state\x00one" {
		t.Fatalf("Claim(next message) = %+v, %v", c, err)
	}
	// A commit from a stale claim changes nothing.
	err = s.Commit(ctx, "conv1", "SM2", bot.Commit{Version: 0, State: []byte("stale")})
	if !errors.Is(err, bot.ErrConflict) {
		t.Fatalf("stale Commit = %v, want ErrConflict", err)
	}
	if err := s.Commit(ctx, "conv1", "SM2", bot.Commit{Version: 1, State: []byte("two"), StateTTL: time.Hour, Reply: []byte(`["b"]`)}); err != nil {
		t.Fatal(err)
	}
	// SM1 is no longer the last message: a late duplicate of it gets nothing and
	// changes nothing.
	c, err = s.Claim(ctx, "conv1", "SM1")
	if err != nil || !c.Duplicate || string(c.Reply) != "null" {
		t.Fatalf("Claim(older message) = %+v, %v", c, err)
	}
	if ttl := rdb.PTTL(ctx, s.Key("conv1")).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want about an hour", ttl)
	}
	// An opt-out is kept without a TTL.
	if err := s.Commit(ctx, "conv1", "SM3", bot.Commit{Version: 2, State: []byte("out"), Reply: []byte(`[]`)}); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, s.Key("conv1")).Val(); ttl != -1 {
		t.Errorf("TTL after a commit without one = %v, want none (-1ms)", ttl)
	}
	// Messages without an id are applied every time.
	for v := int64(3); v < 5; v++ {
		c, _ := s.Claim(ctx, "conv1", "")
		if c.Duplicate || c.Version != v {
			t.Fatalf("Claim without id = %+v, want version %d", c, v)
		}
		if err := s.Commit(ctx, "conv1", "", bot.Commit{Version: v, State: []byte("x"), StateTTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	if !srv.Real() {
		t.Log("ran against miniredis")
	}
}

// TestDedupeRing: the short ids of the last 24 messages are remembered.
func TestDedupeRing(t *testing.T) {
	s := redisstore.New(redistest.Start(t).Client(), "test:")
	ctx := context.Background()
	ids := make([]string, 30)
	for i := range ids {
		ids[i] = "SM" + string(rune('a'+i))
		if err := s.Commit(ctx, "c", ids[i], bot.Commit{Version: int64(i), State: []byte("s"), StateTTL: time.Hour, Reply: []byte(`["r"]`)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		c, err := s.Claim(ctx, "c", id)
		if err != nil {
			t.Fatal(err)
		}
		// ids[29] is the last; ids[5..28] are in the ring; older ones are forgotten.
		if want := i >= 5; c.Duplicate != want {
			t.Errorf("message %d: duplicate = %v, want %v", i, c.Duplicate, want)
		}
	}
}

func TestUnavailable(t *testing.T) {
	srv := redistest.Start(t)
	s := redisstore.New(srv.Client(), "test:")
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := s.Claim(ctx, "c", "SM1")
	if err == nil || !redisstore.IsUnavailable(err) {
		t.Errorf("Claim with Redis down = %v; want an unavailable error", err)
	}
}
