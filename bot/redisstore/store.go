// Package redisstore keeps conversations, the referral outbox and the reminder
// schedule in Redis (single, Sentinel or Cluster, through redis.UniversalClient),
// with Lua scripts so that a message costs one command and holds no lock; the
// commands of messages that arrive together share a round trip (go-redis's
// autopipeliner).
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/flows"
)

// Keys. Every conversation belongs to one of Shards shards, and every key of a shard
// carries the shard's hash tag, "{hNN}":
//
//	<prefix>{hNN}:c:<conv>     a conversation (a string, below)
//	<prefix>{hNN}:m:<conv>     the short ids of its messages (a set, kept 48 hours after the last)
//	<prefix>{hNN}:jobs         outbox jobs by reference (hash: ref → job)
//	<prefix>{hNN}:outbox       when each job is next due (sorted set, ms)
//	<prefix>{hNN}:created      when each job was queued (sorted set, ms)
//	<prefix>{hNN}:remind       when each conversation's reminder is due (sorted set, ms)
//	<prefix>{hNN}:sent:<ref>   a delivered job's marker ("1"), until retention ends
//	<prefix>{hNN}:dead:<ref>   what became of a job given up on (JSON: reference, organization,
//	                           attempts, last error, times; nothing of the person), until
//	                           retention ends
//
// Sharing a tag puts a conversation, its message ids, its shard's outbox and its
// shard's reminder schedule in one Cluster slot, so the script that ends a
// conversation can queue its referral email and drop its reminder atomically,
// under Cluster too, with no "pending marker then enqueue" step that a crash could
// split. Workers walk the shards.
//
// A conversation is one string, packed to stay well under 1 KiB (a hash of seven
// fields costs Redis twice the bytes once a value passes 64 bytes). Its head has a
// fixed layout, so that the commit script, which runs for every message on
// Redis's one thread, finds what it needs by position and parses no numbers:
//
//	bytes   0–15   version: 16 digits
//	bytes  16–31   indexed: the score of the conversation in its shard's reminder
//	               schedule, 16 digits, all zeros when it is not there
//	bytes  32–50   the last message's short id: 19 digits, 19 "-" for none
//	byte   51      ':'
//	bytes  52–67   remind at: when to remind the person, in Unix ms (16 digits,
//	               all zeros for no reminder)
//	then           " <len reply> <len who>\n", reply, who, state
//
// version is bumped by every commit; reply holds the last message's replies (a
// JSON list), for a duplicate of it; who is whom to remind; state is the encoded
// flows.State (state.go). A message's short id is 63 bits of the SHA-256 of its
// id, written in decimal: Redis keeps a set of such numbers as an intset, 8 bytes
// a member, and two ids of one conversation meet by chance once in 2^63/n. The
// set is kept 48 hours after the conversation's last message, so that a message
// Twilio delivers again (or someone replays) within 48 hours is never applied
// twice: the last one gets its reply again, an older one nothing. It holds at
// most maxSeen ids (a screening sends about 15), so that a sender who never
// stops cannot grow it without end; past that, one id goes at random for each
// new one.
//
// Every message moves the reminder, but the schedule is written only when the
// conversation is not in it, or is in it for a later time than the new one: the
// reminder worker finds an entry that came due early, sees the later "remind at"
// and moves the entry there. That saves a sorted-set write on almost every
// message.

// Shards is how many shards the keys are spread over: enough to spread a Cluster's
// slots over its masters, few enough for workers to poll each one every second.
const Shards = 16

// dedupeFor is how long a message id is remembered after the conversation's last
// message.
const dedupeFor = 48 * time.Hour

// maxSeen bounds the message ids a conversation keeps: 256 members of 8 bytes
// stay an intset (set-max-intset-entries is 512).
const maxSeen = 256

// The conversation string's layout (see above).
const (
	digits     = 16                    // width of a version or a time
	shortIDLen = 19                    // a message's short id: 63 bits, in decimal
	lastAt     = 2 * digits            // where the last message's short id starts
	markAt     = lastAt + shortIDLen   // the ':' after it
	remindAt   = markAt + 1            // where "remind at" starts
	tailAt     = remindAt + digits     // where " <len reply> <len who>\n" starts
	noShortID  = "-------------------" // no message, or a message without an id
	zeroDigits = "0000000000000000"    // no version, no reminder
)

