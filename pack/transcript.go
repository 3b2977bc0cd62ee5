package pack

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

// Transcript is one scripted conversation from a pack's tests/ folder: messages to
// send, what each reply must (and must not) say, and how the conversation must end.
// `hotline test` runs them all.
type Transcript struct {
	flows.Pos
	Name    string           `yaml:"name"`
	Today   flows.Scalar     `yaml:"today"`
	Channel string           `yaml:"channel"`
	From    *string          `yaml:"from"`
	Turns   []TranscriptTurn `yaml:"turns"`
	Result  *TranscriptEnd   `yaml:"result"`

	today time.Time
}

// TranscriptTurn is one message of a transcript and what its reply must hold.
type TranscriptTurn struct {
	flows.Pos
	Send string `yaml:"send"`
	// After is how long passes before this message, like 25h.
	After flows.Scalar `yaml:"after"`
	// Expect are texts the reply must contain (case is ignored).
	Expect flows.Strings `yaml:"expect"`
	// ExpectNot are texts the reply must not contain.
	ExpectNot flows.Strings `yaml:"expect_not"`
	// Silent expects no reply at all.
	Silent bool `yaml:"silent"`
	// Standing is where the referral this message asks about stands, as the
	// service reads it from the referral's loop (flows.Input.Standing): the
	// message must be one flows.Flow.AsksStanding names a referral for. A
	// message without it goes as when the service finds no loop (none, or
	// expired).
	Standing *TranscriptStanding `yaml:"standing"`
	// FollowUpAnswer is the answer to a follow-up text the message must give
	// (flows.Effects.FollowUpAnswer): yes, no, or none.
	FollowUpAnswer string `yaml:"follow_up_answer"`
	// HearingAnswer is the answer to the offer of a hearing reminder the
	// message must give (flows.Effects.HearingAnswer): yes, no, or none;
	// HearingDate the new court date it must give (YYYY-MM-DD), or none.
	HearingAnswer string `yaml:"hearing_answer"`
	HearingDate   string `yaml:"hearing_date"`

	after time.Duration
}

// TranscriptStanding is where a referral stands, for a transcript's message
// (see TranscriptTurn.Standing).
type TranscriptStanding struct {
	flows.Pos
	// Status is sent (the default: the organization has not answered),
	// accepted or fallback.
	Status string `yaml:"status"`
	// To is the organization the referral is with now; by default the one
	// the transcript's referral went to, or the directory's fallback for
	// status fallback. Phone is its phone; by default the directory's.
	To    string `yaml:"to"`
	Phone string `yaml:"phone"`
	// FollowUp says the person was asked "did they contact you?" and has not
	// answered yet.
	FollowUp bool `yaml:"follow_up"`
	// HearingOffered says the person was offered a hearing reminder and has
	// not answered; HearingReminder that the reminder is on.
	HearingOffered  bool `yaml:"hearing_offered"`
	HearingReminder bool `yaml:"hearing_reminder"`
}

// standingStatuses are the statuses a transcript's standing may have: the
// loop's.
var standingStatuses = []string{hotline.LoopSent, hotline.LoopAccepted, hotline.LoopFallback}

// TranscriptEnd is how a transcript's conversation must have ended.
type TranscriptEnd struct {
	flows.Pos
	// Referral is the organization referred to, "fallback", or "none".
	Referral string `yaml:"referral"`
	// Service is the id of the organization's service (a program).
	Service       string  `yaml:"service"`
	Urgent        *bool   `yaml:"urgent"`
	SafetyConcern *bool   `yaml:"safety_concern"`
	CaseType      string  `yaml:"case_type"`
	Callback      string  `yaml:"callback"`
	Opponent      *string `yaml:"opponent"`
	Household     int     `yaml:"household"`
	Language      string  `yaml:"language"`
	Human         *bool   `yaml:"human"`
	OptedOut      *bool   `yaml:"opted_out"`
	Ended         *bool   `yaml:"ended"`
	// Voicemail and Texts are the safe contact's answers ("yes" or "no"),
	// SafeTime its safe time or number, and HearingDate the court date
	// (YYYY-MM-DD), as the referral carries them.
	Voicemail   string  `yaml:"voicemail"`
	Texts       string  `yaml:"texts"`
	SafeTime    *string `yaml:"safe_time"`
	HearingDate string  `yaml:"hearing_date"`
	// IncomeGiven is the income as the person wrote it ("500 a week").
	IncomeGiven string `yaml:"income_given"`
	// AskedForPerson is whether the referral says the person asked for one.
	AskedForPerson *bool `yaml:"asked_for_person"`
}

// testsDir is where a pack keeps its transcripts.
const testsDir = "tests"

// defaultTranscriptDay is "today" for transcripts that do not say: fixed, so that
// a test gives the same result every day.
const defaultTranscriptDay = "2026-06-15"

// transcriptSender is the phone number transcripts text from unless they say.
const transcriptSender = "+13125550142"

