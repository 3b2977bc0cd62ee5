// Package redisserver starts private redis-server processes on free loopback
// ports, each with a data folder of its own, for the tests and for the load
// generator and the fault harness: nothing here ever touches anyone else's Redis.
//
// New, NewCluster and NewSentinel serve a program's main: they take a context and
// return values the caller closes. Start, StartCluster and StartSentinel serve
// tests: they fail the test instead of returning an error and close what they
// started when the test ends. Without redis-server on the PATH, Start says so
// loudly and falls back to an in-process miniredis, unless HOTLINE_REQUIRE_REDIS=1,
// when the test fails instead; a Cluster or a Sentinel has no such stand-in, so
// their tests are skipped (or fail with HOTLINE_REQUIRE_REDIS=1).
package redisserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

const (
	// startTimeout bounds the wait for a started server to answer; a restarted
	// server reads its append-only file back before it does.
	startTimeout = 30 * time.Second
	// stopGrace is how long a server is given to shut down (and write its
	// append-only file) after SIGTERM before it is killed.
	stopGrace = 30 * time.Second
)

// Options describe a redis-server to start.
type Options struct {
	// Args are extra redis-server arguments, such as "--appendonly", "yes". The
	// server always listens on 127.0.0.1 only, with RDB snapshots off.
	Args []string
	// Dir is the server's data folder (its append-only file, nodes.conf in a
	// cluster, redis.log). It is made if missing and left for the caller, who may
	// want to look at it. "" makes a temporary folder, removed by Close.
	Dir string
}

// Server is one redis-server process (or, from Start only, its miniredis stand-in).
// A stopped server can be started again on the same port and folder, so that a
// test or the harness can play an outage. Its methods are safe for concurrent use.
type Server struct {
	// Addr is host:port, fixed for the server's life, restarts included.
	Addr string

	dir       string
	removeDir bool
	argv      []string // redis-server's arguments, the port included
	sentinel  bool     // started with --sentinel; ready once it knows MasterName
	mini      *miniredis.Miniredis

	mu      sync.Mutex
	cmd     *exec.Cmd // nil while stopped
	exited  chan struct{}
	waitErr error // how the last process ended, set before exited is closed
	clients []*redis.Client
	closed  bool
}

// New starts a redis-server on a free loopback port and waits until it answers.
// It fails if redis-server is not installed.
func New(ctx context.Context, o Options) (*Server, error) {
	return launch(ctx, o, false, func(port string, dir string) ([]string, error) {
		args := []string{"--port", port, "--bind", "127.0.0.1", "--protected-mode", "yes", "--dir", dir,
			"--save", "", "--logfile", filepath.Join(dir, "redis.log")}
		return append(args, o.Args...), nil
	})
}

// launch starts a server whose arguments argv gives for a port and a folder.
// Finding a free port and binding it are two steps, so a port taken in between by
// another program is retried with another one.
func launch(ctx context.Context, o Options, sentinel bool, argv func(port, dir string) ([]string, error)) (*Server, error) {
	if err := installed(); err != nil {
		return nil, err
	}
	dir, removeDir := o.Dir, false
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "hotline-redis-"); err != nil {
			return nil, fmt.Errorf("redisserver: %w", err)
		}
		removeDir = true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("redisserver: %w", err)
	}
	var lastErr error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			lastErr = err
			break
		}
		_, port, _ := net.SplitHostPort(addr)
		s := &Server{Addr: addr, dir: dir, removeDir: removeDir, sentinel: sentinel}
		if s.argv, err = argv(port, dir); err != nil {
			lastErr = err
			break
		}
		if lastErr = s.start(ctx); lastErr == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	if removeDir {
		_ = os.RemoveAll(dir)
	}
	return nil, lastErr
}