// luaLayout declares the layout for the scripts, 1-based as Lua counts.
var luaLayout = fmt.Sprintf(`
local ZERO, NOID = '%s', '%s'
local DIGITS = '^' .. string.rep('%%d', %d)
local LAST, MARK = %d, %d
local REMIND, REMINDEND, TAIL = %d, %d, %d
local IDLEN, HEADLEN, MAXSEEN = %d, %d, %d
`, zeroDigits, noShortID, 2*digits, lastAt+1, markAt+1, remindAt+1, remindAt+digits, tailAt+1, shortIDLen, headLen, maxSeen)

// unpackLua reads what a script needs of a conversation string "cur" (or false):
// readable says it has the layout (32 digits, and the ':' after the last id; a
// string of an older layout has neither); tailOf cuts out the rest, when needed.
const unpackLua = `
local function readable(cur)
  return cur and #cur >= TAIL and string.byte(cur, MARK) == 58 and string.find(cur, DIGITS) ~= nil
end
-- tailOf returns the reply, who and state of a readable conversation.
local function tailOf(cur)
  local rl, wl, q = string.match(cur, '^ (%d+) (%d+)\n()', TAIL)
  if not q then return '', '', '' end
  rl, wl = tonumber(rl), tonumber(wl)
  return string.sub(cur, q, q + rl - 1), string.sub(cur, q + rl, q + rl + wl - 1), string.sub(cur, q + rl + wl)
end
`

// commitScript saves a conversation if its version is still the one read, queues
// its referral job and schedules its reminder, all or nothing. When it cannot, it
// says why with what the caller needs next.
//
// KEYS: conversation, message ids, jobs, outbox, created, remind.
// ARGV: 1 the head, fixed-width: the version read (16 digits), the new version
// (16), the message's short id (19, all "-" for none), the TTL in ms (16, "0…0"
// keeps none), the deadline in Unix ms (16, "0…0" for none); 2 the string from "remind at" on (its first 16 digits, "0…0" for
// no reminder, say whether to schedule one); 3 job ref ("" for none); 4 job; 5
// now ms (for the jobs); and only when there is a second job (a referral's JSON
// hand-off, bot.Change.Handoff), 6 its ref and 7 the job; and only when the
// change writes a referral's loop (bot.Change.Loop; 6 and 7 are then "" when
// there is no second job), 8 its reference, 9 the version read (16 digits,
// zeros for a new loop, which must not exist), 10 the loop as stored, 11 its
// TTL in ms, 12 its due time in ms ("0": none). The arguments are few
// and fixed-width on purpose: each one costs Redis an object and a Lua string,
// which is why a message without a second job sends no empty ones. They are
// checked before anything is written: Redis does not undo the writes of a
// script that fails halfway. So are both jobs' references, before either job
// is written: both are queued, in the conversation's shard, or neither.
//
// A commit that runs at or after its deadline, by Redis's own clock (TIME), saves
// nothing: the person may have been told that the message failed, and a commit
// still queued behind a stalled Redis must not apply it after all. The clock is
// read before the first write, once the message is known not to be the last one
// applied (whose duplicate is answered whatever the time); one TIME call costs
// well under a microsecond.
//
// A referral's email (queued under its bare reference, like "H-7F3K9") and its
// JSON hand-off (under "handoff:H-7F3K9", bot.HandoffRef) take each other's
// reference: either job is refused when either reference is queued, delivered
// (sent:) or dead (dead:), so that a hand-off alone never reuses a reference an
// email had, nor the other way round. Any other job ("notice:", "alert:")
// takes only its own. Bare references hold no ':'.
//
// It returns {3} when saved; {1, replies} for a duplicate of the last message; {2}
// for a duplicate of an older one; {0, state, version} when another message came
// first; {-1} when a job's reference is in use in this shard; {-2} when the
// deadline has passed; {-3} when the loop is not as it was read. Two jobs under one reference (a bug in the caller, which
// drawing another reference would not fix) are an error reply, like any
// malformed arguments.
var commitScript = redis.NewScript(commitLua)

