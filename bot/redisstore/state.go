package redisstore

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"

	"github.com/hotline-legal/hotline/flows"
)

// stateVersion is the first byte of an encoded state. Bump it when the encoding
// changes, and keep reading the old one until every stored state has expired.
const stateVersion = 1

// Bounds on what a decoded state may hold, so that a corrupt or hostile value
// cannot make the decoder allocate without limit.
const (
	maxStateBytes   = 64 << 10
	maxStateEntries = 1024
)

// errBadState is returned for a stored state that cannot be read.
var errBadState = errors.New("redisstore: unreadable conversation state")

// appendState appends a state's compact encoding to b: a version byte, then
// varint-prefixed fields. Names and values are stored as they are, so a state
// stays readable after the pack changes. b should have room for stateLen more
// bytes, so that it is not copied as it grows.
func appendState(b []byte, s *flows.State) []byte {
	b = append(b, stateVersion, byte(s.Flags))
	b = appendString(b, s.Step)
	b = binary.AppendUvarint(b, uint64(s.Tries))
	b = binary.AppendVarint(b, s.Seen)
	b = binary.AppendUvarint(b, uint64(len(s.Answers)))
	for _, a := range s.Answers {
		b = appendString(b, a.Name)
		b = appendString(b, a.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(s.History)))
	for _, h := range s.History {
		b = appendString(b, h)
	}
	return b
}

// stateLen is the length of a state's encoding, field by field as appendState
// writes it.
func stateLen(s *flows.State) int {
	n := 2 + stringLen(s.Step) + uvarintLen(uint64(s.Tries)) + varintLen(s.Seen)
	n += uvarintLen(uint64(len(s.Answers)))
	for _, a := range s.Answers {
		n += stringLen(a.Name) + stringLen(a.Value)
	}
	n += uvarintLen(uint64(len(s.History)))
	for _, h := range s.History {
		n += stringLen(h)
	}
	return n
}

// decodeState reads a state written by appendState. Anything else, including a
// newer version, is errBadState.
//
// The strings of the state are all slices of data, the string Redis returned (no
// allocation per string): any one of them kept keeps that string, which is at
// most maxStateBytes and in practice a few hundred bytes.
func decodeState(data string) (flows.State, error) {
	if len(data) > maxStateBytes || len(data) < 2 || data[0] != stateVersion {
		return flows.State{}, errBadState
	}
	r := stateReader{buf: data[2:]}
	st := flows.State{Flags: flows.Flags(data[1])}
	st.Step = r.string()
	st.Tries = int(r.uint())
	st.Seen = r.int()
	if n := r.count(); n > 0 {
		st.Answers = make([]flows.Answer, n)
		for i := range st.Answers {
			st.Answers[i] = flows.Answer{Name: r.string(), Value: r.string()}
		}
	}
	if n := r.count(); n > 0 {
		st.History = make([]string, n)
		for i := range st.History {
			st.History[i] = r.string()
		}
	}
	if r.bad || r.off != len(r.buf) || st.Tries < 0 ||
		!slices.IsSortedFunc(st.Answers, func(a, b flows.Answer) int { return strings.Compare(a.Name, b.Name) }) {
		return flows.State{}, errBadState
	}
	return st, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// stringLen is the length of s as appendString writes it.
func stringLen(s string) int {
	return uvarintLen(uint64(len(s))) + len(s)
}

// uvarintLen is the length of v as binary.AppendUvarint writes it: 7 bits a byte.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// varintLen is the length of v as binary.AppendVarint writes it: zig-zag, then
// as uvarintLen.
func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}

// stateReader reads an encoded state after its two header bytes.
type stateReader struct {
	buf string
	off int
	bad bool
}

func (r *stateReader) uint() uint64 {
	v, n := uvarint(r.buf[r.off:])
	if n <= 0 || v > 1<<31 {
		r.bad = true
		return 0
	}
	r.off += n
	return v
}

func (r *stateReader) int() int64 {
	ux, n := uvarint(r.buf[r.off:])
	v := int64(ux >> 1) // zig-zag, as binary.Varint
	if ux&1 != 0 {
		v = ^v
	}
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.off += n
	return v
}

func (r *stateReader) count() int {
	n := r.uint()
	if n > maxStateEntries || n > uint64(len(r.buf)-r.off) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *stateReader) string() string {
	n := r.uint()
	if r.bad || n > uint64(len(r.buf)-r.off) {
		r.bad = true
		return ""
	}
	s := r.buf[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// uvarint is binary.Uvarint on a string, so that a state read from Redis is not
// copied to bytes first.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1) // overflow
			}
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, 0
}