// freeAddr returns a loopback address nothing listens on now. Another program may
// take it before it is used.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("redisserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs redis-server and waits until it answers (a Sentinel: until it knows
// its master).
func (s *Server) start(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("redisserver: %s is closed", s.Addr)
	}
	if s.cmd != nil {
		s.mu.Unlock()
		return fmt.Errorf("redisserver: redis-server on %s is still running", s.Addr)
	}
	// Until its configuration is read, redis-server writes to stdout, not to
	// redis.log. A file, not a pipe: the children Redis forks (an AOF rewrite)
	// would hold a pipe open and keep Wait from returning.
	out, err := os.OpenFile(filepath.Join(s.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("redisserver: %w", err)
	}
	defer out.Close() // the process has its own copy
	cmd := exec.Command("redis-server", s.argv...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("redisserver: start redis-server: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(exited)
	}()
	s.mu.Unlock()

	if err := s.waitReady(ctx, exited); err != nil {
		_ = s.Kill()
		return fmt.Errorf("redisserver: redis-server on %s: %w\n%s", s.Addr, err, s.logTail())
	}
	return nil
}

// waitReady pings the server until it answers, exits, or startTimeout or ctx ends.
func (s *Server) waitReady(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	rdb := quietClient(s.Addr)
	defer rdb.Close()
	return poll(ctx, exited, func(ctx context.Context) error {
		if err := listening(ctx, s.Addr); err != nil {
			return err
		}
		if s.sentinel {
			return rdb.Do(ctx, "SENTINEL", "get-master-addr-by-name", MasterName).Err()
		}
		return rdb.Ping(ctx).Err()
	})
}

// poll calls try every 20 ms until it returns nil, ctx ends or exited is closed,
// and returns try's last error.
func poll(ctx context.Context, exited <-chan struct{}, try func(context.Context) error) error {
	for {
		tryCtx, cancel := context.WithTimeout(ctx, time.Second)
		err := try(tryCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", context.Cause(ctx), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// quietClient is a client for waiting on a server: one attempt per call, so that
// the caller's loop decides when to try again.
func quietClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
}

// listening fails unless something accepts connections on addr. It is tried
// before a command, whose failure to connect go-redis would log.
func listening(ctx context.Context, addr string) error {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// logTail is the end of what the server said, for an error message.
func (s *Server) logTail() string {
	var said []byte
	for _, name := range []string{"stdout.log", "redis.log"} {
		data, _ := os.ReadFile(filepath.Join(s.dir, name))
		said = append(said, data...)
	}
	if len(said) > 2000 {
		said = said[len(said)-2000:]
	}
	return strings.TrimSpace(string(said))
}

// exitedChan is closed when the current process has exited; it is closed at once
// when none runs.
func (s *Server) exitedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exited == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return s.exited
}

// Stop shuts the server down with SIGTERM, as an operator does for maintenance: it
// writes its append-only file and exits. A server still running after 30 s is
// killed, and Stop says so. Restart starts it again. Stopping a stopped server
// does nothing.
func (s *Server) Stop() error {
	if s.mini != nil {
		s.mini.Close()
		return nil
	}
	return s.end(syscall.SIGTERM, stopGrace)
}

// Kill ends the server with SIGKILL, as a crash would: what it had not written to
// its append-only file yet is lost. Restart starts it again.
func (s *Server) Kill() error {
	if s.mini != nil {
		s.mini.Close()
		return nil
	}
	return s.end(syscall.SIGKILL, stopGrace)
}

// Pause stalls the server with SIGSTOP, as a host that hangs (swapping, a
// frozen VM, a long fork) would: connections stay open and what clients send
// waits in its sockets, to run when Resume lets it go on. Stop and Kill resume
// a paused server first, so that it can end.
func (s *Server) Pause() error { return s.signal(pauseSignal) }

// Resume lets a paused server go on (SIGCONT); it does nothing to one running.
func (s *Server) Resume() error { return s.signal(resumeSignal) }

// signal sends sig to the running process; the miniredis stand-in cannot be
// paused.
func (s *Server) signal(sig syscall.Signal) error {
	if s.mini != nil || sig == 0 {
		return fmt.Errorf("redisserver: cannot stall this server (miniredis, or no SIGSTOP here)")
	}
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("redisserver: redis-server on %s is not running", s.Addr)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("redisserver: %s to redis-server on %s: %w", sig, s.Addr, err)
	}
	return nil
}

// end sends sig and waits for the process, killing it after grace.
func (s *Server) end(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	if resumeSignal != 0 {
		// A paused server acts on SIGTERM only once it runs again.
		_ = cmd.Process.Signal(resumeSignal)
	}
	var err error
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-exited
		err = fmt.Errorf("redisserver: redis-server on %s did not stop within %s after %s; killed it", s.Addr, grace, sig)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && sig != syscall.SIGKILL && s.waitErr != nil {
		err = fmt.Errorf("redisserver: redis-server on %s: %w", s.Addr, s.waitErr)
	}
	s.cmd = nil
	return err
}

// Restart starts a stopped or killed server again on the same port, with the same
// arguments and folder, and waits until it answers: with "--appendonly yes" the
// data is back. A running server is stopped first.
func (s *Server) Restart(ctx context.Context) error {
	if s.mini != nil {
		s.mini.Close()
		return s.mini.Restart()
	}
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start(ctx)
}

// Close stops the server, closes the clients Client made and removes the
// temporary folder New made. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	clients := s.clients
	s.clients = nil
	s.mu.Unlock()
	for _, c := range clients {
		_ = c.Close()
	}
	err := s.Stop()
	if s.removeDir {
		if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
			err = fmt.Errorf("redisserver: %w", rmErr)
		}
	}
	return err
}

// Client returns a new client of the server, closed by Close.
func (s *Server) Client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients = append(s.clients, rdb)
	return rdb
}

// URL returns the server's redis:// URL, for REDIS_URL.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Dir returns the server's data folder ("" for miniredis).
func (s *Server) Dir() string { return s.dir }

// Real reports whether this is a real redis-server, not the miniredis stand-in.
func (s *Server) Real() bool { return s.mini == nil }

// Version is the first line of `redis-server --version`, for reports; "" when it
// cannot be run.
func Version() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// installed fails when redis-server is not on the PATH.
func installed() error {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return fmt.Errorf("redisserver: redis-server is not installed (apt-get install redis-server): %w", err)
	}
	return nil
}
