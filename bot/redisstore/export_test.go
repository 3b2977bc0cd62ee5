package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// AlwaysPipe makes s send every commit through the autopipeliner, as it does when
// commits come together, so that tests can reach that path one commit at a time.
func AlwaysPipe(s *Store) { s.alwaysPipe = true }

// ShardOf returns the shard a conversation's jobs and reminder live in.
func ShardOf(conv string) int { return shardOf(conv) }

// Key returns the Redis key of a conversation's string.
func (s *Store) Key(conv string) string { return s.Keys(conv)[0] }

// SeenKey returns the Redis key of a conversation's message ids.
func (s *Store) SeenKey(conv string) string { return s.Keys(conv)[1] }

// RunCommitScript runs the commit script of a conversation with the arguments
// given, as Commit would, for tests of what it refuses.
func RunCommitScript(ctx context.Context, rdb redis.UniversalClient, s *Store, conv string, args ...any) error {
	k := &s.shards[shardOf(conv)]
	keys := []string{k.conv + conv, k.seen + conv, k.jobs, k.outbox, k.created, k.remind}
	return commitScript.Run(ctx, rdb, keys, args...).Err()
}
