package redisserver

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Start starts a private redis-server for a test, with the extra arguments given
// (for example "--appendonly", "yes") and a folder in t.TempDir, and closes it
// when the test ends. Without redis-server on the PATH it says so loudly and falls
// back to an in-process miniredis (Real reports which), unless
// HOTLINE_REQUIRE_REDIS=1, when the test fails instead.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	if err := installed(); err != nil {
		if os.Getenv("HOTLINE_REQUIRE_REDIS") == "1" {
			t.Fatalf("%v, and HOTLINE_REQUIRE_REDIS=1", err)
		}
		fmt.Fprintf(os.Stderr, "redisserver: WARNING: redis-server is not installed; %s runs against miniredis instead. Install redis-server (apt-get install redis-server) to test against real Redis.\n", t.Name())
		t.Log("redisserver: redis-server missing; using miniredis")
		mini := miniredis.NewMiniRedis()
		if err := mini.Start(); err != nil {
			t.Fatalf("redisserver: miniredis: %v", err)
		}
		s := &Server{Addr: mini.Addr(), mini: mini}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	s, err := New(context.Background(), Options{Args: args, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, s.Close)
	return s
}

// Require skips the test, loudly, when redis-server is not installed, or fails it
// when HOTLINE_REQUIRE_REDIS=1: for tests that mean nothing without the real
// server (a Cluster, a Sentinel, Redis's own CPU time).
func Require(t testing.TB) {
	t.Helper()
	if err := installed(); err != nil {
		if os.Getenv("HOTLINE_REQUIRE_REDIS") == "1" {
			t.Fatalf("%v, and HOTLINE_REQUIRE_REDIS=1", err)
		}
		fmt.Fprintf(os.Stderr, "redisserver: WARNING: redis-server is not installed; %s is SKIPPED. Install redis-server (apt-get install redis-server) to run it.\n", t.Name())
		t.Skipf("redisserver: SKIPPED: %v", err)
	}
}

// StartCluster starts a Redis Cluster of n masters for a test (see NewCluster),
// each with args, and closes it when the test ends. It needs redis-server (see
// Require).
func StartCluster(t testing.TB, n int, args ...string) *Cluster {
	t.Helper()
	Require(t)
	c, err := NewCluster(context.Background(), n, Options{Args: args, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, c.Close)
	return c
}

// StartSentinel starts a Sentinel watching master for a test (see NewSentinel) and
// closes it when the test ends. It needs redis-server (see Require).
func StartSentinel(t testing.TB, master *Server) *Server {
	t.Helper()
	Require(t)
	s, err := NewSentinel(context.Background(), master, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, s.Close)
	return s
}

// cleanup runs close when the test ends and reports its error.
func cleanup(t testing.TB, close func() error) {
	t.Cleanup(func() {
		if err := close(); err != nil {
			t.Error(err)
		}
	})
}

// ScriptCalls is how many scripts (EVAL and EVALSHA) the Redis behind rdb has
// run, from INFO commandstats: a test can tell when a commit held back by a
// stalled server has reached it.
func ScriptCalls(t testing.TB, rdb *redis.Client) int {
	t.Helper()
	text, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		for _, prefix := range []string{"cmdstat_evalsha:calls=", "cmdstat_eval:calls="} {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
				calls, _, _ := strings.Cut(rest, ",")
				c, _ := strconv.Atoi(calls)
				n += c
			}
		}
	}
	return n
}