// commitLua is the commit script's source.
var commitLua = luaLayout + unpackLua + `
local head = ARGV[1]
local expected, nextv = string.sub(head, 1, 16), string.sub(head, 17, 32)
local msg, r = string.sub(head, 33, 32 + IDLEN), string.sub(ARGV[2], 1, 16)
local ttlDigits = string.sub(head, 33 + IDLEN, 48 + IDLEN)
local deadline = string.sub(head, 49 + IDLEN, HEADLEN)
-- Members are numbers without leading zeros, so that Redis keeps an intset.
local member = msg ~= NOID and string.match(msg, '^0*(%d+)$')
-- Everything is checked before the first write: Redis does not undo the writes
-- of a script that fails halfway, and a message id left in the set would make
-- the message's retry a "duplicate".
local headOK = #head == HEADLEN
if msg == NOID then
  headOK = headOK and string.find(string.sub(head, 1, 32), '^%d+$') and string.find(string.sub(head, 33 + IDLEN), '^%d+$')
else
  headOK = headOK and member and string.find(head, '^%d+$')
end
-- The jobs to queue: none, one or two {ref, job}.
local jobs = {}
if ARGV[3] ~= '' then jobs[#jobs + 1] = {ARGV[3], ARGV[4]} end
if ARGV[6] and ARGV[6] ~= '' then jobs[#jobs + 1] = {ARGV[6], ARGV[7] or ''} end
-- The referral's loop to write, if any: {ref, version read, value, ttl, due}.
local loop = ARGV[8] and ARGV[8] ~= '' and {ARGV[8], ARGV[9] or '', ARGV[10] or '', ARGV[11] or '', ARGV[12] or ''}
if not headOK or not string.find(ARGV[2], '^%d+ %d+ %d+\n') or not string.find(r, '^%d+$') or #r ~= 16
    or (#jobs > 0 and not string.find(ARGV[5], '^%d+$')) or (#jobs == 2 and jobs[1][1] == jobs[2][1])
    or (loop and (#loop[2] ~= 16 or not string.find(loop[2], '^%d+$') or not string.find(string.sub(loop[3], 1, 16), '^%d+$')
      or not string.find(loop[4], '^%d+$') or not string.find(loop[5], '^%d+$'))) then
  return redis.error_reply('ERR hotline commit: malformed arguments')
end
local ttl = tonumber(ttlDigits)
local cur = redis.call('GET', KEYS[1])
local ok = readable(cur)
if member and ok and string.sub(cur, LAST, MARK - 1) == msg then
  local reply = tailOf(cur)
  return {1, reply, cur}
end
if deadline ~= ZERO then
  local t = redis.call('TIME')
  if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= tonumber(deadline) then
    if member and redis.call('SISMEMBER', KEYS[2], member) == 1 then return {2} end
    return {-2}
  end
end
-- Adding the id tells whether it was there: a message applied before.
if member and redis.call('SADD', KEYS[2], member) == 0 then return {2} end
local v, indexed = ZERO, ZERO
if ok then v, indexed = string.sub(cur, 1, 16), string.sub(cur, 17, 32) end
if v ~= expected then
  -- Not applied: the id goes again, for the retry of this message.
  if member then redis.call('SREM', KEYS[2], member) end
  local state = ''
  if ok then local _, _, st = tailOf(cur); state = st end
  return {0, state, v}
end
local loopKey, loopsKey
if loop then
  -- The loop must be as it was read (absent, for a new one), checked before
  -- any write like the references below.
  local base = string.sub(KEYS[3], 1, -5)
  loopKey, loopsKey = base .. 'r:' .. loop[1], base .. 'loops'
  local lcur = redis.call('GET', loopKey)
  if (lcur and string.sub(lcur, 1, 16) or ZERO) ~= loop[2] then
    if member then redis.call('SREM', KEYS[2], member) end
    return {-3}
  end
end
if #jobs > 0 then
  -- Every reference is checked before any job is written: a referral's
  -- email and hand-off each under both references (see above).
  local base = string.sub(KEYS[3], 1, -5)
  for _, job in ipairs(jobs) do
    local refs = {job[1]}
    if string.sub(job[1], 1, 8) == 'handoff:' then
      refs[2] = string.sub(job[1], 9)
    elseif not string.find(job[1], ':', 1, true) then
      refs[2] = 'handoff:' .. job[1]
    end
    for _, ref in ipairs(refs) do
      if redis.call('EXISTS', base .. 'sent:' .. ref, base .. 'dead:' .. ref) > 0 or redis.call('HEXISTS', KEYS[3], ref) == 1 then
        if member then redis.call('SREM', KEYS[2], member) end
        return {-1}
      end
    end
  end
  for _, job in ipairs(jobs) do
    redis.call('HSET', KEYS[3], job[1], job[2])
    redis.call('ZADD', KEYS[4], ARGV[5], job[1])
    redis.call('ZADD', KEYS[5], ARGV[5], job[1])
  end
end
if loopKey then
  redis.call('SET', loopKey, loop[3], 'PX', loop[4])
  if loop[5] == '0' then redis.call('ZREM', loopsKey, loop[1]) else redis.call('ZADD', loopsKey, loop[5], loop[1]) end
end
-- The reminder's member is the conversation's id: its key without the shard's
-- "<prefix>{hNN}:c:", which is as long as the remind key less "remind", plus "c:".
if r == ZERO then
  if indexed ~= ZERO then
    redis.call('ZREM', KEYS[6], string.sub(KEYS[1], #KEYS[6] - 3))
    indexed = ZERO
  end
elseif indexed == ZERO or r < indexed then
  redis.call('ZADD', KEYS[6], r, string.sub(KEYS[1], #KEYS[6] - 3))
  indexed = r
end
local tail = ARGV[2]
local last = msg
if msg == NOID and ok then
  -- A message without an id is never a duplicate, so it keeps the last id and
  -- its reply as they are: a late duplicate of the last message with an id still
  -- gets its reply. Its own reply goes; the rest of the tail is Go's.
  last = string.sub(cur, LAST, MARK - 1)
  local at, rl, wl, q = string.match(tail, '^(%d+) (%d+) (%d+)\n()')
  local reply = tailOf(cur)
  tail = at .. ' ' .. #reply .. ' ' .. wl .. '\n' .. reply .. string.sub(tail, q + tonumber(rl))
end
local val = nextv .. indexed .. last .. ':' .. tail
if ttl == 0 then
  redis.call('SET', KEYS[1], val)
else
  redis.call('SET', KEYS[1], val, 'PX', ttl)
end
if member then
  -- At most MAXSEEN ids: past them one goes at random, so that a long
  -- conversation keeps most of its recent ids (those Twilio delivers again).
  if redis.call('SCARD', KEYS[2]) > MAXSEEN then redis.call('SPOP', KEYS[2]) end
  redis.call('PEXPIRE', KEYS[2], ` + strconv.FormatInt(dedupeFor.Milliseconds(), 10) + `)
end
return {3}
`

