// Package redisstore keeps conversations in Redis (single, Sentinel or Cluster,
// through redis.UniversalClient): one hash per conversation, read and written by two
// Lua scripts so that a message costs two round trips and holds no lock.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot"
)

// A conversation is one hash at <prefix>{<conversation key>}:
//
//	s  the encoded flows.State
//	v  the version, bumped by every commit
//	i  the short id of the last message applied
//	r  the replies to that message (JSON), for a duplicate of it
//	o  the short ids of the messages before it, newest last
//
// The braces make the key its own hash tag, so that whatever else a conversation
// needs later lives in the same Cluster slot. Only the last reply is kept, to stay
// well under 1 KiB a conversation: Twilio redelivers a message right after the
// first attempt, so a duplicate of an older message (found in o) is answered with
// nothing and changes nothing.

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

// commitScript saves a conversation if its version is still the one claimed.
// ARGV: version, state, TTL in ms ("0" keeps it), short id ("" for none), replies.
// It returns 1 when saved and 0 on a conflict.
var commitScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'i', 'o')
if (h[1] or '0') ~= ARGV[1] then return 0 end
local v = tostring(tonumber(ARGV[1]) + 1)
local id = ARGV[4]
if id ~= '' then
  if h[2] == id then return 0 end
  local o = h[3] or ''
  if h[2] then
    o = o .. h[2]
    if #o > ` + strconv.Itoa(ringBytes) + ` then o = string.sub(o, #o - ` + strconv.Itoa(ringBytes-1) + `) end
  end
  redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', v, 'i', id, 'r', ARGV[5], 'o', o)
else
  redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', v)
end
if ARGV[3] == '0' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`)

// Store keeps conversations in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ bot.Store = (*Store)(nil)

// New returns a Store whose keys all start with prefix (like "hotline:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix}
}

// Key returns the Redis key of a conversation.
func (s *Store) Key(conv string) string {
	return s.prefix + "{" + conv + "}"
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

// Commit saves a conversation in one round trip, or returns bot.ErrConflict.
func (s *Store) Commit(ctx context.Context, conv, msgID string, c bot.Commit) error {
	ttl := "0"
	if c.StateTTL > 0 {
		ttl = strconv.FormatInt(c.StateTTL.Milliseconds(), 10)
	}
	n, err := commitScript.Run(ctx, s.rdb, []string{s.Key(conv)},
		strconv.FormatInt(c.Version, 10), c.State, ttl, shortID(msgID), c.Reply).Int()
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	if n == 0 {
		return bot.ErrConflict
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
