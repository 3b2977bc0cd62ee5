package hotline_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hotline-legal/hotline"
)

func keys(t *testing.T, secret string) *hotline.Keys {
	t.Helper()
	k, err := hotline.NewKeys([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestConversationKeys: a key is a fixed function of the secret and the
// conversation (values computed with Python's hmac, so that keys do not change between
// releases), shows no phone number, and differs between secrets.
func TestConversationKeys(t *testing.T) {
	a := keys(t, strings.Repeat("a", 32))
	b := keys(t, strings.Repeat("b", 32))
	for _, c := range []struct {
		conv hotline.Conversation
		want string
	}{
		{hotline.Conversation{Channel: "sms", From: "+13125550100", To: "+13125550199"}, "uo4hd5o2npv5lbylzl3afjfw"},
		{hotline.Conversation{Channel: "whatsapp", From: "+5215512345678", To: "+13125550199"}, "t7jssu5qoqguftunj6wdj4b3"},
		{hotline.Conversation{Channel: "web", From: "s-0123456789abcdef"}, "mrd2uuewli57k62xfknjj7hh"},
	} {
		if got := a.Of(c.conv); got != c.want {
			t.Errorf("Of(%+v) = %q, want %q", c.conv, got, c.want)
		}
		if a.Of(c.conv) == b.Of(c.conv) {
			t.Errorf("two secrets give %+v the same key %q", c.conv, a.Of(c.conv))
		}
		if strings.Contains(a.Of(c.conv), "555") {
			t.Errorf("key %q shows the number", a.Of(c.conv))
		}
	}
	long := hotline.Conversation{Channel: "sms", From: strings.Repeat("9", 200), To: "+13125550199"}
	if k := a.Of(long); len(k) != 24 || k == a.Of(hotline.Conversation{Channel: "sms", From: strings.Repeat("9", 199), To: "+13125550199"}) {
		t.Errorf("a long sender's key %q", k)
	}
}

// TestKeysNeedALongSecret: a short secret could be guessed, and the keys with it.
func TestKeysNeedALongSecret(t *testing.T) {
	if _, err := hotline.NewKeys(bytes.Repeat([]byte{1}, 31)); err == nil {
		t.Error("NewKeys took a 31-byte secret")
	}
}

func BenchmarkKeys(b *testing.B) {
	k, _ := hotline.NewKeys(bytes.Repeat([]byte{1}, 32))
	c := hotline.Conversation{Channel: "sms", From: "+13125550100", To: "+13125550199"}
	b.ReportAllocs()
	for b.Loop() {
		k.Of(c)
	}
}