// conversation is what Load needs of a conversation string.
type conversation struct {
	version int64
	last    string // the last message's short id
	reply   string
	who     string
	state   string
}

// unpack reads a conversation string as the scripts do. Anything unreadable is an
// empty conversation at version 0: its next commit overwrites it.
func unpack(val string) conversation {
	if len(val) < tailAt || val[markAt] != ':' || strings.IndexFunc(val[:lastAt], notDigit) >= 0 {
		return conversation{}
	}
	version, err := strconv.ParseInt(val[:digits], 10, 64)
	header, rest, ok := strings.Cut(val[tailAt:], "\n")
	f := strings.Fields(header)
	if err != nil || !ok || len(f) != 2 {
		return conversation{}
	}
	rl, err1 := strconv.Atoi(f[0])
	wl, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || rl < 0 || wl < 0 || rl+wl > len(rest) {
		return conversation{}
	}
	return conversation{version: version, last: val[lastAt:markAt], reply: rest[:rl], who: rest[rl : rl+wl], state: rest[rl+wl:]}
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// headLen is the length of the commit script's head argument.
const headLen = 4*digits + shortIDLen

// pad writes n as 16 digits.
func pad(n int64) string {
	return string(appendPad(nil, n))
}

// appendPad appends n (0 or more) as 16 digits.
func appendPad(b []byte, n int64) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], n, 10)
	for i := len(s); i < digits; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Store keeps conversations, the outbox and reminders in Redis.
