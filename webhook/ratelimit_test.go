package webhook

import (
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
