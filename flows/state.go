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
	return b, nil
}

// MarshalBinary returns the state's compact encoding.
func (s *State) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, 256))
}

// UnmarshalBinary reads a state written by AppendBinary. Anything else, including a
// newer version, is ErrBadState.
func (s *State) UnmarshalBinary(data []byte) error {
	if len(data) > maxStateBytes || len(data) < 2 || data[0] != stateVersion {
		return ErrBadState
	}
	r := stateReader{buf: data[2:]}
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
	if r.bad || len(r.buf) != 0 || st.Tries < 0 ||
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

type stateReader struct {
	buf []byte
	bad bool
}

func (r *stateReader) uint() uint64 {
	v, n := binary.Uvarint(r.buf)
	if n <= 0 || v > 1<<31 {
		r.bad = true
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *stateReader) int() int64 {
	v, n := binary.Varint(r.buf)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *stateReader) count() int {
	n := r.uint()
	if n > maxStateEntries || n > uint64(len(r.buf)) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *stateReader) string() string {
	n := r.uint()
	if r.bad || n > uint64(len(r.buf)) {
		r.bad = true
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}