type Store struct {
	rdb redis.UniversalClient
	// pipe is rdb's autopipeliner, for the commits; nil sends them one by one.
	pipe *redis.AutoPipeliner
	// inflight counts the commits under way. A commit with none beside it goes
	// on its own: batching pays only when others can share the round trip, and
	// handing a lone command to the autopipeliner's goroutines costs it latency.
	inflight atomic.Int64
	// alwaysPipe sends every commit through pipe (tests of that path).
	alwaysPipe bool
	// shards holds each shard's keys, made once: a message's commit names five.
	shards [Shards]shardKeys
}

// shardKeys are the keys of one shard.
type shardKeys struct {
	base                                      string // <prefix>{hNN}:
	conv, seen, jobs, outbox, created, remind string // conv and seen are prefixes
	// boxed holds jobs, outbox, created and remind as interface values, made
	// once: every commit names them, and boxing a string allocates.
	boxed [4]any
}

var (
	_ bot.Store         = (*Store)(nil)
	_ bot.OutboxStore   = (*Store)(nil)
	_ bot.ReminderStore = (*Store)(nil)
)

// New returns a Store whose keys all start with prefix (like "hotline:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	s := &Store{rdb: rdb, pipe: asyncAutoPipeline(rdb)}
	for i := range s.shards {
		base := fmt.Sprintf("%s{h%02d}:", prefix, i)
		k := shardKeys{base: base, conv: base + "c:", seen: base + "m:", jobs: base + "jobs", outbox: base + "outbox",
			created: base + "created", remind: base + "remind"}
		k.boxed = [4]any{k.jobs, k.outbox, k.created, k.remind}
		s.shards[i] = k
	}
	return s
}

// asyncAutoPipeline returns the client's autopipeliner, which sends the commands
// that many requests issue at the same moment together, in one write and one
// read: Redis then spends its system calls per batch, not per message, and the
// commit of each message is still its own atomic script. It returns nil for a
// client without one, or whose autopipeliner cannot start: then each command
// goes on its own.
func asyncAutoPipeline(rdb redis.UniversalClient) *redis.AutoPipeliner {
	var ap *redis.AutoPipeliner
	var err error
	switch c := rdb.(type) {
	case *redis.Client:
		ap, err = c.AsyncAutoPipeline()
	case *redis.ClusterClient:
		ap, err = c.AsyncAutoPipeline()
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	return ap
}

// runCommit runs the commit script for a conversation key of shard k, through
// the autopipeliner when there is one and other commits are under way. A batched
// command runs on the autopipeliner's context, not the caller's, so the caller's
// deadline bounds only the wait: a commit given up on stays queued (as one sent
// alone may sit in a stalled Redis's socket), but the deadline it carries makes
// the script refuse it when it runs late. Load, which the autopipeliner runs
// after it, then tells truly whether it was applied.
func (s *Store) runCommit(ctx context.Context, k *shardKeys, conv string, args ...any) ([]any, error) {
	alone := s.inflight.Add(1) == 1
	defer s.inflight.Add(-1)
	convKey, seenKey := k.conv+conv, k.seen+conv
	if s.pipe == nil || alone && !s.alwaysPipe {
		keys := []string{convKey, seenKey, k.jobs, k.outbox, k.created, k.remind}
		return commitScript.Run(ctx, s.rdb, keys, args...).Slice()
	}
	res, err := s.submit(ctx, "evalsha", commitSHA, k, convKey, seenKey, args)
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or its scripts were flushed: send the script itself,
		// which also loads it again. A NOSCRIPT reply means nothing ran.
		res, err = s.submit(ctx, "eval", commitSource, k, convKey, seenKey, args)
	}
	return res, err
}

// commitSHA and commitSource are the commit script's digest and text, boxed once.
var commitSHA, commitSource any = commitScript.Hash(), commitLua

