package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// child is a process the harness started. Its stdout and stderr are appended to a
// log file that outlives it, so that a restarted process writes after its first
// life; it can be started again after it exited, with the same arguments.
type child struct {
	name    string
	path    string
	args    []string
	env     []string
	logPath string

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when the current process exited
	lives int
}

// start runs the process (again); it fails if it is still running.
func (c *child) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil && !closed(c.done) {
		return fmt.Errorf("%s is still running", c.name)
	}
	f, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if c.lives > 0 {
		fmt.Fprintf(f, "---- harness: %s started again at %s ----\n", c.name, time.Now().Format(time.RFC3339Nano))
	}
	cmd := exec.Command(c.path, c.args...)
	cmd.Env = c.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttrs()
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", c.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	c.cmd, c.done = cmd, done
	c.lives++
	return nil
}

// exited is closed when the current process has exited (at once if none runs).
func (c *child) exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return c.done
}

// signal sends sig to the running process, if any.
func (c *child) signal(sig os.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil && c.cmd.Process != nil && !closed(c.done) {
		_ = c.cmd.Process.Signal(sig)
	}
}

// stop asks the process to end (SIGTERM) and kills it if it has not within grace.
// It reports whether it ended by itself.
func (c *child) stop(grace time.Duration) bool {
	done := c.exited()
	if closed(done) {
		return true
	}
	c.signal(syscall.SIGTERM)
	select {
	case <-done:
		return true
	case <-time.After(grace):
		c.kill()
		return false
	}
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	done := c.exited()
	c.signal(syscall.SIGKILL)
	<-done
}

// exitStatus describes how the last process ended: "exit 0", "signal: killed"...
func (c *child) exitStatus() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.cmd == nil:
		return "never started"
	case !closed(c.done):
		return "running"
	case c.cmd.ProcessState == nil:
		return "unknown"
	}
	return c.cmd.ProcessState.String()
}

// logTail is the end of the process's log, for an error message.
func (c *child) logTail() string {
	data, _ := os.ReadFile(c.logPath)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(bytes.TrimSpace(data))
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// children keeps every process started, so that all of them are stopped at the end
// whatever happened.
type children struct {
	mu  sync.Mutex
	all []*child
}

func (cs *children) add(c *child) *child {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.all = append(cs.all, c)
	return c
}

// stopAll stops every running process at once, each with grace to end by itself.
func (cs *children) stopAll(grace time.Duration) {
	cs.mu.Lock()
	all := append([]*child(nil), cs.all...)
	cs.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range all {
		wg.Add(1)
		go func() { defer wg.Done(); c.stop(grace) }()
	}
	wg.Wait()
}

// moduleRoot is the folder holding go.mod, found from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in this folder or above it; run the harness from inside the repository")
		}
		dir = parent
	}
}

// goTool is the go command of the toolchain that built the harness, else the one
// on PATH.
func goTool() (string, error) {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p, nil
	}
	return exec.LookPath("go")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// buildHotline builds ./cmd/hotline into dir once, with the local toolchain only.
func buildHotline(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	gobin, err := goTool()
	if err != nil {
		return "", fmt.Errorf("no go command: %w", err)
	}
	out := filepath.Join(dir, "hotline")
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, "./cmd/hotline")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/hotline: %w\n%s", err, msg)
	}
	return out, nil
}

// freePort returns a loopback port nobody listens on now. Another program may
// take it before it is used; the callers retry.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// sleepCtx waits d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// poll calls try every interval until it returns nil, ctx ends or timeout passes;
// it returns try's last error. stop, when closed, ends the wait early (a process
// that exited will never become ready).
func poll(ctx context.Context, timeout, interval time.Duration, stop <-chan struct{}, try func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		tryCtx, cancel := context.WithTimeout(ctx, max(interval, time.Second))
		err := try(tryCtx)
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case time.Now().After(deadline):
			return fmt.Errorf("not within %s: %w", timeout, err)
		}
		select {
		case <-stop:
			return fmt.Errorf("the process exited: %w", err)
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(interval):
		}
	}
}
