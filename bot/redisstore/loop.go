package redisstore

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
)

// A referral's loop (hotline.Loop) lives in the shard of the conversation that
// made it, which the reference's first character after "H-" names
// (RefPrefix), under two keys of that shard:
//
//	<prefix>{hNN}:r:<ref>   the loop: its version (16 digits) then its JSON,
//	                        kept until the loop expires
//	<prefix>{hNN}:loops     when the loop worker next looks at each loop
//	                        (sorted set, ms; member: the reference)
//
// The commit that makes a referral writes its loop (commitScript, with the
// conversation and its jobs); a follow-up's answer writes it the same way. An
// organization's decision and the loop worker write it with saveLoopScript,
// with the jobs the step queues (the next organization's email and hand-off, a
// text to the person, an alert). Every write is conditional on the version
// read, so that two decisions racing (two clicks, two processes) apply once.

// loopAt returns the shard of a referral's reference and whether it is one this
// store made: "H-" then the shard's character (RefPrefix) and more.
func loopShard(ref string) (int, bool) {
	if len(ref) < 4 || !strings.HasPrefix(ref, "H-") {
		return 0, false
	}
	i := strings.IndexByte(bot.ReferenceAlphabet, ref[2])
	return i, i >= 0 && i < Shards
}

// loopKeys returns a referral's loop key and its shard's schedule of loops.
func (s *Store) loopKeys(ref string) (loop, due string, shard int, ok bool) {
	shard, ok = loopShard(ref)
	if !ok {
		return "", "", 0, false
	}
	base := s.shards[shard].base
	return base + "r:" + ref, base + "loops", shard, true
}

// encodeLoop writes a loop as stored: its version, 16 digits, then its JSON
// compressed with DEFLATE. A loop holds the referral as sent (every answer,
// for the next organization's email should it be re-routed) for the
// referral's retention: compressed, it takes about a third of the bytes.
func encodeLoop(version int64, l *hotline.Loop) (string, error) {
	data, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	b.WriteString(pad(version))
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&b)
	if _, err := w.Write(data); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// deflaters keeps DEFLATE writers, which allocate hundreds of kilobytes each.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression) // never fails for a valid level
	return w
}}

// decodeLoop reads a stored loop.
func decodeLoop(val string) (hotline.Loop, int64, error) {
	if len(val) < digits || strings.IndexFunc(val[:digits], notDigit) >= 0 {
		return hotline.Loop{}, 0, errors.New("redisstore: unreadable loop")
	}
	version, err := strconv.ParseInt(val[:digits], 10, 64)
	if err != nil {
		return hotline.Loop{}, 0, fmt.Errorf("redisstore: unreadable loop: %w", err)
	}
	if strings.HasPrefix(val[digits:], "{") {
		// Plain JSON, as a build of before the compression wrote it.
		var l hotline.Loop
		if err := json.Unmarshal([]byte(val[digits:]), &l); err != nil {
			return hotline.Loop{}, 0, fmt.Errorf("redisstore: unreadable loop: %w", err)
		}
		return l, version, nil
	}
	// Bounded: a loop is a few kilobytes; a corrupt value must not inflate
	// without end.
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(strings.NewReader(val[digits:])), maxLoopBytes+1))
	if err != nil || len(data) > maxLoopBytes {
		return hotline.Loop{}, 0, fmt.Errorf("redisstore: unreadable loop: %v", err)
	}
	var l hotline.Loop
	if err := json.Unmarshal(data, &l); err != nil {
		return hotline.Loop{}, 0, fmt.Errorf("redisstore: unreadable loop: %w", err)
	}
	return l, version, nil
}

// maxLoopBytes bounds a loop's JSON as read back.
const maxLoopBytes = 1 << 20

// loopArgs are the commit script's arguments 8 to 12 for a loop written with a
// conversation's change: its reference, the version read (16 digits), the loop
// as stored, its TTL in ms and its due time in ms ("0" for none).
func loopArgs(w *bot.LoopWrite, now time.Time) ([]any, error) {
	if _, ok := loopShard(w.Loop.Ref); !ok {
		return nil, fmt.Errorf("redisstore: a loop's reference %q is not this store's", w.Loop.Ref)
	}
	val, err := encodeLoop(w.Version+1, &w.Loop)
	if err != nil {
		return nil, err
	}
	return []any{w.Loop.Ref, pad(w.Version), val, strconv.FormatInt(loopTTL(w.Loop, now), 10), dueMs(w.Due)}, nil
}

// loopTTL is how long a loop is kept from now, in ms: until it expires, and at
// least a second (a loop that expired while being written goes soon).
func loopTTL(l hotline.Loop, now time.Time) int64 {
	return max(l.KeepUntil().Sub(now).Milliseconds(), 1000)
}

// dueMs is a loop's due time in Unix ms, "0" for none.
func dueMs(due time.Time) string {
	if due.IsZero() {
		return "0"
	}
	return strconv.FormatInt(max(due.UnixMilli(), 1), 10)
}

