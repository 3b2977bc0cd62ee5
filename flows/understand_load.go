package flows

import (
	"strings"

	"github.com/hotline-legal/hotline/flows/answer"
)

// compileUnderstanding compiles a step's fields for answers in a person's own
// words: why:, guess:, unclear:, people:, confirm: and unsafe:.
func (l *loader) compileUnderstanding(s *step, sy *stepYAML, f func(string) string) {
	s.why = l.text(sy.Why, f("why"))
	if sy.Guess != nil {
		s.guess = l.text(sy.Guess, f("guess"), "guess")
		if prev := l.p.guessStep; prev != nil && prev != s {
			l.r.errorf(sy.Pos, "%s: step %s already has guess:; the first message is matched against one menu only", f("guess"), prev.id)
		}
		l.p.guessStep = s
		classes := make([][]string, len(s.words))
		for i, words := range s.words {
			for _, w := range words {
				if strings.Trim(w, "0123456789") != "" { // a number alone says nothing about a problem
					classes[i] = append(classes[i], w)
				}
			}
		}
		l.p.classes = answer.NewClassifier(classes)
	}
	switch sy.Unclear.Value {
	case "":
	case "yes":
		s.unclearYes = true
	default:
		l.r.errorf(sy.Unclear.Pos, "%s: %q is not understood; unclear: yes makes any answer but a clear NO a yes, or leave it out", f("unclear"), sy.Unclear.Value)
	}
	s.people = sy.People
	if sy.Unsafe != nil {
		s.unsafe = l.rule(sy.Unsafe, f("unsafe"), false)
		if len(l.words.UnsafeContact) == 0 && len(l.words.PhoneWatched) == 0 {
			l.r.errorf(sy.Unsafe.Pos, "%s: %s has no unsafe_contact: or phone_watched: phrases to hear it with (\"dont call\", \"he checks my phone\")", f("unsafe"), wordsFileName)
		}
	}
	for i := range sy.Confirm {
		cy := &sy.Confirm[i]
		c := &confirm{}
		if cy.If == nil {
			l.r.errorf(cy.Pos, "%s: if: missing; say when to ask, like `not served(zip)`", f("confirm"))
		} else if err := compileCondition(cy.If, l.p.vars, l.p.functions); err != nil {
			err.Msg = f("confirm") + ": " + err.Msg
			l.r.add(err)
		} else {
			c.cond = cy.If.root
		}
		if cy.Ask == nil {
			l.r.errorf(cy.Pos, "%s: ask: missing; the question that confirms the answer (YES takes it)", f("confirm"))
		}
		c.ask = l.text(cy.Ask, f("confirm: ask"))
		s.confirms = append(s.confirms, c)
	}
}

// misplacedUnderstanding reports the fields of compileUnderstanding on steps
// that do not use them.
func (l *loader) misplacedUnderstanding(sy *stepYAML, only func(bool, string, ...Kind)) {
	answering := []Kind{KindChoice, KindYesNo, KindNumber, KindMoney, KindZIP, KindDate, KindPhone, KindText}
	only(sy.Why != nil, "why", answering...)
	only(len(sy.Confirm) > 0, "confirm", answering...)
	only(sy.Guess != nil, "guess", KindChoice)
	only(sy.Unclear.Value != "", "unclear", KindYesNo)
	only(sy.People, "people", KindNumber)
	only(sy.Unsafe != nil, "unsafe", answering...)
}

// compilePrivate compiles pack.yaml's private: condition.
func (l *loader) compilePrivate() {
	c := l.pack.Private
	if c == nil {
		return
	}
	if err := compileCondition(c, l.p.vars, l.p.functions); err != nil {
		err.Msg = "private: " + err.Msg
		l.r.add(err)
		return
	}
	l.p.private = c.root
}

// compileDanger compiles pack.yaml's danger: rule, what a message that says
// danger does at any step.
func (l *loader) compileDanger() {
	if l.pack.Danger == nil {
		return
	}
	l.p.danger = l.rule(l.pack.Danger, "danger", false)
	if l.p.danger.leads() {
		l.r.errorf(l.pack.Danger.Pos, "danger: goto: and end: are not used; the screening goes on where it was")
	}
	if l.p.danger.say == nil {
		l.r.errorf(l.pack.Danger.Pos, "danger: say: missing; the safety message (911, a hotline) a person in danger gets at once")
	}
	if len(l.p.words.danger) == 0 || func() bool {
		for _, d := range l.p.words.danger {
			if d != nil {
				return false
			}
		}
		return true
	}() {
		l.r.errorf(l.pack.Danger.Pos, "danger: %s has no danger: phrases to spot it with", wordsFileName)
	}
}
