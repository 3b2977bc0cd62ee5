// Package redisstore keeps conversations, the referral outbox and the reminder
// schedule in Redis (single, Sentinel or Cluster, through redis.UniversalClient),
// with Lua scripts so that a message costs two round trips and holds no lock.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
)

// Keys. Every conversation belongs to one of Shards shards, and every key of a shard
// carries the shard's hash tag, "{hNN}":
//
//	<prefix>{hNN}:c:<conv>     a conversation (a string, below)
//	<prefix>{hNN}:jobs         outbox jobs by reference (hash: ref → job)
//	<prefix>{hNN}:outbox       when each job is next due (sorted set, ms)
//	<prefix>{hNN}:created      when each job was queued (sorted set, ms)
//	<prefix>{hNN}:remind       when each conversation's reminder is due (sorted set, ms)
//	<prefix>{hNN}:sent:<ref>   a delivered job's marker and record, until retention ends
//	<prefix>{hNN}:dead:<ref>   a job that could not be delivered, until retention ends
//
// Sharing a tag puts a conversation, its shard's outbox and its shard's reminder
// schedule in one Cluster slot, so the script that ends a conversation can queue its
// referral email and drop its reminder atomically, under Cluster too, with no
// "pending marker then enqueue" step that a crash could split. Workers walk the
// shards.
//
// A conversation is one string, packed to stay well under 1 KiB (a hash of seven
// fields costs Redis twice the bytes once a value passes 64 bytes):
//
//	"<version> <reminder version> <len id> <len ring> <len reply> <len who>\n"
//	followed by: id, ring, reply, who, state
//
// version is bumped by every commit; id is the short id of the last message
// applied and reply its replies (JSON), for a duplicate of it; ring holds the
// short ids of the 16 messages before it; who is whom to remind (JSON) and the
// reminder version the version it was set for; state is the encoded flows.State.
// Only the last reply is kept: Twilio redelivers a message right after the first
// attempt, so a duplicate of an older message (found in the ring) is answered with
// nothing and changes nothing.

// Shards is how many shards the keys are spread over: enough to spread a Cluster's
// slots over its masters, few enough for workers to poll each one every second.
const Shards = 16

// shortIDLen is the length of a message's short id: 32 bits of its SHA-256, ample
// to tell apart the few dozen messages of one conversation.
const shortIDLen = 8

// ringBytes keeps the short ids of the 16 messages before the last.
const ringBytes = 16 * shortIDLen

// unpackLua reads a conversation string into locals; "cur" is the value or false.
const unpackLua = `
local v, rv, id, ring, reply, who, state = 0, 0, '', '', '', '', ''
if cur then
  local a, b, c, d, e, f, q = string.match(cur, '^(%d+) (%d+) (%d+) (%d+) (%d+) (%d+)\n()')
  if a then
    v, rv = tonumber(a), tonumber(b)
    local il, ol, rl, wl = tonumber(c), tonumber(d), tonumber(e), tonumber(f)
    id = string.sub(cur, q, q + il - 1); q = q + il
    ring = string.sub(cur, q, q + ol - 1); q = q + ol
    reply = string.sub(cur, q, q + rl - 1); q = q + rl
    who = string.sub(cur, q, q + wl - 1); q = q + wl
    state = string.sub(cur, q)
  end
end
`

// commitScript saves a conversation if its version is still the one read, queues
// its referral job and sets or drops its reminder, all or nothing. When it cannot,
// it says why with what the caller needs next.
//
// KEYS: conversation, jobs, outbox, created, remind.
// ARGV: 1 version, 2 state, 3 TTL ms ("0" keeps it), 4 short id ("" for none),
// 5 replies, 6 job ref ("" for none), 7 job, 8 now ms, 9 reminder due ms ("" drops
// it), 10 conversation key (the reminder's member), 11 who to remind, 12 sent-key
// prefix, 13 dead-key prefix.
//
// It returns {3} when saved; {1, replies} for a duplicate of the last message; {2}
// for a duplicate of an older one; {0, state, version} when another message came
// first; {-1} when the job's reference is in use in this shard.
var commitScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
-- Only the header, the last id and the ring are read on the usual path; the rest
-- is cut out only for a duplicate or a conflict: Lua string work is most of what
-- this script costs Redis.
local v, rv, id, ring, q, rl, wl = 0, 0, '', '', 1, 0, 0
if cur then
  local a, b, c, d, e, f, p = string.match(cur, '^(%d+) (%d+) (%d+) (%d+) (%d+) (%d+)\n()')
  if a then
    v, rv, rl, wl = tonumber(a), tonumber(b), tonumber(e), tonumber(f)
    local il, ol = tonumber(c), tonumber(d)
    id = string.sub(cur, p, p + il - 1)
    ring = string.sub(cur, p + il, p + il + ol - 1)
    q = p + il + ol
  end
