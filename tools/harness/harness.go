package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// harness is one run: its folder, the processes it started and what they share.
type harness struct {
	o      options
	dir    string
	stderr io.Writer
	began  time.Time
	logMu  sync.Mutex

	procs    children
	redis    *redisSetup
	mail     *smtpserver.Server
	hotlines []*hotline
	token    string
	// loop drives the --loop run's organizations and people; nil without it.
	loop *loopRun
}

// hotline is one `hotline serve` process.
type hotline struct {
	*child
	addr string
	base string // http://addr
}

func newHarness(o options, stderr io.Writer) (*harness, error) {
	dir, err := os.MkdirTemp("", "hotline-harness-")
	if err != nil {
		return nil, err
	}
	var token [16]byte
	_, _ = rand.Read(token[:])
	h := &harness{o: o, dir: dir, stderr: stderr, began: time.Now(), token: hex.EncodeToString(token[:])}
	if o.loop {
		// One auth token for the webhook's signatures and the REST API, as
		// Twilio has: the local Twilio's.
		h.token = twilioapi.AuthToken
	}
	h.logf("logs and data in %s", dir)
	return h, nil
}

// logf prints a progress line with the time since the harness began.
func (h *harness) logf(format string, args ...any) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	fmt.Fprintf(h.stderr, "[%6.1fs] %s\n", time.Since(h.began).Seconds(), fmt.Sprintf(format, args...))
}

// run sets everything up, runs the load with its faults, waits for the emails and
// checks the outcome. The report is returned whenever the load ran, even if a
// later step failed.
func (h *harness) run(ctx context.Context) (*report, error) {
	bin := h.o.hotline
	if bin == "" {
		h.logf("building ./cmd/hotline")
		var err error
		if bin, err = buildHotline(ctx, h.dir); err != nil {
			return nil, err
		}
	}
	what := "single, AOF on"
	if h.o.cluster {
		what = "3-master cluster, AOF on"
	}
	h.logf("starting Redis (%s)", what)
	var err error
	if h.redis, err = h.startRedis(ctx); err != nil {
		return nil, err
	}
	if h.mail, err = smtpserver.New(smtpserver.Options{}); err != nil {
		return nil, err
	}
	if h.o.loop {
		if h.loop, err = newLoopRun(h); err != nil {
			return nil, err
		}
		h.logf("local Twilio at %s; follow-ups %s after a referral reaches an organization", h.loop.twilio.URL, h.o.followUpAfter)
	}
	h.logf("Redis at %s; SMTP at %s; starting 3 hotline processes", h.redis.url, h.mail.Addr)
	if err := h.startHotlines(ctx, bin); err != nil {
		return nil, err
	}
	return h.runLoad(ctx)
}

// runLoad drives the senders while the faults happen, then waits for the emails
// and gathers the report.
func (h *harness) runLoad(ctx context.Context) (*report, error) {
	bases := make([]string, len(h.hotlines))
	for i, p := range h.hotlines {
		bases[i] = p.base
	}
	memBefore, err := h.usedMemory(ctx)
	if err != nil {
		return nil, fmt.Errorf("redis INFO memory: %w", err)
	}
	l := newLoad(h.o, bases, h.token)
	h.logf("load: %d senders, %d at a time, on %s", h.o.senders, h.o.concurrency, strings.Join(bases, " "))
	t0 := time.Now()
	if h.loop != nil {
		h.loop.start(ctx)
		l.onRef = h.loop.onRef
	}
	faultsDone := make(chan []*fault, 1)
	go func() { faultsDone <- h.runFaults(ctx, t0) }()
	results := l.run(ctx)
	loadEnd := time.Now()
	h.logf("load: every sender finished (%.1fs); waiting for the faults to be over", loadEnd.Sub(t0).Seconds())
	faults := <-faultsDone

	rep := &report{o: h.o, dir: h.dir, t0: t0, loadEnd: loadEnd, faults: faults, results: results, redisURL: h.redis.url, memBefore: memBefore}
	rep.expected = expectedEmails(results)
	if h.loop != nil {
		h.logf("loop: waiting until every referral's loop has nothing left to do")
		wait := h.loop.settle(ctx)
		rep.emailWait = wait
		if rep.outboxLeft, err = h.outboxDepth(ctx); err != nil {
			rep.outboxLeft = -1
		}
		rep.loop = h.loop.collect(ctx, wait)
	} else {
		h.logf("emails: waiting for %d referral emails", len(rep.expected))
		rep.emailWait, rep.outboxLeft = h.waitForEmails(ctx, rep.expected)
	}
	rep.received, rep.counts, rep.refused = h.mail.Messages(), h.mail.Counts(), h.mail.Refused()
	rep.memory = h.measureRedis(ctx)
	h.logf("stopping the hotline processes")
	rep.exits = h.stopHotlines()
	rep.logs = scanLogs(h.logFiles())
	rep.machine = describeMachine()
	rep.elapsed = time.Since(h.began)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("the run was cut short: %w", context.Cause(ctx))
	}
	return rep, nil
}

