package bot

import "sync"

// stateCache holds conversations as this process last committed them. It is only
// a guess: every commit checks the version in the store, so a stale entry costs a
// retry, never a lost or doubled message.
type stateCache struct {
	mu  sync.Mutex
	max int
	m   map[string]Snapshot
}

func newStateCache(max int) *stateCache {
	if max == 0 {
		max = 10_000
	}
	return &stateCache{max: max, m: map[string]Snapshot{}}
}

// get returns the conversation as last committed here. Its state is shared:
// Step never changes the state it is given.
func (c *stateCache) get(key string) (Snapshot, bool) {
	if c.max < 0 {
		return Snapshot{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}

func (c *stateCache) put(key string, snap Snapshot) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		// Evict an arbitrary entry (map order is random): the cache only saves
		// reads, so which one goes matters little.
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = snap
}

func (c *stateCache) drop(key string) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
