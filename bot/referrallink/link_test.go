package referrallink_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/referrallink"
)

var (
	key   = bytes.Repeat([]byte{7}, 32)
	now   = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	valid = referrallink.Link{Ref: "H-7F3K9", Org: "tenant-clinic", Expires: now.Add(30 * 24 * time.Hour)}
)

func signer(t testing.TB, key []byte) *referrallink.Signer {
	t.Helper()
	s, err := referrallink.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := signer(t, key)
	token, err := s.Token(valid)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(token, "/?#&=+% ") || len(token) > referrallink.MaxTokenLen {
		t.Errorf("token %q is not one URL path segment of at most %d characters", token, referrallink.MaxTokenLen)
	}
	got, err := s.Verify(token, now)
	if err != nil || got.Ref != valid.Ref || got.Org != valid.Org || !got.Expires.Equal(valid.Expires) {
		t.Errorf("Verify(Token(%+v)) = %+v, %v", valid, got, err)
	}
	// The last second it works, and the first it does not.
	if _, err := s.Verify(token, valid.Expires.Add(-time.Second)); err != nil {
		t.Errorf("a second before it expires: %v", err)
	}
	if l, err := s.Verify(token, valid.Expires); !errors.Is(err, referrallink.ErrExpired) || l.Ref != valid.Ref {
		t.Errorf("when it expires: %+v, %v; want ErrExpired with the reference", l, err)
	}
}

func TestRefused(t *testing.T) {
	s := signer(t, key)
	token, _ := s.Token(valid)
	other, _ := signer(t, bytes.Repeat([]byte{8}, 32)).Token(valid)
	otherOrg, _ := s.Token(referrallink.Link{Ref: valid.Ref, Org: "family-law", Expires: valid.Expires})
	body, tag, _ := strings.Cut(token, ".")
	_, otherOrgTag, _ := strings.Cut(otherOrg, ".")
	forged := []struct{ name, token string }{
		{"empty", ""},
		{"no tag", body},
		{"another key's", other},
		{"another organization's tag on this body", body + "." + otherOrgTag},
		{"a tag cut short", body + "." + tag[:len(tag)-2]},
		{"too long", token + strings.Repeat("A", referrallink.MaxTokenLen)},
		{"padding", body + "=." + tag},
		{"three parts", token + ".x"},
		{"a line break in it (Go's decoder skips them)", body + ".\n" + tag},
	}
	// Every character changed, one at a time.
	for i := range token {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		forged = append(forged, struct{ name, token string }{fmt.Sprintf("changed at %d", i), string(b)})
	}
	for _, f := range forged {
		if l, err := s.Verify(f.token, now); !errors.Is(err, referrallink.ErrInvalid) {
			t.Errorf("%s (%q): %+v, %v; want ErrInvalid", f.name, f.token, l, err)
		}
	}
}

func TestTokenRefusesWhatWouldNotReadBack(t *testing.T) {
	s := signer(t, key)
	for _, l := range []referrallink.Link{
		{Ref: "", Org: "a", Expires: now},
		{Ref: "H-1", Org: "", Expires: now},
		{Ref: "H~1", Org: "a", Expires: now},
		{Ref: "H-1", Org: "a b", Expires: now},
		{Ref: "H-1", Org: strings.Repeat("a", 65), Expires: now},
	} {
		if token, err := s.Token(l); err == nil {
			t.Errorf("Token(%+v) = %q; want an error", l, token)
		}
	}
	if _, err := referrallink.New(make([]byte, 31)); err == nil {
		t.Error("New took a 31-byte key")
	}
}

// FuzzVerify: whatever arrives in the URL, Verify never panics, and accepts
// only what Token made.
func FuzzVerify(f *testing.F) {
	s := signer(f, key)
	token, _ := s.Token(valid)
	f.Add(token)
	f.Add("")
	f.Add("a.b")
	f.Add(strings.Repeat(".", 300))
	f.Fuzz(func(t *testing.T, token string) {
		l, err := s.Verify(token, now)
		if err != nil {
			return
		}
		again, err := s.Token(l)
		if err != nil || again != token {
			t.Fatalf("Verify accepted %q as %+v, which Token writes %q (%v)", token, l, again, err)
		}
	})
}