// startHotlines starts three `hotline serve` processes sharing the Redis and the
// SMTP server, each on its own loopback port, and waits until each is ready.
func (h *harness) startHotlines(ctx context.Context, bin string) error {
	for i := range 3 {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := loopback(port)
		env := append(cleanEnv(),
			"HOTLINE_ADDR="+addr, "REDIS_URL="+h.redis.url, "HOTLINE_REDIS_MODE="+h.redis.mode,
			"SMTP_URL="+h.mail.URL(), "TWILIO_AUTH_TOKEN="+h.token, "HOTLINE_PUBLIC_URL="+publicURL,
			"HOTLINE_RETRY_FIRST=1s", "HOTLINE_RETRY_MAX=10s", "HOTLINE_REMINDER_DELAY=0",
			"HOTLINE_LOG_LEVEL="+h.o.logLevel, "HOTLINE_OUTBOX_DIR="+filepath.Join(h.dir, "outbox"),
			// One secret for the three: they share the conversations.
			"HOTLINE_SECRET=harness-secret-0123456789abcdef0123", "HOTLINE_METRICS_ADDR=off",
		)
		if h.loop != nil {
			env = append(env, h.loop.env()...)
		}
		c := h.procs.add(&child{
			name: fmt.Sprintf("hotline #%d", i+1), path: bin, args: []string{"serve"}, env: env,
			logPath: filepath.Join(h.dir, fmt.Sprintf("hotline-%d.log", i+1)),
		})
		p := &hotline{child: c, addr: addr, base: "http://" + addr}
		if err := p.start(); err != nil {
			return err
		}
		h.hotlines = append(h.hotlines, p)
	}
	for _, p := range h.hotlines {
		if err := p.waitReady(ctx, 30*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// cleanEnv is the harness's environment without any setting of the hotline's, so
// that nothing from the shell changes what is measured.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "HOTLINE_") || strings.HasPrefix(name, "TWILIO_") || name == "REDIS_URL" || name == "SMTP_URL" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitReady waits until GET /readyz answers 200 (Redis answers, a pack is loaded).
func (p *hotline) waitReady(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	err := poll(ctx, timeout, 100*time.Millisecond, p.exited(), func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s on %s: %w\n%s", p.name, p.addr, err, p.logTail())
	}
	return nil
}

// stopHotlines stops the processes with SIGTERM, as an orchestrator would, and
// returns how each ended: a clean exit is part of the proof.
func (h *harness) stopHotlines() []string {
	exits := make([]string, len(h.hotlines))
	var wg sync.WaitGroup
	for i, p := range h.hotlines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clean := p.stop(20 * time.Second)
			exits[i] = p.exitStatus()
			if !clean {
				exits[i] += " (did not stop within 20s after SIGTERM; killed)"
			}
		}()
	}
	wg.Wait()
	return exits
}

// logFiles are the hotline processes' logs.
func (h *harness) logFiles() []string {
	files := make([]string, len(h.hotlines))
	for i, p := range h.hotlines {
		files[i] = p.logPath
	}
	return files
}

// close stops every process still running and the SMTP server, and removes the
// folder unless keep.
func (h *harness) close(keep bool) {
	h.procs.stopAll(10 * time.Second)
	if h.loop != nil {
		h.loop.stop()
		h.loop.close()
	}
	if h.mail != nil {
		_ = h.mail.Close()
	}
	if h.redis != nil {
		h.redis.close()
	}
	if keep {
		h.logf("kept %s", h.dir)
		return
	}
	_ = os.RemoveAll(h.dir)
	h.logf("removed %s (--keep keeps it)", h.dir)
}
