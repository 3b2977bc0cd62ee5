package main

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// fault is one outage as it happened.
type fault struct {
	name    string
	what    string
	planned time.Duration // after the load started
	// start is when the outage began; end when the service was back (Redis
	// answering, the process ready, the SMTP server accepting again).
	start, end time.Time
	err        error
	// webhook tells whether the outage touches the webhook's path (Redis, a
	// process) rather than only email delivery.
	webhook bool
}

// window is a span of time to leave out of the latency figures.
type window struct{ from, to time.Time }

// runFaults plays the three outages at their times after t0, each in its own
// goroutine so that overlapping windows (other flags) work, and returns them once
// all are over.
func (h *harness) runFaults(ctx context.Context, t0 time.Time) []*fault {
	faults := []*fault{
		{name: "redis", planned: h.o.redisAt, webhook: true},
		{name: "smtp", planned: h.o.smtpAt},
		{name: "kill", planned: h.o.killAt, webhook: true},
	}
	plays := map[string]func(context.Context, *fault){"redis": h.stopRedis, "smtp": h.refuseMail, "kill": h.killProcess}
	var wg sync.WaitGroup
	for _, f := range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !sleepCtx(ctx, time.Until(t0.Add(f.planned))) {
				f.err = fmt.Errorf("not played: %w", context.Cause(ctx))
				return
			}
			plays[f.name](ctx, f)
			if f.err != nil {
				h.logf("fault %s: %v", f.name, f.err)
			}
		}()
	}
	wg.Wait()
	return faults
}

// stopRedis stops Redis (one master of a cluster) with SIGTERM, so that it writes
// its AOF as a server shut down for maintenance does, keeps it down for
// --redis-down, starts it again with the same arguments and folder, and waits until
// it serves again (cluster_state:ok on every master in a cluster).
func (h *harness) stopRedis(ctx context.Context, f *fault) {
	node := h.redis.faulted()
	f.what = fmt.Sprintf("redis-server %s stopped (SIGTERM) for %s, then started again", node.Addr, h.o.redisDown)
	if h.redis.cluster != nil {
		f.what = fmt.Sprintf("cluster master %s stopped (SIGTERM) for %s, then started again", node.Addr, h.o.redisDown)
	}
	f.start = time.Now()
	h.logf("fault: stopping redis %s", node.Addr)
	if err := node.Stop(); err != nil {
		h.logf("fault: %v", err)
	}
	h.logf("fault: redis %s stopped", node.Addr)
	if !sleepCtx(ctx, h.o.redisDown-time.Since(f.start)) {
		f.err = context.Cause(ctx)
		return
	}
	h.logf("fault: starting redis %s again; waiting until it serves", node.Addr)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := node.Restart(ctx); err != nil {
		f.err = err
		return
	}
	if h.redis.cluster != nil {
		if err := h.redis.cluster.WaitOK(ctx); err != nil {
			f.err = err
			return
		}
	}
	f.end = time.Now()
	h.logf("fault: redis serves again (%.1fs after the stop)", f.end.Sub(f.start).Seconds())
}

// refuseMail makes the SMTP server answer every message's data with 451 for
// --smtp-down. The port stays open, as with a mail server that is up but cannot
// take mail, which is the harder case for a client.
func (h *harness) refuseMail(ctx context.Context, f *fault) {
	f.what = fmt.Sprintf("SMTP server answers every message with 451 4.3.0 for %s", h.o.smtpDown)
	f.start = time.Now()
	h.mail.Refuse(smtpserver.Data, tryLater, smtpserver.Always)
	h.logf("fault: SMTP refuses mail")
	defer h.mail.Accept()
	if !sleepCtx(ctx, h.o.smtpDown) {
		f.err = context.Cause(ctx)
		return
	}
	h.mail.Accept()
	f.end = time.Now()
	h.logf("fault: SMTP accepts mail again")
}

// tryLater is what the SMTP server answers while refusing: 451, try again later.
var tryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

// killProcess kills hotline process #2 with SIGKILL (no shutdown at all: requests
// in flight and emails being sent are cut), starts it again on the same address
// --kill-down later and waits until it is ready.
func (h *harness) killProcess(ctx context.Context, f *fault) {
	p := h.hotlines[1]
	f.what = fmt.Sprintf("hotline #2 (%s) killed with SIGKILL, started again %s later", p.addr, h.o.killDown)
	f.start = time.Now()
	p.signal(syscall.SIGKILL)
	<-p.exited()
	h.logf("fault: hotline #2 killed (%s)", p.exitStatus())
	if !sleepCtx(ctx, h.o.killDown-time.Since(f.start)) {
		f.err = context.Cause(ctx)
		return
	}
	if err := p.start(); err != nil {
		f.err = err
		return
	}
	if err := p.waitReady(ctx, 60*time.Second); err != nil {
		f.err = err
		return
	}
	f.end = time.Now()
	h.logf("fault: hotline #2 ready again (%.1fs after the kill)", f.end.Sub(f.start).Seconds())
}

// windows are the faults' spans widened by margin on each side; webhookOnly keeps
// the ones that touch the webhook's path.
func windows(faults []*fault, margin time.Duration, webhookOnly bool) []window {
	var out []window
	for _, f := range faults {
		if f.start.IsZero() || webhookOnly && !f.webhook {
			continue
		}
		end := f.end
		if end.IsZero() {
			end = time.Now() // never came back: leave everything after it out
		}
		out = append(out, window{from: f.start.Add(-margin), to: end.Add(margin)})
	}
	return out
}
