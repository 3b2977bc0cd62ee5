package memstore

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
)

// storedLoop is a referral's loop as the store keeps it: JSON, as redisstore
// keeps it, so that what is stored shares nothing with the caller's.
type storedLoop struct {
	version int64
	data    []byte
	expires time.Time
	due     time.Time // zero: no look scheduled
}

var _ bot.LoopStore = (*Store)(nil)

// loop returns a referral's loop that has not expired, or nil.
func (s *Store) loop(ref string) *storedLoop {
	l := s.loops[ref]
	if l != nil && !s.now().Before(l.expires) {
		delete(s.loops, ref)
		return nil
	}
	return l
}

// checkLoop reports whether a loop to write is as it was read (absent for
// version 0).
func (s *Store) checkLoop(ref string, version int64) bool {
	l := s.loop(ref)
	if l == nil {
		return version == 0
	}
	return l.version == version
}

// writeLoop stores a loop at the version after the one read. It is kept
// until l.Expires counted from now (the caller's clock), by the store's
// clock, as redisstore gives it a TTL.
func (s *Store) writeLoop(now time.Time, version int64, l *hotline.Loop, due time.Time) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	s.loops[l.Ref] = &storedLoop{version: version + 1, data: data, expires: s.now().Add(l.KeepUntil().Sub(now)), due: due}
	return nil
}

// LoadLoop reads a referral's loop and its version.
func (s *Store) LoadLoop(_ context.Context, ref string) (hotline.Loop, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.loop(ref)
	if l == nil {
		return hotline.Loop{}, 0, bot.ErrNoLoop
	}
	var out hotline.Loop
	if err := json.Unmarshal(l.data, &out); err != nil {
		return hotline.Loop{}, 0, err
	}
	return out, l.version, nil
}

// SaveLoop writes a loop read at version with its jobs, all or nothing.
func (s *Store) SaveLoop(_ context.Context, now time.Time, version int64, l hotline.Loop, due time.Time, jobs []*bot.Email) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.loop(l.Ref)
	switch {
	case cur == nil:
		return bot.ErrNoLoop
	case cur.version != version:
		return bot.ErrLoopChanged
	}
	seen := map[string]bool{}
	for _, e := range jobs {
		ref := e.Ref()
		if _, queued := s.jobs[ref]; queued || s.isClosed(ref) || seen[ref] {
			return bot.ErrRefTaken
		}
		seen[ref] = true
	}
	if err := s.writeLoop(now, version, &l, due); err != nil {
		return err
	}
	for _, e := range jobs {
		at := e.Created
		if e.NotBefore.After(at) {
			at = e.NotBefore
		}
		s.jobs[e.Ref()] = &job{email: cloneEmail(*e), due: at, created: e.Created}
	}
	return nil
}

// ClaimLoops returns up to limit references of loops due at now, each leased.
func (s *Store) ClaimLoops(_ context.Context, _ int, now time.Time, lease time.Duration, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var refs []string
	for ref := range s.loops {
		if l := s.loop(ref); l != nil && !l.due.IsZero() && !l.due.After(now) {
			refs = append(refs, ref)
		}
	}
	slices.SortFunc(refs, func(a, b string) int { return s.loops[a].due.Compare(s.loops[b].due) })
	refs = refs[:min(len(refs), limit)]
	for _, ref := range refs {
		s.loops[ref].due = now.Add(lease)
	}
	return refs, nil
}
