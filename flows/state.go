package flows

import (
	"slices"
	"strings"
)

// State is where one conversation stands. It is small and plain data, so that a
// store can keep it between messages in any encoding; the engine never keeps it.
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
	// AfterReferral: the conversation ended with a referral, which the next message
	// is answered with (until RESTART).
	AfterReferral
)

// The engine's record of the last referral a conversation made: its reference
// and whom it went to. The names hold a dot, which no pack variable may, so a
// step can neither read nor overwrite them. Nothing of the person is in them.
const (
	varReferralRef = "referral.ref"
	varReferralTo  = "referral.to"
	// varFallback is the fallback the last screening ended with (its name,
	// "" for a private one): the referral variables keep the last real
	// referral, which a STOP still asks the outbox about.
	varFallback = "referral.fallback"
	// varGuess is the choice the first message told (at the guess: step), until
	// that step is answered.
	varGuess = "first.guess"
	// varPending is an answer waiting for the person to confirm it.
	varPending = "confirm.pending"
	// varNoticed is when the staff were last told the conversation needs a
	// person (Unix seconds); it outlives RESTART (see needsPerson).
	varNoticed = "notice.at"
	// varNoticeRef is that notice's reference, which a STOP takes back.
	varNoticeRef = "notice.ref"
	// varAsked is the free-text step a question back was answered at: a
	// second question-like message there is its answer.
	varAsked = "question.asked"
	// varNoticedSafety marks that the last notice told of a safety concern;
	// a safety concern the staff were not told of is told at once.
	varNoticedSafety = "notice.safety"
	// varAskedPerson marks that the person asked for a person in this
	// screening (AGENT, "can I talk to someone"), which the referral says.
	varAskedPerson = "person.asked"
	// varContactUnsafe marks that the person said, in any message, that
	// calling or texting them is not safe (words.yaml unsafe_contact:): the
	// conversation is private from then on, whatever BACK or RESTART undo.
	varContactUnsafe = "contact.unsafe"
	// varGiven and a variable's name keep its answer as the person wrote it
	// ("500 a week"), when that differs from the value saved: the referral
	// shows both.
	varGiven = "given."
)

// Language returns the language the conversation is in, "" before one is
// chosen.
func (s *State) Language() string {
	lang, _ := s.Get(varLanguage)
	return lang
}

// Referral returns the reference of the last referral the conversation made and
// whom it went to; "" when it made none (or the person sent STOP since).
func (s *State) Referral() (ref, to string) {
	ref, _ = s.Get(varReferralRef)
	to, _ = s.Get(varReferralTo)
	return ref, to
}

// Outcome returns how the last screening ended, as the person was told:
// its referral's reference and organization, or the fallback's name and no
// reference. to is "" for one that is not repeated (private, see
// rememberReferral), and both are "" when it ended in neither.
func (s *State) Outcome() (ref, to string) {
	if fallback, ok := s.Get(varFallback); ok {
		return "", fallback
	}
	return s.Referral()
}

// setReferral records the last referral made.
func (s *State) setReferral(ref, to string) {
	if ref == "" {
		return
	}
	s.Set(varReferralRef, ref)
	if to != "" {
		s.Set(varReferralTo, to)
	} else {
		s.unset(varReferralTo) // an earlier referral's organization is not this one's
	}
}

// fresh is an empty state at the same time, which still knows the last
// referral: a new screening after one, or RESTART, must not make a later STOP
// forget that the referral may still be on its way.
func (s *State) fresh() State {
	next := State{Seen: s.Seen}
	ref, to := s.Referral()
	next.setReferral(ref, to)
	if v, ok := s.Get(varContactUnsafe); ok {
		next.Set(varContactUnsafe, v) // a new screening on the same phone is no safer
	}
	if at, ok := s.Get(varNoticed); ok {
		next.Set(varNoticed, at)
		ref, _ := s.Get(varNoticeRef)
		next.Set(varNoticeRef, ref)
		if v, told := s.Get(varNoticedSafety); told {
			next.Set(varNoticedSafety, v)
		}
	}
	return next
}

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
