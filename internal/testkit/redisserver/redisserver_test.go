package redisserver_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
)

// TestNewAndClose: New starts a server that answers, with RDB snapshots off and
// the extra arguments applied; Close stops it and removes its temporary folder.
func TestNewAndClose(t *testing.T) {
	redisserver.Require(t)
	ctx := context.Background()
	s, err := redisserver.New(ctx, redisserver.Options{Args: []string{"--appendonly", "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	rdb := s.Client()
	for name, want := range map[string]string{"save": "", "appendonly": "yes", "bind": "127.0.0.1"} {
		if got, err := rdb.ConfigGet(ctx, name).Result(); err != nil || got[name] != want {
			t.Errorf("CONFIG GET %s = %v, %v; want %q", name, got, err, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on %s after Close", s.Addr)
	}
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Errorf("%s is still there after Close (%v)", s.Dir(), err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestStartFails: a server that cannot start says why, in redis-server's words.
func TestStartFails(t *testing.T) {
	redisserver.Require(t)
	_, err := redisserver.New(context.Background(), redisserver.Options{Args: []string{"--no-such-option", "x"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-option") {
		t.Errorf("New with a bad argument = %v, want redis-server's complaint about it", err)
	}
}

// TestStopRestartKill: with AOF on, the data outlives Stop and Restart; Kill ends
// the server as a crash would and Restart brings it back on the same address.
func TestStopRestartKill(t *testing.T) {
	s := redisserver.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	if !s.Real() {
		t.Skip("stopping and starting again needs a real redis-server")
	}
	ctx := context.Background()
	rdb := s.Client()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop of a stopped server: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := rdb.Ping(short).Err(); err == nil {
		t.Error("PING answered while stopped")
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("after Restart, GET k = %q, %v; want v", got, err)
	}
	if err := s.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatalf("Restart after Kill: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Errorf("after Kill and Restart, GET k = %q, %v; want v (appendfsync always)", got, err)
	}
}

// TestMissingRedisServer: without redis-server on the PATH, Start falls back to
// miniredis (and says so), and New fails with a message that says what to install.
func TestMissingRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOTLINE_REQUIRE_REDIS", "")
	s := redisserver.Start(t)
	if s.Real() {
		t.Fatal("Real() = true without redis-server")
	}
	ctx := context.Background()
	if err := s.Client().Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Errorf("miniredis does not answer: %v", err)
	}
	if err := s.Restart(ctx); err != nil {
		t.Errorf("Restart of miniredis: %v", err)
	}
	_, err := redisserver.New(ctx, redisserver.Options{})
	if err == nil || !strings.Contains(err.Error(), "apt-get install redis-server") {
		t.Errorf("New without redis-server = %v, want an error that says what to install", err)
	}
}

// TestCluster: a 3-master cluster serves every slot, and serves again after a
// master was stopped and started.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := redisserver.StartCluster(t, 3, "--appendonly", "yes")
	if got := strings.Count(c.URL(), "addr="); got != 2 {
		t.Errorf("URL() = %s, want the first node and 2 addr= parameters", c.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Nodes[0].Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitOK(ctx); err == nil {
		t.Error("WaitOK succeeded with a master stopped")
	}
	if err := c.Nodes[0].Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitOK(ctx); err != nil {
		t.Errorf("WaitOK after the restart: %v", err)
	}
}

// TestSentinel: the Sentinel knows its master by MasterName.
func TestSentinel(t *testing.T) {
	t.Parallel()
	redisserver.Require(t)
	master := redisserver.Start(t)
	sentinel := redisserver.StartSentinel(t, master)
	addr, err := sentinel.Client().Do(context.Background(), "SENTINEL", "get-master-addr-by-name", redisserver.MasterName).StringSlice()
	if err != nil || len(addr) != 2 || addr[0]+":"+addr[1] != master.Addr {
		t.Errorf("SENTINEL get-master-addr-by-name = %v, %v; want %s", addr, err, master.Addr)
	}
}

// TestPauseResume: a paused server takes connections' bytes but answers nothing
// until resumed, then answers what waited; a paused server still stops.
func TestPauseResume(t *testing.T) {
	redisserver.Require(t)
	s := redisserver.Start(t)
	// Deadlines reach the socket only with ContextTimeoutEnabled, as config sets it.
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := rdb.Set(short, "k", "v", 0).Err(); err == nil {
		t.Fatal("a paused server answered")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	// The SET sent while it was paused ran once it went on.
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Errorf("after Resume, GET k = %q, %v; want the SET sent during the pause applied", v, err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop of a paused server: %v", err)
	}
}
