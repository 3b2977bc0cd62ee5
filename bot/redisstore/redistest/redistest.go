// Package redistest starts a private redis-server for tests, on a free loopback
// port with its own data folder, so that tests never touch anyone else's Redis.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Server is a private Redis for one test.
type Server struct {
	// Addr is host:port.
	Addr string
	t    testing.TB
	args []string
	dir  string
	cmd  *exec.Cmd
	mini *miniredis.Miniredis
}

// Start starts redis-server on a free port with the extra arguments given (for
// example "--appendonly", "yes") and stops it when the test ends. Without
// redis-server on the PATH it says so loudly and falls back to an in-process
// miniredis, unless HOTLINE_REQUIRE_REDIS=1, when the test fails instead.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s := &Server{t: t, args: args, dir: t.TempDir()}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("HOTLINE_REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: redis-server is not installed and HOTLINE_REQUIRE_REDIS=1: %v", err)
		}
		fmt.Fprintln(os.Stderr, "redistest: WARNING: redis-server is not installed; this test runs against miniredis instead. Install redis-server (apt-get install redis-server) to test against real Redis.")
		t.Log("redistest: redis-server missing; using miniredis")
		s.mini = miniredis.NewMiniRedis()
		if err := s.mini.Start(); err != nil {
			t.Fatal(err)
		}
		s.Addr = s.mini.Addr()
		t.Cleanup(s.mini.Close)
		return s
	}
	s.Addr = freeAddr(t)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Real reports whether this is a real redis-server (not the miniredis fallback).
func (s *Server) Real() bool { return s.mini == nil }

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *Server) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir, "--save", "",
		"--logfile", filepath.Join(s.dir, "redis.log"), "--protected-mode", "yes"}, s.args...)
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redistest: redis-server on %s did not answer within 10s: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server (it may be started again with Restart).
func (s *Server) Stop() {
	if s.mini != nil {
		s.mini.Close()
		return
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Restart starts the server again on the same port and data folder. With
// "--appendonly yes" among the arguments, the data survives.
func (s *Server) Restart() {
	s.t.Helper()
	if s.mini != nil {
		if err := s.mini.Restart(); err != nil {
			s.t.Fatal(err)
		}
		return
	}
	s.Stop()
	s.start()
}

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// URL returns the redis:// URL of the server.
func (s *Server) URL() string {
	return "redis://" + s.Addr
}

// Port returns the server's port.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(port)
	return n
}