end
local msg = ARGV[4]
if msg ~= '' then
  if id == msg then return {1, string.sub(cur, q, q + rl - 1)} end
  for k = 1, #ring, ` + strconv.Itoa(shortIDLen) + ` do
    if string.sub(ring, k, k + ` + strconv.Itoa(shortIDLen-1) + `) == msg then return {2} end
  end
end
if tostring(v) ~= ARGV[1] then
  local state = ''
  if cur then state = string.sub(cur, q + rl + wl) end
  return {0, state, tostring(v)}
end
if ARGV[6] ~= '' then
  if redis.call('EXISTS', ARGV[12] .. ARGV[6], ARGV[13] .. ARGV[6]) > 0 or redis.call('HSETNX', KEYS[2], ARGV[6], ARGV[7]) == 0 then
    return {-1}
  end
  redis.call('ZADD', KEYS[3], ARGV[8], ARGV[6])
  redis.call('ZADD', KEYS[4], ARGV[8], ARGV[6])
end
-- A new conversation's versions start at the time in ms, not at 0, so that a
-- version is never reused for a key: a process that still remembers the
-- conversation this key held before it expired cannot commit over its successor.
if not cur then v = tonumber(ARGV[8]) end
v = v + 1
local reply = ''
if msg ~= '' then
  if id ~= '' then
    ring = ring .. id
    if #ring > ` + strconv.Itoa(ringBytes) + ` then ring = string.sub(ring, #ring - ` + strconv.Itoa(ringBytes-1) + `) end
  end
  id, reply = msg, ARGV[5]
elseif cur then
  reply = string.sub(cur, q, q + rl - 1)
end
local who = ARGV[11]
if ARGV[9] == '' then
  redis.call('ZREM', KEYS[5], ARGV[10])
  rv = 0
else
  redis.call('ZADD', KEYS[5], ARGV[9], ARGV[10])
  rv = v
end
local val = v .. ' ' .. rv .. ' ' .. #id .. ' ' .. #ring .. ' ' .. #reply .. ' ' .. #who .. '\n' .. id .. ring .. reply .. who .. ARGV[2]
if ARGV[3] == '0' then
  redis.call('SET', KEYS[1], val)
else
  redis.call('SET', KEYS[1], val, 'PX', ARGV[3])