// submit queues one EVAL or EVALSHA of the commit script and waits for its reply
// or ctx.
func (s *Store) submit(ctx context.Context, verb string, script any, k *shardKeys, convKey, seenKey string, args []any) ([]any, error) {
	argv := make([]any, 0, 9+len(args))
	argv = append(argv, verb, script, 6, convKey, seenKey)
	argv = append(argv, k.boxed[:]...)
	argv = append(argv, args...)
	cmd := redis.NewCmd(ctx, argv...)
	if err := s.pipe.Submit(ctx, cmd).WaitContext(ctx); err != nil {
		return nil, err
	}
	return cmd.Slice()
}

// shardOf returns the shard of a conversation (FNV-1a, inlined to spare an
// allocation per message).
func shardOf(conv string) int {
	h := uint32(2166136261)
	for i := 0; i < len(conv); i++ {
		h ^= uint32(conv[i])
		h *= 16777619
	}
	return int(h % Shards)
}

// shardKey returns a key of a shard: <prefix>{hNN}:<name>.
func (s *Store) shardKey(shard int, name string) string {
	return s.shards[shard].base + name
}

// Keys returns the Redis keys a conversation keeps under its own name: its
// string and its message ids (its referral's keys are named by the reference).
// An operator erasing a person's data deletes these.
func (s *Store) Keys(conv string) []string {
	k := &s.shards[shardOf(conv)]
	return []string{k.conv + conv, k.seen + conv}
}

// shortID turns a message id into the short form stored for deduplication: 63
// bits of its SHA-256 as 19 digits, or noShortID for none.
func shortID(msgID string) string {
	return string(appendShortID(nil, msgID))
}

// appendShortID appends a message's short id to b.
func appendShortID(b []byte, msgID string) []byte {
	if msgID == "" {
		return append(b, noShortID...)
	}
	sum := sha256.Sum256([]byte(msgID))
	n := binary.BigEndian.Uint64(sum[:8]) & (1<<63 - 1)
	var d [shortIDLen]byte
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}

// member is a short id as the set of message ids holds it: without leading zeros,
// as the commit script writes it, so that Redis keeps the set as an intset.
func member(shortID string) string {
	if m := strings.TrimLeft(shortID, "0"); m != "" {
		return m
	}
	return "0"
}

// Load reads a conversation in one round trip. With an autopipeliner it goes
// through it: its batches run one after the other in the order given, so the read
// runs after any commit still queued or in flight there. The Service loads after
// a commit whose wait ran out, to learn whether it was applied: the answer must
// not come before the commit itself.
func (s *Store) Load(ctx context.Context, conv, msgID string) (bot.Snapshot, error) {
	k := &s.shards[shardOf(conv)]
	// Plain reads, not a script: they are not held up by a CLIENT PAUSE WRITE,
	// and the commit script writes both keys at once anyway.
	cmds := []redis.Cmder{redis.NewStringCmd(ctx, "get", k.conv+conv)}
	if msgID != "" {
		cmds = append(cmds, redis.NewBoolCmd(ctx, "sismember", k.seen+conv, member(shortID(msgID))))
	}
	var err error
	if s.pipe == nil {
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range cmds {
				_ = p.Process(ctx, c)
			}
			return nil
		})
	} else {
		var waits []interface{ WaitContext(context.Context) error }
		for _, c := range cmds {
			waits = append(waits, s.pipe.Submit(ctx, c))
		}
		// Wait for every command: one's error (a nil GET, say) says nothing of
		// the other's, which may still be on its way.
		for _, w := range waits {
			if werr := w.WaitContext(ctx); werr != nil && !errors.Is(werr, redis.Nil) && err == nil {
				err = werr
			}
		}
	}
	if err == nil {
		// Every command has its reply (a command whose wait ran out may not, and
		// is not read: the autopipeliner may still be writing it).
		for _, c := range cmds {
			if cerr := c.Err(); cerr != nil && !errors.Is(cerr, redis.Nil) && err == nil {
				err = cerr
			}
		}
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return bot.Snapshot{}, storeError("load", err)
	}
	c := unpack(cmds[0].(*redis.StringCmd).Val())
	switch {
	case msgID != "" && c.last == shortID(msgID):
		return bot.Snapshot{Duplicate: true, Replies: decodeReplies(c.reply), State: decodeStored(c.state)}, nil
	case msgID != "" && cmds[1].(*redis.BoolCmd).Val():
		return bot.Snapshot{Duplicate: true}, nil
	}
	return bot.Snapshot{State: decodeStored(c.state), Version: c.version}, nil
}

