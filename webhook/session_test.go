package webhook

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestSessions: an id is valid under the key that issued it, and under no other;
// any change to it, in its random part, its tag or its encoding, is refused.
func TestSessions(t *testing.T) {
	s, other := sessions{key: []byte("key one")}, sessions{key: []byte("key two")}
	seen := map[string]bool{}
	for range 100 {
		id := s.issue()
		if len(id) != sessionLen || !s.valid(id) || seen[id] {
			t.Fatalf("issue() = %q: %d characters, valid %v, seen before %v", id, len(id), s.valid(id), seen[id])
		}
		seen[id] = true
		if other.valid(id) {
			t.Fatalf("%q is valid under another key", id)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(id)
		for i := range raw {
			changed := append([]byte(nil), raw...)
			changed[i] ^= 1
			if forged := base64.RawURLEncoding.EncodeToString(changed); s.valid(forged) {
				t.Fatalf("%q (byte %d of %q changed) is valid", forged, i, id)
			}
		}
		// The last character carries 2 unused bits: set, they name the same bytes
		// in another way, which is refused.
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", id[len(id)-1])
		if alias := id[:len(id)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last|1]); alias != id && s.valid(alias) {
			t.Fatalf("%q, another spelling of %q, is valid", alias, id)
		}
	}
	for _, bad := range []string{"", "AAAAAAAAAAAAAAAAAAAAAA", strings.Repeat("A", sessionLen), strings.Repeat("A", sessionLen-1) + "=", strings.Repeat("A", sessionLen+1), strings.Repeat("+", sessionLen)} {
		if s.valid(bad) {
			t.Errorf("valid(%q) = true", bad)
		}
	}
}
