package flows

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
)

// State is where one conversation stands. It is small and plain so that it can be
// stored (see AppendBinary) between messages; the engine never keeps it.
type State struct {
	// Step is the step waiting for an answer; "" before the first message.
	Step string
	// Answers are the saved variables, sorted by name.
	Answers []Answer
	// History is the steps answered, oldest first: BACK returns along it, and the
	// referral email lists answers in this order.
	History []string
	// Tries counts bad answers at Step.
	Tries int
	// Seen is the time of the last message, in Unix seconds.
	Seen int64
	// Flags are the conversation's switches.
	Flags Flags
}

// Answer is one saved variable.
type Answer struct {
	Name  string
	Value string
}

// Flags are a conversation's switches.
type Flags uint8

const (
	// Ended: the conversation is over; the next message starts a new one.
	Ended Flags = 1 << iota
	// OptedOut: the person sent STOP; nothing is sent until START.
	OptedOut
	// Human: the person asked for a person, or the bot gave up; staff should look.
	Human
	// Resuming: "welcome back" was asked and awaits 1 (continue) or 2 (start over).
	Resuming
)

// Get returns a variable's value and whether it was set.
func (s *State) Get(name string) (string, bool) {
	for _, a := range s.Answers {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Set saves a variable, keeping Answers sorted.
func (s *State) Set(name, value string) {
	i, found := slices.BinarySearchFunc(s.Answers, name, func(a Answer, n string) int { return strings.Compare(a.Name, n) })
	if found {
		s.Answers[i].Value = value
		return
	}
	s.Answers = slices.Insert(s.Answers, i, Answer{name, value})
}

// unset removes a variable.
func (s *State) unset(name string) {
	s.Answers = slices.DeleteFunc(s.Answers, func(a Answer) bool { return a.Name == name })
}

// clone returns a copy that shares nothing mutable with s, so that Step never
// changes the state it was given.
func (s State) clone() State {
	s.Answers = slices.Clone(s.Answers)
	s.History = slices.Clone(s.History)
	return s
}

// cloneToChange is clone for Step, which usually saves an answer (or two, when it
// marks the case urgent) and adds a step to History: the copies get room for that,
// so that it does not copy them again. A nil slice stays nil, as with clone.
func (s State) cloneToChange() State {
	if s.Answers != nil {
		s.Answers = append(make([]Answer, 0, len(s.Answers)+2), s.Answers...)
	}
	if s.History != nil {
		s.History = append(make([]string, 0, len(s.History)+1), s.History...)
	}
	return s
}

// stateVersion is the first byte of an encoded state. Bump it when the encoding
// changes, and keep reading the old one until every stored state has expired.
const stateVersion = 1

// Bounds on what a decoded state may hold, so that a corrupt or hostile value
// cannot make the decoder allocate without limit.
const (
	maxStateBytes   = 64 << 10
	maxStateEntries = 1024
)

// ErrBadState is returned for a stored state that cannot be read.
var ErrBadState = errors.New("flows: unreadable conversation state")

// AppendBinary appends the state's compact encoding to b: a version byte, then
// varint-prefixed fields. Names and values are stored as they are, so a state stays
// readable after the pack changes.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	return s.appendBinary(slices.Grow(b, s.encodedLen())), nil
}

// MarshalBinary returns the state's compact encoding, in a buffer of exactly its
// size (the caller keeps it, to store it).
func (s *State) MarshalBinary() ([]byte, error) {
	return s.appendBinary(make([]byte, 0, s.encodedLen())), nil
}

// appendBinary does the work of AppendBinary; b should have room for
// encodedLen more bytes, so that it is not copied as it grows.
func (s *State) appendBinary(b []byte) []byte {
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

// encodedLen is the length of the state's encoding, field by field as
// appendBinary writes it.
func (s *State) encodedLen() int {
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

// UnmarshalBinary reads a state written by AppendBinary. Anything else, including a
// newer version, is ErrBadState.
//
// The strings of the state are all slices of one copy of data (one allocation
// rather than one per string): any one of them kept keeps that copy, which is at
// most maxStateBytes and in practice a few hundred bytes.
func (s *State) UnmarshalBinary(data []byte) error {
	if len(data) > maxStateBytes || len(data) < 2 || data[0] != stateVersion {
		return ErrBadState
	}
	r := stateReader{buf: data[2:], str: string(data[2:])}
	st := State{Flags: Flags(data[1])}
	st.Step = r.string()
	st.Tries = int(r.uint())
	st.Seen = r.int()
	if n := r.count(); n > 0 {
		st.Answers = make([]Answer, n)
		for i := range st.Answers {
			st.Answers[i] = Answer{r.string(), r.string()}
		}
	}
	if n := r.count(); n > 0 {
		st.History = make([]string, n)
		for i := range st.History {
			st.History[i] = r.string()
		}
	}
	if r.bad || r.off != len(r.buf) || st.Tries < 0 ||
		!slices.IsSortedFunc(st.Answers, func(a, b Answer) int { return strings.Compare(a.Name, b.Name) }) {
		return ErrBadState
	}
	*s = st
	return nil
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

// stateReader reads an encoded state after its two header bytes. Varints are read
// from buf; strings are cut from str, which holds the same bytes, at the same
// offset off.
type stateReader struct {
	buf []byte
	str string
	off int
	bad bool
}

func (r *stateReader) uint() uint64 {
	v, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 || v > 1<<31 {
		r.bad = true
		return 0
	}
	r.off += n
	return v
}

func (r *stateReader) int() int64 {
	v, n := binary.Varint(r.buf[r.off:])
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
	s := r.str[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}
