package webhook

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// lru is a table of at most max entries that, when full, forgets the least
// recently used one to make room. A flood of new keys (addresses, sessions)
// thus costs the flood its own old entries, never a new client its place, in
// bounded memory and constant time per request. Not safe for concurrent use.
type lru[V any] struct {
	max   int
	items map[string]*list.Element // of *lruItem[V]
	order list.List                // front: most recently used
}

type lruItem[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, items: make(map[string]*list.Element)}
}

// peek returns key's entry, if the table holds it, and marks it used; it adds
// nothing.
func (t *lru[V]) peek(key string) (v *V, found bool) {
	e, ok := t.items[key]
	if !ok {
		return nil, false
	}
	t.order.MoveToFront(e)
	return &e.Value.(*lruItem[V]).val, true
}

// get returns key's entry and marks it used. A key not in the table gets a zero
// entry (found is false), in the place of the least recently used one when the
// table is full.
func (t *lru[V]) get(key string) (v *V, found bool) {
	if e, ok := t.items[key]; ok {
		t.order.MoveToFront(e)
		return &e.Value.(*lruItem[V]).val, true
	}
	var it *lruItem[V]
	if len(t.items) >= t.max {
		// The oldest entry's element is reused: a flood allocates nothing.
		e := t.order.Back()
		it = e.Value.(*lruItem[V])
		delete(t.items, it.key)
		*it = lruItem[V]{key: key}
		t.order.MoveToFront(e)
		t.items[key] = e
	} else {
		it = &lruItem[V]{key: key}
		t.items[key] = t.order.PushFront(it)
	}
	return &it.val, false
}

// maxClients bounds each table of clients or sessions: some 200 bytes an entry,
// 20 MB a table at most, and there are three (per client, per session, the
// referral cap).
const maxClients = 100_000

// limiter is a token bucket per key (a client, a session): rate tokens a second,
// up to burst.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets *lru[bucket]
}

type bucket struct {
	tokens float64
	seen   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), buckets: newLRU[bucket](maxClients)}
}

// allow takes a token for key and reports whether there was one; if not, it also
// says how long until there will be. A key forgotten to make room starts again
// with a full bucket, as a new one does.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets.get(key)
	if !found {
		*b = bucket{tokens: l.burst, seen: now}
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.seen).Seconds()*l.rate)
	b.seen = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// clientKey is the client a limit counts, from its address: an IPv4 address
// alone, an IPv6 address by its /64. A /64 is what one home, phone or server is
// given, so whoever holds one address holds 2^64 of them.
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64) // cannot fail: 64 bits of an IPv6 address
	return p.String()
}

// referralCap caps the referrals a web chat client (a clientKey) makes in a day.
// The web chat asks for no phone number, so without it one address could send
// organizations any number of made-up referrals.
type referralCap struct {
	mu     sync.Mutex
	perDay int
	// clients holds only the clients that made a referral in the day: a flood
	// of other messages cannot push a spent client out and so reset its count.
	clients *lru[referrals]
	// pending counts each client's messages being handled now, each of which
	// may make a referral; bounded by the requests in flight.
	pending map[string]int
}

// referrals are what one client made: made since since (the day counted starts
// at its first referral).
type referrals struct {
	since time.Time
	made  int
}

const referralDay = 24 * time.Hour

func newReferralCap(perDay int) *referralCap {
	return &referralCap{perDay: perDay, clients: newLRU[referrals](maxClients), pending: map[string]int{}}
}

// begin reports whether a message from client may make a referral; if so, done
// must follow once it has been handled. It may not when the client made its
// referrals in the last day, or when its messages in flight could make them.
func (r *referralCap) begin(client string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	made := 0
	if c, found := r.clients.peek(client); found && now.Sub(c.since) < referralDay {
		made = c.made
	}
	// Messages in flight count as referrals until they are done: else a client
	// one short of its cap could send the last message of many screenings at
	// once, and each would see room for one more.
	if made+r.pending[client] >= r.perDay {
		return false
	}
	r.pending[client]++
	return true
}

// done records that a message begun at now was handled, and whether it made a
// referral.
func (r *referralCap) done(client string, now time.Time, referred bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending[client]--; r.pending[client] <= 0 {
		delete(r.pending, client)
	}
	if referred {
		c, found := r.clients.get(client)
		if !found || now.Sub(c.since) >= referralDay {
			*c = referrals{since: now}
		}
		c.made++
	}
}
