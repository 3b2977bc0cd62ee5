package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// packs holds the pack in force and reloads it when its folder changes. A pack that
// fails its checks is not loaded: the old one keeps serving and the problems are
// logged with file:line:col.
type packs struct {
	src     pack.Source
	current atomic.Pointer[pack.Pack]
	stamp   string // the folder's fingerprint when current was loaded
	log     *slog.Logger
	now     func() time.Time
	// reloaded is told whether each reload was loaded or rejected.
	reloaded func(loaded bool)
	// check refuses a pack that passed its own checks but cannot be served
	// here (a hand-off's signing key missing from the environment); it logs
	// its own warnings.
	check func(*pack.Pack) error
}

// loadPacks loads the pack of dir ("" for the built-in sample); it fails if that
// pack has errors, or check refuses it, since there is nothing to serve yet.
func loadPacks(src pack.Source, log *slog.Logger, now func() time.Time, reloaded func(bool), check func(*pack.Pack) error) (*packs, error) {
	p := &packs{src: src, log: log, now: now, reloaded: reloaded, check: check}
	p.stamp = p.fingerprint()
	p0, problems, err := pack.Load(src.FS, now())
	if err != nil {
		return nil, fmt.Errorf("%s has errors:\n%s", src, src.Where(problems))
	}
	p.warn(problems)
	if err := check(p0); err != nil {
		return nil, fmt.Errorf("%s cannot be served: %w", src, err)
	}
	p.current.Store(p0)
	return p, nil
}

// Pack returns the pack in force.
func (p *packs) Pack() *pack.Pack { return p.current.Load() }

func (p *packs) warn(problems flows.Problems) {
	for _, w := range p.src.Where(problems.Warnings()) {
		p.log.Warn("pack warning", "problem", w.Error())
	}
}

// reload reads the folder again and switches to it if it passes its checks.
func (p *packs) reload(why string) {
	stamp := p.fingerprint()
	loaded, problems, err := pack.Load(p.src.FS, p.now())
	p.stamp = stamp
	if err != nil {
		p.reloaded(false)
		lines := make([]string, 0, len(problems))
		for _, e := range p.src.Where(problems.Errors()) {
			lines = append(lines, e.Error())
		}
		p.log.Error("the changed pack has errors; still serving the previous one", "why", why, "pack", p.src.String(),
			"errors", len(lines), "problems", strings.Join(lines, "\n"))
		return
	}
	p.warn(problems)
	if err := p.check(loaded); err != nil {
		// Refused like a broken pack: serving it would queue hand-offs that
		// cannot be signed.
		p.reloaded(false)
		p.log.Error("the changed pack has errors; still serving the previous one", "why", why, "pack", p.src.String(),
			"errors", strings.Count(err.Error(), "\n")+1, "problems", err.Error())
		return
	}
	p.current.Store(loaded)
	p.reloaded(true)
	p.log.Info("pack reloaded", "why", why, "pack", p.src.String(), "steps", len(loaded.Flow.Steps()))
}

// watch reloads the pack when its folder changes (checked every interval) and
// whenever hup receives, until ctx ends. The built-in pack never changes.
func (p *packs) watch(ctx context.Context, interval time.Duration, hup <-chan os.Signal) error {
	var tick <-chan time.Time
	if interval > 0 && p.src.Dir != "" {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			p.reload("SIGHUP")
		case <-tick:
			if p.fingerprint() != p.stamp {
				p.reload("the pack folder changed")
			}
		}
	}
}

// fingerprint summarizes the names, sizes and times of the pack's files: polling
// it costs a few stat calls and needs no file-watching dependency. It reads the
// folder through src.FS, so through its root, and a link is described by its own
// Lstat, never followed: a link seen here is refused when the pack is loaded.
func (p *packs) fingerprint() string {
	if p.src.Dir == "" {
		return ""
	}
	var b strings.Builder
	_ = fs.WalkDir(p.src.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(&b, "%s!%v;", path, err)
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			fmt.Fprintf(&b, "%s:%d:%d;", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}
