package redisstore

// AlwaysPipe makes s send every commit through the autopipeliner, as it does when
// commits come together, so that tests can reach that path one commit at a time.
func AlwaysPipe(s *Store) { s.alwaysPipe = true }

// ShardOf returns the shard a conversation's jobs and reminder live in.
func ShardOf(conv string) int { return shardOf(conv) }

// Key returns the Redis key of a conversation's string.
func (s *Store) Key(conv string) string { return s.Keys(conv)[0] }

// SeenKey returns the Redis key of a conversation's message ids.
func (s *Store) SeenKey(conv string) string { return s.Keys(conv)[1] }
