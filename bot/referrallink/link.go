// Package referrallink makes and checks the capability links an organization
// gets with each referral ({HOTLINE_PUBLIC_URL}/referrals/{token}): whoever
// holds the link may see the referral's status and accept or decline it, and
// nobody can make one up without the server's key.
//
// A token names the referral's reference, the organization it went to, and
// when it stops working; nothing about the person. It is the three joined by
// "~", then a tag of them (the first 16 bytes of their HMAC-SHA256 under the
// key), both in base64url without padding, joined by ".". Binding the
// organization means the link of an office that declined cannot act on the
// referral once it went elsewhere.
package referrallink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Errors of Verify. A caller shows the same page for both: a link that is not
// one of this server's, or no longer works.
var (
	// ErrInvalid is a token this server did not make (or made with another key).
	ErrInvalid = errors.New("referrallink: not a valid link")
	// ErrExpired is a token of this server whose time is over.
	ErrExpired = errors.New("referrallink: the link has expired")
)

const (
	// tagLen is how many bytes of the HMAC a token keeps: 128 bits cannot be
	// forged by trying.
	tagLen = 16
	// MaxTokenLen bounds a token, checked before any work: a reference and an
	// organization id are short.
	MaxTokenLen = 256
	// label sets these tags apart from any other HMAC under the same key.
	label = "hotline referral link\x00"
	sep   = "~"
)

// Link is what a token says.
type Link struct {
	// Ref is the referral's reference, like H-7F3K9.
	Ref string
	// Org is the id of the organization it was sent to.
	Org string
	// Expires is when the link stops working (to the second).
	Expires time.Time
}

// Signer makes and checks tokens with one key.
type Signer struct {
	key []byte
}

// New returns a Signer for key, which must be at least 32 bytes (derive it
// from HOTLINE_SECRET for this use only).
func New(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("referrallink: the key has %d bytes; want at least 32", len(key))
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// Token returns the token of a link. A reference or organization id that is
// empty, or holds anything but letters, digits, "-" and "_", is refused: it
// would not read back the same.
func (s *Signer) Token(l Link) (string, error) {
	for _, part := range []struct{ name, v string }{{"reference", l.Ref}, {"organization", l.Org}} {
		if part.v == "" || len(part.v) > 64 || strings.ContainsFunc(part.v, notPlain) {
			return "", fmt.Errorf("referrallink: the %s %q is not letters, digits, - and _ (up to 64)", part.name, part.v)
		}
	}
	payload := l.Ref + sep + l.Org + sep + strconv.FormatInt(l.Expires.Unix(), 36)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(s.tag([]byte(payload))), nil
}

// Verify reads a token made by Token with this key and returns its link,
// ErrExpired when its time is over at now, or ErrInvalid for anything else.
// The tag is compared in constant time, and only canonical encodings are
// taken, so that each link is written one way only.
func (s *Signer) Verify(token string, now time.Time) (Link, error) {
	// Only base64url and the dot: Go's decoder skips line breaks, which
	// would let one link be written many ways.
	if len(token) > MaxTokenLen || strings.ContainsFunc(token, notTokenChar) {
		return Link{}, ErrInvalid
	}
	body, tagText, ok := strings.Cut(token, ".")
	if !ok {
		return Link{}, ErrInvalid
	}
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(body)
	tag, err2 := enc.DecodeString(tagText)
	if err1 != nil || err2 != nil || len(tag) != tagLen || !hmac.Equal(tag, s.tag(payload)) {
		return Link{}, ErrInvalid
	}
	parts := strings.Split(string(payload), sep)
	if len(parts) != 3 {
		return Link{}, ErrInvalid
	}
	exp, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil {
		return Link{}, ErrInvalid
	}
	l := Link{Ref: parts[0], Org: parts[1], Expires: time.Unix(exp, 0)}
	if !now.Before(l.Expires) {
		return l, ErrExpired
	}
	return l, nil
}

// tag is the first tagLen bytes of the payload's HMAC-SHA256 under the key.
func (s *Signer) tag(payload []byte) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(label))
	mac.Write(payload)
	return mac.Sum(nil)[:tagLen]
}

// notPlain reports a rune a reference or an organization id may not hold.
func notPlain(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

// notTokenChar reports a rune no token holds: one outside base64url and ".".
func notTokenChar(r rune) bool {
	return notPlain(r) && r != '.'
}
