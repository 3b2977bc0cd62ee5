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
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
)

// Keys. Every conversation belongs to one of Shards shards, and every key of a shard
// carries the shard's hash tag, "{hNN}":
//
//	<prefix>{hNN}:c:<conv>     a conversation (hash, below)
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
// A conversation hash holds:
//
//	s  the encoded flows.State
//	v  the version, bumped by every commit
//	i  the short id of the last message applied
//	r  the replies to that message (JSON), for a duplicate of it
//	o  the short ids of the messages before it, newest last
//	w  who to remind (channel and numbers, JSON), and rv the version it is for
//
// Only the last reply is kept, to stay well under 1 KiB a conversation: Twilio
// redelivers a message right after the first attempt, so a duplicate of an older
// message (found in o) is answered with nothing and changes nothing.

// Shards is how many shards the keys are spread over: enough to spread a Cluster's
// slots over its masters, few enough for workers to poll each one every second.
const Shards = 16

// shortIDLen is the length of a message's short id: 48 bits of its SHA-256, ample
// to tell apart the few dozen messages of one conversation.
const shortIDLen = 12

// ringBytes keeps the short ids of the last 24 messages.
const ringBytes = 24 * shortIDLen

// claimScript reads a conversation, or tells that a message was applied already.
// It returns {1, replies} for a duplicate of the last message, {2} for a
// duplicate of an older one, or {0, state, version}.
var claimScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 's', 'v', 'i', 'r', 'o')
local id = ARGV[1]
if id ~= '' then
  if h[3] == id then return {1, h[4] or ''} end
  local o = h[5]
  if o then
    for k = 1, #o, ` + strconv.Itoa(shortIDLen) + ` do
      if string.sub(o, k, k + ` + strconv.Itoa(shortIDLen-1) + `) == id then return {2} end
    end
  end
end
return {0, h[1] or '', h[2] or '0'}
`)

// commitScript saves a conversation if its version is still the one claimed,
// queues its referral job and sets or drops its reminder, all or nothing.
//
// KEYS: conversation, jobs, outbox, created, remind.
// ARGV: 1 version, 2 state, 3 TTL ms ("0" keeps it), 4 short id ("" for none),
// 5 replies, 6 job ref ("" for none), 7 job, 8 now ms, 9 reminder due ms ("" drops
// it), 10 conversation key (the reminder's member), 11 who to remind ("" keeps).
// It returns 1 when saved, 0 on a conflict, -1 when the job reference is taken.
var commitScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'i', 'o')
if (h[1] or '0') ~= ARGV[1] then return 0 end
local id = ARGV[4]
if id ~= '' and h[2] == id then return 0 end
if ARGV[6] ~= '' then
  if redis.call('HSETNX', KEYS[2], ARGV[6], ARGV[7]) == 0 then return -1 end
  redis.call('ZADD', KEYS[3], ARGV[8], ARGV[6])
  redis.call('ZADD', KEYS[4], ARGV[8], ARGV[6])
end
local v = tostring(tonumber(ARGV[1]) + 1)
if id ~= '' then
  local o = h[3] or ''
  if h[2] then
    o = o .. h[2]
    if #o > ` + strconv.Itoa(ringBytes) + ` then o = string.sub(o, #o - ` + strconv.Itoa(ringBytes-1) + `) end
  end
  redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', v, 'i', id, 'r', ARGV[5], 'o', o)
else
  redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', v)
end
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'w', ARGV[11]) end
if ARGV[9] == '' then
  redis.call('ZREM', KEYS[5], ARGV[10])
else
  redis.call('ZADD', KEYS[5], ARGV[9], ARGV[10])
  redis.call('HSET', KEYS[1], 'rv', v)
end
if ARGV[3] == '0' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`)

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

// Claim reads a conversation in one round trip.
func (s *Store) Claim(ctx context.Context, conv, msgID string) (bot.Claimed, error) {
	res, err := claimScript.Run(ctx, s.rdb, []string{s.Key(conv)}, shortID(msgID)).Slice()
	if err != nil {
		return bot.Claimed{}, fmt.Errorf("redisstore: claim: %w", err)
	}
	code, _ := res[0].(int64)
	switch code {
	case 1:
		return bot.Claimed{Duplicate: true, Reply: bytesOf(res[1])}, nil
	case 2:
		return bot.Claimed{Duplicate: true, Reply: []byte("null")}, nil
	}
	if len(res) != 3 {
		return bot.Claimed{}, fmt.Errorf("redisstore: claim: unexpected reply %v", res)
	}
	version, err := strconv.ParseInt(string(bytesOf(res[2])), 10, 64)
	if err != nil {
		return bot.Claimed{}, fmt.Errorf("redisstore: claim: bad version: %w", err)
	}
	return bot.Claimed{State: bytesOf(res[1]), Version: version}, nil
}

// Commit saves a conversation, its job and its reminder in one round trip, or
// returns bot.ErrConflict (another message came first) or bot.ErrRefTaken.
func (s *Store) Commit(ctx context.Context, conv, msgID string, c bot.Commit) error {
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
	n, err := commitScript.Run(ctx, s.rdb, keys,
		strconv.FormatInt(c.Version, 10), c.State, ttl, shortID(msgID), c.Reply,
		jobRef, job, strconv.FormatInt(c.Now.UnixMilli(), 10), remind, conv, c.Who).Int()
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	switch n {
	case 0:
		return bot.ErrConflict
	case -1:
		return bot.ErrRefTaken
	}
	return nil
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
