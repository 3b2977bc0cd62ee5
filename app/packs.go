package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// packs holds the pack in force and reloads it when its folder changes. A pack that
// fails its checks is not loaded: the old one keeps serving and the problems are
// logged with file:line:col.
type packs struct {
	src     source
	current atomic.Pointer[pack.Pack]
	stamp   string // the folder's fingerprint when current was loaded
	log     *slog.Logger
	now     func() time.Time
	// reloaded is told whether each reload was loaded or rejected.
	reloaded func(loaded bool)
}

// loadPacks loads the pack of dir ("" for the built-in sample); it fails if that
// pack has errors, since there is nothing to serve yet.
func loadPacks(src source, log *slog.Logger, now func() time.Time, reloaded func(bool)) (*packs, error) {
	p := &packs{src: src, log: log, now: now, reloaded: reloaded}
	p.stamp = p.fingerprint()
	p0, problems, err := pack.Load(src.fsys, now())
	if err != nil {
		return nil, fmt.Errorf("%s has errors:\n%s", src, src.where(problems))
	}
	p.warn(problems)
	p.current.Store(p0)
	return p, nil
}

// Pack returns the pack in force.
func (p *packs) Pack() *pack.Pack { return p.current.Load() }

func (p *packs) warn(problems flows.Problems) {
	for _, w := range p.src.where(problems.Warnings()) {
		p.log.Warn("pack warning", "problem", w.Error())
	}
}

// reload reads the folder again and switches to it if it passes its checks.
func (p *packs) reload(why string) {
	stamp := p.fingerprint()
	loaded, problems, err := pack.Load(p.src.fsys, p.now())
	p.stamp = stamp
	if err != nil {
		p.reloaded(false)
		lines := make([]string, 0, len(problems))
		for _, e := range p.src.where(problems.Errors()) {
			lines = append(lines, e.Error())
		}
		p.log.Error("the changed pack has errors; still serving the previous one", "why", why, "pack", p.src.String(),
			"errors", len(lines), "problems", strings.Join(lines, "\n"))
		return
	}
	p.warn(problems)
	p.current.Store(loaded)
	p.reloaded(true)
	p.log.Info("pack reloaded", "why", why, "pack", p.src.String(), "steps", len(loaded.Flow.Steps()))
}

// watch reloads the pack when its folder changes (checked every interval) and
// whenever hup receives, until ctx ends. The built-in pack never changes.
func (p *packs) watch(ctx context.Context, interval time.Duration, hup <-chan os.Signal) error {
	var tick <-chan time.Time
	if interval > 0 && p.src.dir != "" {
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
// it costs a few stat calls and needs no file-watching dependency.
func (p *packs) fingerprint() string {
	if p.src.dir == "" {
		return ""
	}
	var b strings.Builder
	_ = fs.WalkDir(p.src.fsys, ".", func(path string, d fs.DirEntry, err error) error {
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

// source is a pack folder: a directory, or the sample built into the binary.
type source struct {
	fsys fs.FS
	dir  string // "" for the built-in sample
}

// sourceOf returns the pack of HOTLINE_FLOWS: the folder, or the sample.
func sourceOf(dir string) source {
	if dir == "" {
		return source{fsys: defaultpack.FS}
	}
	return source{fsys: os.DirFS(dir), dir: dir}
}

// String names the pack for messages.
func (s source) String() string {
	if s.dir == "" {
		return "the built-in sample pack"
	}
	return s.dir
}

// where prefixes problem positions with the pack folder, so that editors and
// terminals can open file:line:col directly.
func (s source) where(ps flows.Problems) flows.Problems {
	if s.dir == "" {
		return ps
	}
	out := make(flows.Problems, len(ps))
	for i, p := range ps {
		q := *p
		q.File = filepath.Join(s.dir, filepath.FromSlash(p.File))
		out[i] = &q
	}
	return out
}