end
return {3}
`)

// conversation is a conversation string, unpacked.
type conversation struct {
	version, remindVersion int64
	id, ring, reply, who   string
	state                  string
}

// unpack reads a conversation string as unpackLua does. Anything unreadable is an
// empty conversation at version 0: its next commit overwrites it.
func unpack(val string) conversation {
	header, rest, ok := strings.Cut(val, "\n")
	if !ok {
		return conversation{}
	}
	f := strings.Fields(header)
	if len(f) != 6 {
		return conversation{}
	}
	var n [6]int64
	for i, s := range f {
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil || x < 0 {
			return conversation{}
		}
		n[i] = x
	}
	c := conversation{version: n[0], remindVersion: n[1]}
	take := func(l int64) (string, bool) {
		if l > int64(len(rest)) {
			return "", false
		}
		s := rest[:l]
		rest = rest[l:]
		return s, true
	}
	var ok1, ok2, ok3, ok4 bool
	c.id, ok1 = take(n[2])
	c.ring, ok2 = take(n[3])
	c.reply, ok3 = take(n[4])
	c.who, ok4 = take(n[5])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return conversation{}
	}
	c.state = rest
	return c
}

// claimed turns a conversation into what Claim returns for a message.
func (c conversation) claimed(id string) bot.Claimed {
	if id != "" {
		if c.id == id {
			return bot.Claimed{Duplicate: true, Reply: []byte(c.reply)}
		}
		for k := 0; k+shortIDLen <= len(c.ring); k += shortIDLen {
			if c.ring[k:k+shortIDLen] == id {
				return bot.Claimed{Duplicate: true, Reply: []byte("null")}
			}
		}
	}
	return bot.Claimed{State: []byte(c.state), Version: c.version}
}

// Store keeps conversations, the outbox and reminders in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ bot.Store = (*Store)(nil)

// New returns a Store whose keys all start with prefix (like "hotline:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// shardOf returns the shard of a conversation.
func shardOf(conv string) int {
	h := fnv.New32a()
	h.Write([]byte(conv))
	return int(h.Sum32() % Shards)
}

// shardKey returns a key of a shard: <prefix>{hNN}:<name>.
func (s *Store) shardKey(shard int, name string) string {
	return fmt.Sprintf("%s{h%02d}:%s", s.prefix, shard, name)
}

// Key returns the Redis key of a conversation.
func (s *Store) Key(conv string) string {
	return s.shardKey(shardOf(conv), "c:"+conv)
}

// shortID turns a message id into the short form stored for deduplication.
func shortID(msgID string) string {
	if msgID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(msgID))
	return hex.EncodeToString(sum[:shortIDLen/2])
}

// Claim reads a conversation in one round trip, a plain GET.
func (s *Store) Claim(ctx context.Context, conv, msgID string) (bot.Claimed, error) {
	val, err := s.rdb.Get(ctx, s.Key(conv)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return bot.Claimed{}, fmt.Errorf("redisstore: claim: %w", err)
	}
	return unpack(val).claimed(shortID(msgID)), nil
}

// Commit saves a conversation, its job and its reminder in one round trip. When
// another message came first it returns committed false with what Claim would
// have returned; a job reference already in use is bot.ErrRefTaken.
func (s *Store) Commit(ctx context.Context, conv, msgID string, c bot.Commit) (bot.Claimed, bool, error) {
	shard := shardOf(conv)
	keys := []string{
		s.Key(conv), s.shardKey(shard, "jobs"), s.shardKey(shard, "outbox"),
		s.shardKey(shard, "created"), s.shardKey(shard, "remind"),
	}
	ttl := "0"
	if c.StateTTL > 0 {
		ttl = strconv.FormatInt(c.StateTTL.Milliseconds(), 10)
	}
	var jobRef string
	var job []byte
	if c.Job != nil {
		jobRef, job = c.Job.Ref, c.Job.Data
	}
	remind := ""
	if !c.RemindAt.IsZero() {
		remind = strconv.FormatInt(c.RemindAt.UnixMilli(), 10)
	}
	res, err := commitScript.Run(ctx, s.rdb, keys,
		strconv.FormatInt(c.Version, 10), c.State, ttl, shortID(msgID), c.Reply,
		jobRef, job, strconv.FormatInt(c.Now.UnixMilli(), 10), remind, conv, c.Who,
		s.shardKey(shard, "sent:"), s.shardKey(shard, "dead:")).Slice()
	if err != nil {
		return bot.Claimed{}, false, fmt.Errorf("redisstore: commit: %w", err)
	}
	code, _ := res[0].(int64)
	switch code {
	case 3:
		return bot.Claimed{}, true, nil
	case 1:
		return bot.Claimed{Duplicate: true, Reply: bytesOf(res[1])}, false, nil
	case 2:
		return bot.Claimed{Duplicate: true, Reply: []byte("null")}, false, nil
	case 0:
		version, err := strconv.ParseInt(string(bytesOf(res[2])), 10, 64)
		if err != nil {
			return bot.Claimed{}, false, fmt.Errorf("redisstore: commit: bad version: %w", err)
		}
		return bot.Claimed{State: bytesOf(res[1]), Version: version}, false, nil
	case -1:
		return bot.Claimed{}, false, bot.ErrRefTaken
	}
	return bot.Claimed{}, false, fmt.Errorf("redisstore: commit: unexpected reply %v", res)
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

func bytesOf(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}

// IsUnavailable reports whether err means Redis could not be reached, as opposed
// to a reply it gave.
func IsUnavailable(err error) bool {
	var redisErr redis.Error
	return err != nil && !errors.As(err, &redisErr)
}

// ms formats a time as Unix milliseconds, the scores of the sorted sets.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
