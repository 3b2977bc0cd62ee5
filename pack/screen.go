package pack

import (
	"strconv"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/answer"
)

// The shared messages a screen shows beside the conversation (messages.yaml).
// Each is optional: without it the screen simply shows less. (The answer
// buttons and the progress line are flows.MsgAnswerYes, MsgAnswerNo,
// MsgAnswerSkip and MsgProgress.)
const (
	// msgResultNext says what happens after a referral, on its result card.
	msgResultNext = "result_next"
	// msgSafetyPanel stays in view once the person said they are in danger:
	// whom to call right now.
	msgSafetyPanel = "safety_panel"
)

// Ending is how a conversation ended, as a screen shows it.
type Ending string

// The endings a screen tells apart.
const (
	// EndedReferred: a referral was made, or the fallback given.
	EndedReferred Ending = "referred"
	// EndedStopped: the person sent STOP; the answers were deleted.
	EndedStopped Ending = "stopped"
	// EndedOther: any other end (no consent, an area not served).
	EndedOther Ending = "ended"
)

// Screen is what a chat screen (the web chat) shows beside the messages: the
// answers it can offer as buttons, how far along the screening is, how it
// ended, and whom to call in danger. Every word in it is the pack's, in the
// conversation's language.
type Screen struct {
	// Question is what the conversation waits for; nil when it waits for nothing.
	Question *ScreenQuestion `json:"question,omitempty"`
	// Ended says how the conversation ended: "referred" (a referral, or the
	// fallback), "stopped" (STOP: its answers were deleted) or "ended" (any
	// other end); "" while it goes on.
	Ended Ending `json:"ended,omitempty"`
	// Result is the referral to show as a card; nil when there is none to show
	// (a private referral is shown only with the message that made it).
	Result *ResultCard `json:"result,omitempty"`
	// Safety is whom to call in danger (safety_panel), once the person said
	// they are in danger.
	Safety string `json:"safety,omitempty"`
}

// ScreenQuestion is a question waiting, for the screen's buttons and keyboard.
type ScreenQuestion struct {
	// Kind is the kind of answer (flows.Kind's name: choice, yesno, number,
	// money, zip, date, phone, text).
	Kind string `json:"kind"`
	// Choices are the buttons: what each sends and shows.
	Choices []ScreenChoice `json:"choices,omitempty"`
	// Number and About are the question's place and about how many there are.
	Number int `json:"number"`
	About  int `json:"about"`
	// Progress says them in words ("Question 4 of about 12").
	Progress string `json:"progress,omitempty"`
}

// ScreenChoice is one button.
type ScreenChoice struct {
	// Answer is the text the button sends.
	Answer string `json:"answer"`
	// Text is what it shows.
	Text string `json:"text"`
}

// ResultCard is a referral as the screen shows it at the end.
type ResultCard struct {
	// Org is whom to call.
	Org string `json:"org"`
	// Phone is their number as written, and Tel the same in E.164 for a
	// tel: link ("" when it cannot be read as a number).
	Phone string `json:"phone,omitempty"`
	Tel   string `json:"tel,omitempty"`
	Hours string `json:"hours,omitempty"`
	// Ref is the reference to give them; "" for the fallback.
	Ref string `json:"ref,omitempty"`
	// Next says what happens next (result_next).
	Next string `json:"next,omitempty"`
}

// Screen describes a conversation for a screen on channel, after a message
// that made the referral made (nil when it made none).
func (p *Pack) Screen(st flows.State, made *hotline.Referral, channel string) Screen {
	var s Screen
	say := func(name string, extra map[string]string) string {
		text, _ := p.Flow.Say(name, st, channel, extra)
		return text
	}
	if v, _ := st.Get(p.Flow.Field(fieldSafetyConcern)); v == "yes" {
		s.Safety = say(msgSafetyPanel, nil)
	}
	switch {
	case st.Flags&flows.OptedOut != 0:
		s.Ended = EndedStopped
		return s
	case made != nil || st.Flags&flows.AfterReferral != 0:
		s.Ended = EndedReferred
		s.Result = p.resultCard(st, made)
		if s.Result != nil && s.Result.Ref != "" {
			s.Result.Next = say(msgResultNext, nil)
		}
		return s
	case st.Flags&flows.Ended != 0:
		s.Ended = EndedOther
		return s
	}
	q, ok := p.Flow.Question(st, channel)
	if !ok {
		return s
	}
	sq := &ScreenQuestion{Kind: q.Kind.String(), Number: q.Number, About: q.About}
	for _, c := range q.Choices {
		sq.Choices = append(sq.Choices, ScreenChoice(c))
	}
	button := func(name string) {
		if text := say(name, nil); text != "" {
			sq.Choices = append(sq.Choices, ScreenChoice{Answer: text, Text: text})
		}
	}
	if q.Kind == flows.KindYesNo {
		button(flows.MsgAnswerYes)
		button(flows.MsgAnswerNo)
	}
	if q.Optional {
		button(flows.MsgAnswerSkip)
	}
	sq.Progress = say(flows.MsgProgress, map[string]string{"number": strconv.Itoa(q.Number), "about": strconv.Itoa(q.About)})
	s.Question = sq
	return s
}

// resultCard is the referral to show: the one just made, else the one the
// conversation remembers (not a private one's: see flows' rememberReferral).
func (p *Pack) resultCard(st flows.State, made *hotline.Referral) *ResultCard {
	var c ResultCard
	if made != nil {
		c = ResultCard{Org: made.OrgName, Phone: made.OrgPhone, Ref: made.Ref}
		if o := p.Directory.Organization(made.OrgID); o != nil {
			c.Hours = o.Hours
		}
	} else {
		ref, to := st.Outcome()
		phone, hours, ok := referrer{p: p}.Contact(to)
		if to == "" || !ok {
			return nil
		}
		c = ResultCard{Org: to, Phone: phone, Hours: hours, Ref: ref}
	}
	c.Tel, _ = answer.Phone(c.Phone, p.Flow.Country)
	return &c
}