// Commit saves a conversation, its jobs and its reminder in one round trip. When
// saved, the Snapshot returned holds the conversation's new version. When another
// message came first it returns committed false with what Load would have
// returned; a job reference already in use (either job's) is bot.ErrRefTaken.
//
// The new version is one more than c.Version; a new conversation's (c.Version 0)
// is one more than c.Now in ms, so that a key that expired and began again never
// reuses a version: a process that still remembers the conversation it held
// before cannot commit over its successor.
func (s *Store) Commit(ctx context.Context, conv, msgID string, c bot.Change) (bot.Snapshot, bool, error) {
	k := &s.shards[shardOf(conv)]
	next := c.Version + 1
	if c.Version == 0 {
		next = max(c.Now.UnixMilli(), 0) + 1
	}
	replies, err := json.Marshal(c.Replies)
	if err != nil {
		return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: %w", err)
	}
	var remindAt int64
	var who []byte
	if c.Reminder != nil {
		remindAt, who = c.Reminder.At.UnixMilli(), appendWho(nil, c.Reminder.To)
	}
	// The head: versions, short id and TTL, fixed-width (see commitScript).
	var head [headLen]byte
	h := appendPad(head[:0], c.Version)
	h = appendPad(h, next)
	h = appendShortID(h, msgID)
	h = appendPad(h, max(c.TTL.Milliseconds(), 0))
	h = appendPad(h, deadlineMs(ctx, c.Deadline))
	// The string from "remind at" on is made here, so that the script only
	// joins it to the conversation's head.
	tail := make([]byte, 0, digits+16+len(replies)+len(who)+stateLen(&c.State))
	tail = appendPad(tail, remindAt)
	tail = append(tail, ' ')
	tail = strconv.AppendInt(tail, int64(len(replies)), 10)
	tail = append(tail, ' ')
	tail = strconv.AppendInt(tail, int64(len(who)), 10)
	tail = append(tail, '\n')
	tail = append(append(tail, replies...), who...)
	tail = appendState(tail, &c.State)
	var jobRef, now string
	var job []byte
	if c.Email != nil {
		if job, err = encodeEmail(c.Email); err != nil {
			return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: %w", err)
		}
		jobRef = c.Email.Ref()
	}
	if c.Email != nil || c.Handoff != nil {
		now = strconv.FormatInt(c.Now.UnixMilli(), 10)
	}
	args := []any{string(h), tail, jobRef, job, now}
	if c.Handoff != nil {
		// A second job, in the same script: both are queued or neither.
		second, err := encodeEmail(c.Handoff)
		if err != nil {
			return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: %w", err)
		}
		args = append(args, c.Handoff.Ref(), second)
	}
	if c.Loop != nil {
		if c.Handoff == nil {
			args = append(args, "", "")
		}
		if shard, ok := loopShard(c.Loop.Loop.Ref); !ok || shard != shardOf(conv) {
			// The commit writes the loop in the conversation's shard and
			// LoadLoop reads it in the reference's: they must be one.
			return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: the loop %q is not in the conversation's shard", c.Loop.Loop.Ref)
		}
		la, err := loopArgs(c.Loop, c.Now)
		if err != nil {
			return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: %w", err)
		}
		args = append(args, la...)
	}
	res, err := s.runCommit(ctx, k, conv, args...)
	if err != nil {
		return bot.Snapshot{}, false, storeError("commit", err)
	}
	if len(res) == 0 {
		return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: empty reply")
	}
	code, _ := res[0].(int64)
	switch code {
	case 3:
		return bot.Snapshot{Version: next}, true, nil
	case 1:
		// The message was the last one: the conversation is as it left it.
		dup := bot.Snapshot{Duplicate: true, Replies: decodeReplies(stringOf(res[1]))}
		if len(res) > 2 {
			dup.State = decodeStored(unpack(stringOf(res[2])).state)
		}
		return dup, false, nil
	case 2:
		return bot.Snapshot{Duplicate: true}, false, nil
	case 0:
		version, err := strconv.ParseInt(stringOf(res[2]), 10, 64)
		if err != nil {
			return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: bad version: %w", err)
		}
		return bot.Snapshot{State: decodeStored(stringOf(res[1])), Version: version}, false, nil
	case -1:
		return bot.Snapshot{}, false, bot.ErrRefTaken
	case -2:
		return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: %w", bot.ErrDeadline)
	case -3:
		if c.Loop.Version == 0 {
			// A new referral's reference names a loop already: like a
			// reference in use in the outbox, draw another.
			return bot.Snapshot{}, false, bot.ErrRefTaken
		}
		return bot.Snapshot{}, false, bot.ErrLoopChanged
	}
	return bot.Snapshot{}, false, fmt.Errorf("redisstore: commit: unexpected reply %v", res)
}

