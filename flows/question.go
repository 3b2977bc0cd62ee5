package flows

import (
	"strconv"
	"strings"

	"github.com/hotline-legal/hotline/flows/answer"
)

// MsgProgress is the shared message a screen shows as the screening's
// progress (see Question): {number} is Question.Number, {about} Question.About.
const MsgProgress = "progress"

// The shared messages a screen shows as answer buttons (see pack.Screen). A
// button sends its own words, so the loader makes sure the bot reads each as
// the answer it stands for.
const (
	MsgAnswerYes  = "answer_yes"
	MsgAnswerNo   = "answer_no"
	MsgAnswerSkip = "answer_skip"
)

// Question is what a conversation waits for, for a screen that can offer more
// than a text box (the web chat): the kind of answer, so that the keyboard
// fits it; the choices, so that they can be buttons; and how far along the
// screening is. Typing an answer always works too: the buttons only send what
// a person could have typed.
type Question struct {
	// Kind is the kind of answer expected. A confirmation waiting ("So 4
	// people in all?") or a guessed problem ("It sounds like…, is that
	// right?") expects a yes or no, whatever the step's own kind.
	Kind Kind
	// Choices are a choice step's choices in the conversation's language,
	// in menu order, when every one has a text: (a choice without one would
	// show only its label, which is written for the organization). Nil
	// otherwise, and for other kinds.
	Choices []Choice
	// Optional is set when the question may be skipped (SKIP).
	Optional bool
	// Number is the question's place in the screening, from 1.
	Number int
	// About is about how many questions the screening asks in all: the
	// questions already answered and the most that can follow from here. It
	// only goes down as the person answers, unless a step leads back to one
	// already asked (a loop's questions count once from where it starts).
	About int
}

// Choice is one answer a button may send.
type Choice struct {
	// Answer is what the button sends: the choice's number in the menu.
	Answer string
	// Text is what it shows: the choice's text in the conversation's language.
	Text string
}

// Question returns what the conversation waits for, with the choices'
// texts in the wording of channel, and false when it waits for nothing (before the first message, after the end, after STOP, or at
// "welcome back", whose answers are words of the message itself).
func (p *Flow) Question(st State, channel string) (Question, bool) {
	if st.Step == "" || st.Flags&(Ended|OptedOut|Resuming) != 0 {
		return Question{}, false
	}
	s := p.steps[st.Step]
	if s == nil {
		return Question{}, false
	}
	q := Question{Kind: s.expect, Optional: s.optional, Number: len(st.History) + 1}
	q.About = len(st.History) + s.ahead
	_, pending := st.Get(varPending)
	_, guessed := st.Get(varGuess)
	if pending || s == p.guessStep && s.guess != nil && guessed {
		q.Kind, q.Optional = KindYesNo, false
		return q, true
	}
	if s.expect != KindChoice {
		return q, true
	}
	chosen, _ := st.Get(varLanguage)
	lang := p.langIndex(chosen)
	for i, c := range s.choices {
		if c.text == nil {
			q.Choices = nil
			return q, true
		}
		var b strings.Builder
		p.writeChoice(&b, s, c, lang, variantIndex(channel))
		q.Choices = append(q.Choices, Choice{Answer: strconv.Itoa(i + 1), Text: b.String()})
	}
	return q, true
}

// Say renders the shared message name in the conversation's language, for a
// channel (its variant there, when it has one), with extra placeholders
// beside every message's. ok is false when the pack has no such message: the
// messages a screen shows beside the conversation (a progress line, button
// texts) are optional.
func (p *Flow) Say(name string, st State, channel string, extra map[string]string) (text string, ok bool) {
	m := p.messages[name]
	if m == nil {
		return "", false
	}
	st = st.clone()
	t := &turn{p: p, st: &st, in: &Input{Channel: channel}, channel: uint8(variantIndex(channel)), extra: extra}
	t.lang = p.langIndex(t.value(varLanguage))
	t.say(m)
	return strings.Join(t.fx.Replies, "\n"), true
}

// countQuestions works out, for every step, the most questions a person can
// be asked from it to the end, itself included (step.ahead), for
// Question.About. A way back to a step already on the way counts nothing more.
func (l *loader) countQuestions() {
	const (
		unseen = iota
		counting
		counted
	)
	mark := map[*step]int{}
	var count func(s *step) int
	count = func(s *step) int {
		switch mark[s] {
		case counted:
			return s.ahead
		case counting:
			return 0 // a loop: its questions are counted once already
		}
		mark[s] = counting
		most := 0
		if s.refer == nil && !s.end {
			for _, r := range s.rules() {
				if r.target != nil {
					most = max(most, count(r.target))
				}
			}
		}
		if s.expect != KindNone {
			most++
		}
		s.ahead = most
		mark[s] = counted
		return most
	}
	for _, s := range l.p.order {
		count(s)
	}
}

// checkButtons reports an answer button (MsgAnswerYes...) whose words, in any
// language or wording, the bot would not read as its answer: pressed, it
// would get a re-ask.
func (l *loader) checkButtons() {
	p := l.p
	for _, b := range []struct {
		key, what string
		reads     func(norm string) bool
	}{
		{MsgAnswerYes, "a yes", func(n string) bool { yes, ok := p.yesNo(n); return ok && yes }},
		{MsgAnswerNo, "a no", func(n string) bool { yes, ok := p.yesNo(n); return ok && !yes }},
		{MsgAnswerSkip, "SKIP", func(n string) bool { return answer.IsSkip(n) || p.words.skip[n] }},
	} {
		m, t := p.messages[b.key], l.messages[b.key]
		if m == nil || t == nil {
			continue
		}
		for channel := range len(variantChannels) + 1 {
			if channel > 0 && (m.variants == nil || m.variants[channel-1] == nil) {
				continue // the main wording, checked already
			}
			for i, lang := range p.Languages {
				text := m.in(channel, i).literal()
				if b.reads(answer.Normalize(text)) {
					continue
				}
				pos := t.Pos
				if s, ok := t.ByLang[lang]; ok && channel == 0 {
					pos = s.Pos
				}
				l.r.errorf(pos, "%s: the %s text %q is a button that sends its own words, which the bot does not read as %s; write one it does (like the words of words.yaml answers:)", b.key, lang, text, b.what)
			}
		}
	}
}