// LoadTests reads every tests/*.yaml transcript of a pack folder. A file may hold
// one transcript, or several as a list.
func LoadTests(fsys fs.FS) ([]*Transcript, flows.Problems) {
	l := &loader{fsys: fsys}
	var all []*Transcript
	names, _ := fs.Glob(fsys, testsDir+"/*.yaml")
	if len(names) == 0 {
		// Glob says nothing of a folder it cannot read (a link, say).
		if _, err := fs.Stat(fsys, testsDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.errorf(flows.Pos{File: testsDir}, "cannot read %s: %v", testsDir, readError(testsDir, err))
		}
	}
	for _, name := range names {
		var list []*Transcript
		if !l.decode(name, &list, true) {
			continue
		}
		for _, t := range list {
			l.checkTranscript(t)
		}
		all = append(all, list...)
	}
	return all, l.problems.Sorted()
}

func (l *loader) checkTranscript(t *Transcript) {
	if t.Name == "" {
		l.errorf(t.Pos, "name: missing; say what the transcript shows")
	}
	if len(t.Turns) == 0 {
		l.errorf(t.Pos, "turns: missing; list the messages to send")
	}
	day := t.Today.Value
	if day == "" {
		day = defaultTranscriptDay
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		l.errorf(t.Today.Pos, "today: %q is not a date like 2026-11-25", day)
	}
	t.today = d
	if t.Channel == "" {
		t.Channel = "sms"
	}
	for i := range t.Turns {
		turn := &t.Turns[i]
		if v := turn.After.Value; v != "" {
			after, err := time.ParseDuration(v)
			if err != nil || after < 0 {
				l.errorf(turn.After.Pos, "after: %q is not a duration like 25h or 90m", v)
			}
			turn.after = after
		}
		if turn.Silent && len(turn.Expect) > 0 {
			l.errorf(turn.Pos, "silent: and expect: contradict each other")
		}
		if sd := turn.Standing; sd != nil {
			if sd.Status == "" {
				sd.Status = hotline.LoopSent
			}
			if !slices.Contains(standingStatuses, sd.Status) {
				l.errorf(sd.Pos, "standing: status: %q is not a referral's status; use one of: %s%s",
					sd.Status, strings.Join(standingStatuses, ", "), flows.Suggest(sd.Status, standingStatuses))
			}
		}
		if a := turn.FollowUpAnswer; a != "" && a != "yes" && a != "no" && a != "none" {
			l.errorf(turn.Pos, "follow_up_answer: %q is not yes, no or none", a)
		}
		if a := turn.HearingAnswer; a != "" && a != "yes" && a != "no" && a != "none" {
			l.errorf(turn.Pos, "hearing_answer: %q is not yes, no or none", a)
		}
		if d := turn.HearingDate; d != "" && d != "none" {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				l.errorf(turn.Pos, "hearing_date: %q is not a date like 2026-12-15, or none", d)
			}
		}
	}
}

// standing is where a transcript's message says the referral ref stands,
// with the defaults filled in from the transcript's referral (made, nil for
// none) and the directory; ok is false when it cannot tell whom the referral
// is with.
func (p *Pack) standing(sd *TranscriptStanding, ref string, made *hotline.Referral) (s *flows.Standing, ok bool) {
	s = &flows.Standing{Ref: ref, Status: sd.Status, To: sd.To, Phone: sd.Phone, AwaitingFollowUp: sd.FollowUp,
		HearingOffered: sd.HearingOffered, HearingReminder: sd.HearingReminder}
	if s.To == "" {
		switch {
		case s.Status == hotline.LoopFallback:
			s.To = p.Directory.Fallback.Name
		case made != nil:
			s.To = made.OrgName
		default:
			return nil, false
		}
	}
	if s.Phone == "" {
		s.Phone, _, _ = referrer{p}.Contact(s.To)
	}
	return s, true
}

// TestFailure is one way a transcript did not go as written.
type TestFailure struct {
	// Turn is the 1-based number of the message, or 0 for the result.
	Turn int
	Sent string
	Want string
	Got  string
}

func (f TestFailure) String() string {
	if f.Turn == 0 {
		return fmt.Sprintf("result: expected %s, got %s", f.Want, f.Got)
	}
	return fmt.Sprintf("turn %d (sent %q): expected %s, got %q", f.Turn, f.Sent, f.Want, f.Got)
}