// LoadLoop reads a referral's loop and its version; bot.ErrNoLoop when there
// is none (or the reference is not one of this store's).
func (s *Store) LoadLoop(ctx context.Context, ref string) (hotline.Loop, int64, error) {
	key, _, _, ok := s.loopKeys(ref)
	if !ok {
		return hotline.Loop{}, 0, bot.ErrNoLoop
	}
	val, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return hotline.Loop{}, 0, bot.ErrNoLoop
	}
	if err != nil {
		return hotline.Loop{}, 0, storeError("load loop", err)
	}
	return decodeLoop(val)
}

// saveLoopScript writes a loop read at a version, and queues its jobs, all or
// nothing.
//
// KEYS: the loop, the shard's loops, jobs, outbox, created.
// ARGV: 1 the version read (16 digits); 2 the loop as stored (its new version
// first); 3 its TTL in ms; 4 its due time in ms ("0": none); then for each job,
// its reference, the job, and when it is due in ms.
//
// It returns 1 when saved; -1 when a job's reference is in use in the shard
// (queued, delivered or dead); -3 when the loop changed since it was read; -4
// when it is gone.
var saveLoopScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return -4 end
if string.sub(cur, 1, 16) ~= ARGV[1] then return -3 end
local base = string.sub(KEYS[3], 1, -5)
for i = 5, #ARGV, 3 do
  local ref = ARGV[i]
  if redis.call('HEXISTS', KEYS[3], ref) == 1 or redis.call('EXISTS', base .. 'sent:' .. ref, base .. 'dead:' .. ref) > 0 then
    return -1
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[4] == '0' then
  redis.call('ZREM', KEYS[2], string.sub(KEYS[1], #base + 3))
else
  redis.call('ZADD', KEYS[2], ARGV[4], string.sub(KEYS[1], #base + 3))
end
for i = 5, #ARGV, 3 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[4], ARGV[i + 2], ARGV[i])
  redis.call('ZADD', KEYS[5], ARGV[i + 2], ARGV[i])
end
return 1
`)

// SaveLoop writes a loop read at version with its jobs, all or nothing (see
// bot.LoopStore). A job is due at its NotBefore, or at once; now (the
// service's clock) is what the loop's expiry counts from.
func (s *Store) SaveLoop(ctx context.Context, now time.Time, version int64, l hotline.Loop, due time.Time, jobs []*bot.Email) error {
	key, loopsKey, shard, ok := s.loopKeys(l.Ref)
	if !ok {
		return bot.ErrNoLoop
	}
	val, err := encodeLoop(version+1, &l)
	if err != nil {
		return fmt.Errorf("redisstore: save loop: %w", err)
	}
	args := []any{pad(version), val, loopTTL(l, now), dueMs(due)}
	seen := map[string]bool{}
	for _, j := range jobs {
		data, err := encodeEmail(j)
		if err != nil {
			return fmt.Errorf("redisstore: save loop: %w", err)
		}
		ref := j.Ref()
		if ref == "" || seen[ref] {
			return fmt.Errorf("redisstore: save loop: job reference %q empty or given twice", ref)
		}
		seen[ref] = true
		at := j.Created
		if j.NotBefore.After(at) {
			at = j.NotBefore
		}
		args = append(args, ref, data, ms(at))
	}
	k := &s.shards[shard]
	res, err := saveLoopScript.Run(ctx, s.rdb, []string{key, loopsKey, k.jobs, k.outbox, k.created}, args...).Int()
	if err != nil {
		return storeError("save loop", err)
	}
	switch res {
	case 1:
		return nil
	case -1:
		return bot.ErrRefTaken
	case -3:
		return bot.ErrLoopChanged
	case -4:
		return bot.ErrNoLoop
	}
	return fmt.Errorf("redisstore: save loop: unexpected reply %d", res)
}

// claimLoopsScript takes up to ARGV[3] loops of a shard whose look is due, and
// leases them: their due time moves on by the lease, so that a worker that dies
// leaves them to another. A loop that expired is dropped from the schedule.
// KEYS: loops. ARGV: now ms, lease ms, limit, the shard's loop-key prefix.
var claimLoopsScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, ref in ipairs(due) do
  if redis.call('EXISTS', ARGV[4] .. ref) == 0 then
    redis.call('ZREM', KEYS[1], ref)
  else
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ref)
    out[#out + 1] = ref
  end
end
return out
`)

// ClaimLoops returns up to limit references of a shard's loops due at now,
// each leased for lease.
func (s *Store) ClaimLoops(ctx context.Context, shard int, now time.Time, lease time.Duration, limit int) ([]string, error) {
	k := &s.shards[shard]
	refs, err := claimLoopsScript.Run(ctx, s.rdb, []string{k.base + "loops"}, ms(now), lease.Milliseconds(), limit, k.base+"r:").StringSlice()
	if err != nil {
		return nil, storeError("claim loops", err)
	}
	return refs, nil
}

var _ bot.LoopStore = (*Store)(nil)
