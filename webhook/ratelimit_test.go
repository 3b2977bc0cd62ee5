package webhook

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"203.0.113.9:5000", "", trusted, "203.0.113.9"},
		{"203.0.113.9:5000", "1.2.3.4", trusted, "203.0.113.9"}, // not from a proxy: the header is ignored
		{"10.1.2.3:5000", "198.51.100.7", trusted, "198.51.100.7"},
		{"10.1.2.3:5000", "6.6.6.6, 198.51.100.7, 10.9.9.9", trusted, "198.51.100.7"}, // a forged left part is skipped
		{"10.1.2.3:5000", "198.51.100.7", nil, "10.1.2.3"},
		{"10.1.2.3:5000", "", trusted, "10.1.2.3"},
	}
	for _, tt := range tests {
		req := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != "" {
			req.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(req, tt.trusted); got != tt.want {
			t.Errorf("clientIP(%s, XFF %q) = %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(60, 3) // a token a second, bursts of 3
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Errorf("the 4th at once: %v, wait %v; want refused, under a second", ok, wait)
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Error("another key shares the bucket")
	}
	if ok, _ := l.allow("a", now.Add(1100*time.Millisecond)); !ok {
		t.Error("a token did not come back after a second")
	}
}

// TestLimiterFlood: past maxClients keys, the least recently used are forgotten:
// a new key is let through, the table stays bounded, and a key in use is kept.
func TestLimiterFlood(t *testing.T) {
	l := newLimiter(60, 3)
	now := time.Unix(1000, 0)
	for range 3 {
		l.allow("busy", now)
	}
	for i := range maxClients + 10 {
		if i%1000 == 0 {
			l.allow("busy", now) // refused, but used: it stays
		}
		l.allow(clientKey(fmt.Sprintf("2001:db8:%x:%x::1", i>>16, i&0xffff)), now)
	}
	if ok, _ := l.allow("new", now); !ok {
		t.Error("a new key was refused after a flood")
	}
	if n := len(l.buckets.items); n != maxClients || l.buckets.order.Len() != maxClients {
		t.Errorf("%d buckets (%d in order), want %d", n, l.buckets.order.Len(), maxClients)
	}
	if ok, _ := l.allow("busy", now); ok {
		t.Error("a key in use was forgotten: its empty bucket came back full")
	}
}

func TestLRU(t *testing.T) {
	l := newLRU[int](3)
	for i, k := range []string{"a", "b", "c"} {
		v, found := l.get(k)
		*v = i + 1
		if found {
			t.Errorf("get(%q) found a new key", k)
		}
	}
	l.get("a")             // a is now the most recent; b the oldest
	v, found := l.get("d") // b goes
	if found || *v != 0 {
		t.Errorf("get(d) = %d, %v; want a zero entry", *v, found)
	}
	for k, want := range map[string]int{"a": 1, "c": 3, "d": 0} {
		if v, found := l.get(k); !found || *v != want {
			t.Errorf("get(%q) = %d, %v; want %d, true", k, *v, found, want)
		}
	}
	if _, found := l.get("b"); found {
		t.Error("b, the least recently used, was kept")
	}
}

func TestClientKey(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.9":                "203.0.113.9",
		"::ffff:203.0.113.9":         "203.0.113.9",
		"2001:db8:1:2::1":            "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
		"fe80::1%eth0":               "fe80::/64",
		"not an address":             "not an address",
	} {
		if got := clientKey(ip); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", ip, got, want)
		}
	}
}

// TestReferralCapDay: a client at its cap is refused until a day after its
// first referral; then it starts again.
func TestReferralCapDay(t *testing.T) {
	r := newReferralCap(2)
	start := time.Unix(1_000_000, 0)
	for i := range 2 {
		now := start.Add(time.Duration(i) * time.Hour)
		if !r.begin("a", now) {
			t.Fatalf("message %d refused", i)
		}
		r.done("a", now, true)
	}
	for _, at := range []time.Duration{3 * time.Hour, referralDay - time.Nanosecond} {
		if r.begin("a", start.Add(at)) {
			t.Errorf("at the cap, %v after the first referral: let through; want refused for 24h", at)
		}
	}
	if !r.begin("b", start) {
		t.Error("another client refused")
	}
	if !r.begin("a", start.Add(referralDay)) {
		t.Error("a day later, still refused")
	}
	// One message in flight takes the place of the referral it may make.
	if !r.begin("a", start.Add(referralDay)) {
		t.Error("the second message in flight refused; want let through")
	}
	if r.begin("a", start.Add(referralDay)) {
		t.Error("a third message in flight let through; want refused")
	}
	// Refused for the messages in flight only: once one is done without a
	// referral, there is room again.
	r.done("a", start.Add(referralDay), false)
	if !r.begin("a", start.Add(referralDay)) {
		t.Error("after a message in flight was done, still refused")
	}
}

// TestReferralCapSurvivesAFlood: a client that spent its referrals cannot reset
// its count by pushing itself out of the table with messages from many other
// addresses: only clients that made a referral take room in it.
func TestReferralCapSurvivesAFlood(t *testing.T) {
	r := newReferralCap(1)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if !r.begin("spent", now) {
		t.Fatal("a first message was refused")
	}
	r.done("spent", now, true)
	for i := range maxClients + 10 {
		client := fmt.Sprintf("flood-%d", i)
		if r.begin(client, now) {
			r.done(client, now, false)
		}
	}
	// Nothing is in flight (checked below), so a refusal is the day's count.
	if r.begin("spent", now.Add(time.Hour)) {
		t.Errorf("after a flood of %d other clients, the spent client was let through; want refused", maxClients+10)
	}
	if len(r.pending) != 0 {
		t.Errorf("%d clients left pending", len(r.pending))
	}
}