// deadlineMs is the commit's deadline in Unix ms, as the script compares it with
// Redis's clock: the earlier of the change's and ctx's, 0 for none. It is
// rounded down, so that the commit is refused a little early rather than late.
func deadlineMs(ctx context.Context, change time.Time) int64 {
	d := change
	if cd, ok := ctx.Deadline(); ok && (d.IsZero() || cd.Before(d)) {
		d = cd
	}
	if d.IsZero() {
		return 0
	}
	return max(d.UnixMilli(), 1)
}

// storeError wraps an error of a command: one for which Redis gave no answer
// also wraps bot.ErrUnavailable, which the service counts towards its circuit
// breaker. A caller who cancelled (a person who hung up) says nothing of Redis.
func storeError(op string, err error) error {
	if IsUnavailable(err) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("redisstore: %s: %w: %w", op, bot.ErrUnavailable, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// decodeStored reads a stored state. One this version cannot read (corrupt, or
// written by a newer release) is a new conversation: starting over beats refusing
// the person forever.
func decodeStored(data string) flows.State {
	if data == "" {
		return flows.State{}
	}
	st, err := decodeState(data)
	if err != nil {
		return flows.State{}
	}
	return st
}

// decodeReplies reads the stored replies of a message (a JSON list); unreadable
// replies are none, so that a duplicate gets an empty answer rather than a wrong
// one.
func decodeReplies(data string) []string {
	var replies []string
	if json.Unmarshal([]byte(data), &replies) != nil {
		return nil
	}
	return replies
}

// appendWho encodes whom a reminder goes to: the channel, the person's number and
// the hotline's, each with its length (state.go's appendString).
func appendWho(b []byte, c hotline.Conversation) []byte {
	return appendString(appendString(appendString(b, c.Channel), c.From), c.To)
}

// decodeWho reads appendWho's encoding.
func decodeWho(data string) (hotline.Conversation, bool) {
	r := stateReader{buf: data}
	c := hotline.Conversation{Channel: r.string(), From: r.string(), To: r.string()}
	return c, !r.bad && r.off == len(data)
}

// RefPrefix returns the first character of the references of a conversation's
// shard: one per shard, so that a reference checked unique in its shard is unique.
func (s *Store) RefPrefix(conv string) byte {
	return bot.ReferenceAlphabet[shardOf(conv)]
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

// ClockOffset returns how far Redis's clock (TIME) is ahead of this host's
// (negative: behind), measured against the middle of the round trip, and the
// round trip, which bounds the measurement's error. The commit script compares
// deadlines with Redis's clock (see commitScript), so the service's margin for
// clock skew holds only while this stays small.
func (s *Store) ClockOffset(ctx context.Context) (offset, roundTrip time.Duration, err error) {
	before := time.Now()
	t, err := s.rdb.Time(ctx).Result()
	after := time.Now()
	if err != nil {
		return 0, 0, fmt.Errorf("redisstore: time: %w", err)
	}
	roundTrip = after.Sub(before)
	return t.Sub(before.Add(roundTrip / 2)), roundTrip, nil
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// IsUnavailable reports whether err means Redis could not be reached, as opposed
// to a reply it gave.
func IsUnavailable(err error) bool {
	var redisErr redis.Error
	return err != nil && !errors.As(err, &redisErr)
}

// ms formats a time as Unix milliseconds, the scores of the sorted sets.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