// Run plays a transcript against the pack and returns every way it went wrong.
func (p *Pack) Run(t *Transcript) []TestFailure {
	var fails []TestFailure
	from := transcriptSender
	if t.From != nil {
		from = *t.From
	}
	now := time.Date(t.today.Year(), t.today.Month(), t.today.Day(), 12, 0, 0, 0, p.Flow.Location)
	var st flows.State
	var referral *hotline.Referral
	var fallback, human bool
	for i, turn := range t.Turns {
		now = now.Add(time.Minute + turn.after)
		in := flows.Input{Text: turn.Send, Channel: t.Channel, From: from, Now: now, Ref: fmt.Sprintf("H-T%04d", i+1),
			AnswerAfterStop: hotline.AnswersAfterStop(t.Channel)} // as the service does
		var reply string
		fail := func(want string) {
			fails = append(fails, TestFailure{Turn: i + 1, Sent: turn.Send, Want: want, Got: reply})
		}
		if sd := turn.Standing; sd != nil {
			// As the service does: it reads the loop of the referral
			// AsksStanding names, and only then.
			ref, _ := p.Flow.AsksStanding(st, in)
			standing, ok := p.standing(sd, ref, referral)
			switch {
			case ref == "":
				fail("a message whose referral's standing the service reads (standing:), but it asks about none")
			case !ok:
				fail("standing: to: the organization the referral is with (the transcript made no referral)")
			default:
				in.Standing = standing
			}
		}
		var fx Effects
		st, fx = p.Step(st, in)
		if fx.Referral != nil {
			referral = fx.Referral
		}
		fallback = fallback || fx.Fallback
		human = human || fx.Human
		reply = strings.Join(fx.Replies, "\n")
		lower := strings.ToLower(reply)
		if want := turn.FollowUpAnswer; want != "" {
			got := fx.FollowUpAnswer
			if got == "" {
				got = "none"
			}
			if got != want {
				fail(fmt.Sprintf("follow_up_answer %s (it was %s)", want, got))
			}
		}
		for _, c := range []struct{ field, want, got string }{
			{"hearing_answer", turn.HearingAnswer, fx.HearingAnswer},
			{"hearing_date", turn.HearingDate, fx.HearingDate},
		} {
			if c.got == "" {
				c.got = "none"
			}
			if c.want != "" && c.got != c.want {
				fail(fmt.Sprintf("%s %s (it was %s)", c.field, c.want, c.got))
			}
		}
		if turn.Silent && reply != "" {
			fail("no reply")
		}
		if !turn.Silent && reply == "" {
			fail("a reply")
		}
		for _, want := range turn.Expect {
			if !strings.Contains(lower, strings.ToLower(want)) {
				fail(fmt.Sprintf("%q in the reply", want))
			}
		}
		for _, not := range turn.ExpectNot {
			if strings.Contains(lower, strings.ToLower(not)) {
				fail(fmt.Sprintf("no %q in the reply", not))
			}
		}
	}
	if t.Result != nil {
		fails = append(fails, checkResult(t.Result, referral, fallback, human, st)...)
	}
	return fails
}

func checkResult(want *TranscriptEnd, ref *hotline.Referral, fallback, human bool, st flows.State) []TestFailure {
	var fails []TestFailure
	check := func(field, want, got string) {
		if want != got {
			fails = append(fails, TestFailure{Want: fmt.Sprintf("%s %q", field, want), Got: fmt.Sprintf("%q", got)})
		}
	}
	checkBool := func(field string, want *bool, got bool) {
		if want != nil && *want != got {
			fails = append(fails, TestFailure{Want: fmt.Sprintf("%s %v", field, *want), Got: fmt.Sprint(got)})
		}
	}
	outcome := "none"
	switch {
	case ref != nil:
		outcome = ref.OrgID
	case fallback:
		outcome = "fallback"
	}
	if want.Referral != "" {
		check("referral", want.Referral, outcome)
	}
	r := ref
	if r == nil {
		r = &hotline.Referral{}
	}
	if want.Service != "" {
		check("service", want.Service, r.ProgramID)
	}
	checkBool("urgent", want.Urgent, r.Urgent)
	checkBool("safety_concern", want.SafetyConcern, r.SafetyConcern)
	if want.CaseType != "" {
		check("case_type", want.CaseType, r.CaseType)
	}
	if want.Callback != "" {
		check("callback", want.Callback, r.Callback)
	}
	if want.Opponent != nil {
		check("opponent", *want.Opponent, r.Opponent)
	}
	if want.Household != 0 {
		check("household", fmt.Sprint(want.Household), fmt.Sprint(r.Household))
	}
	if want.Language != "" {
		check("language", want.Language, r.Language)
	}
	if want.Voicemail != "" {
		check("voicemail", want.Voicemail, r.SafeContact.Voicemail)
	}
	if want.Texts != "" {
		check("texts", want.Texts, r.SafeContact.Texts)
	}
	if want.SafeTime != nil {
		check("safe_time", *want.SafeTime, r.SafeContact.When)
	}
	if want.HearingDate != "" {
		check("hearing_date", want.HearingDate, r.HearingDate)
	}
	if want.IncomeGiven != "" {
		check("income_given", want.IncomeGiven, r.IncomeGiven)
	}
	checkBool("asked_for_person", want.AskedForPerson, r.AskedForPerson)
	checkBool("human", want.Human, human)
	checkBool("opted_out", want.OptedOut, st.Flags&flows.OptedOut != 0)
	checkBool("ended", want.Ended, st.Flags&flows.Ended != 0)
	return fails
}
