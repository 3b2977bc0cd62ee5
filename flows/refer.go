package flows

import (
	"slices"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Referrer decides where a screening goes when it reaches a refer step. The
// language knows nothing of organizations or eligibility: a pack's domain gives a
// Referrer at load. It declares the answers it reads, which pack.yaml's
// referral: section maps to the variables steps save them in (and `hotline
// check` verifies), and it answers each request.
type Referrer interface {
	// Fields are the answers a referral reads.
	Fields() []Field
	// Placeholders are the names refer texts may use besides the pack's
	// variables: matched in the texts for a match (matched: and urgent:), like
	// "org.phone", fallback in the fallback: text.
	Placeholders() (matched, fallback []string)
	// Refer chooses where a screening goes. Step calls it, so it must be pure
	// and quick.
	Refer(Request) Result
}

// Contacts is what a Referrer may also do: give the phone and hours of whom a
// referral went to (Result.To), so that the conversation need keep only the
// name to answer "what was the number again?" (state is kept small: under a
// kilobyte a conversation). ok is false when it knows no such name any more.
type Contacts interface {
	Contact(to string) (phone, hours string, ok bool)
}

// Field is one answer a referral reads.
type Field struct {
	// Role names it in pack.yaml's referral: section, like household.
	Role string
	// Kinds are the kinds of answer it may be; the first is the one to ask for.
	Kinds []Kind
	// Required fields must be mapped, when the pack has a refer step.
	Required bool
	// Needs are the roles that must be mapped too when this one is (an income
	// means little without the household's size).
	Needs []string
	// About says what it is, for coordinators' messages: "the household's size".
	About string
}

// Request is what a refer step asks of the Referrer.
type Request struct {
	// Ref is the reference the referral gets (Input.Ref).
	Ref string
	// At is when the screening ended.
	At time.Time
	// AskedForPerson is set when the person asked for a person during the
	// screening (AGENT, "can I talk to someone").
	AskedForPerson bool
	// ContactUnsafe is set when the person said, in any message, that calling
	// or texting them is not safe (words.yaml unsafe_contact:).
	ContactUnsafe bool
	Language      string
	Channel       string
	// Urgent is set when a rule marked the case urgent, for Reasons.
	Urgent  bool
	Reasons []string
	// Fields are the answers of the Referrer's fields, by role. A role whose
	// variable was never saved, or was skipped, has an empty Value.
	Fields map[string]Answered
	// Answers are every question answered, in the order asked.
	Answers []Answered
}

// Answered is one saved answer, with what the pack says of it.
type Answered struct {
	// Step is the id of the step that asked, "" for an input no step answered.
	Step string
	// Question is the step's label.
	Question string
	Kind     Kind
	// Value is the answer as saved: a choice's value, "yes", cents a month,
	// YYYY-MM-DD, E.164; "" when skipped.
	Value string
	// Label and Code are a choice's, when the answer is one.
	Label, Code string
	// Once marks an amount of money that is not per month but one sum (a
	// debt): per: once.
	Once bool
	// Given is the answer as the person wrote it ("500 a week"), when that
	// reads differently from Value; "" otherwise.
	Given string
}

// Result is the Referrer's answer.
type Result struct {
	// Matched is set when someone takes the case; otherwise the refer step's
	// fallback text is sent.
	Matched bool
	// Placeholders are the values of the Referrer's placeholders in the texts.
	Placeholders map[string]string
	// Referral is the domain's own record of the referral, carried to the
	// caller in Effects as it is.
	Referral any
	// To names whom a match's referral goes to, as the person reads it (an
	// organization's name): the conversation keeps it with the reference, for a
	// STOP that comes while the referral is still being sent.
	To string
}

// Referred is what a refer step did: the request made and the result.
type Referred struct {
	Request Request
	Result  Result
	// Told is the referral text the person got, word for word (a match's, with
	// its urgent: line): what the organization should know they expect.
	Told string
	// Private says the referral is private (pack.yaml private:, or the person
	// said someone reads their phone): nothing of it may be repeated or texted
	// to the phone later. (Read it here: the answers it was worked out from
	// are gone from the state once the screening ends.)
	Private bool
}

// Field returns the variable that holds a role of the referral, "" when the pack
// maps none.
func (p *Flow) Field(role string) string { return p.inputs[role] }

// compileReferral checks pack.yaml's referral: section against the Referrer's
// fields and the variables the steps save.
func (l *loader) compileReferral() {
	hasRefer := slices.ContainsFunc(l.p.order, func(s *step) bool { return s.refer != nil })
	ref := l.o.Referrer
	if l.incomplete {
		return // the variables of the flow file that could not be read are unknown
	}
	if ref == nil {
		if hasRefer || len(l.pack.Referral) > 0 {
			l.r.errorf(l.pack.Pos, "referral: this pack refers people, but nothing was given to match them with organizations (a program error: load packs with pack.Load)")
		}
		return
	}
	if hasRefer && l.messages[msgStillSent] == nil {
		l.r.errorf(Pos{File: messagesFileName}, "missing the shared message %q, which the bot adds to the STOP reply while a referral is still being sent (it may use {ref} and {org})", msgStillSent)
	}
	if hasRefer && l.messages[msgReferralLimit] == nil {
		l.r.errorf(Pos{File: messagesFileName}, "missing the shared message %q, which the web chat sends instead of a referral when one connection has made its referrals for the day", msgReferralLimit)
	}
	if hasRefer {
		l.requireLoopMessages()
	}
	l.p.inputs = map[string]string{}
	inputs := ref.Fields()
	roles := make([]string, len(inputs))
	for i, in := range inputs {
		roles[i] = in.Role
	}
	for _, role := range sortedKeys(l.pack.Referral) {
		if !slices.Contains(roles, role) {
			l.r.errorf(l.pack.Referral[role].Pos, "referral: %q is not something a referral reads%s; it reads: %s",
				role, suggest(role, roles), strings.Join(roles, ", "))
		}
	}
	for _, in := range inputs {
		name, given := l.pack.Referral[in.Role]
		if !given {
			if in.Required && hasRefer {
				l.r.errorf(l.referralPos(), "referral: %s: missing; name the variable that holds %s (a step's id, or its save:)", in.Role, in.About)
			}
			continue
		}
		v := l.p.vars[name.Value]
		switch {
		case v == nil || v.builtin:
			l.r.errorf(name.Pos, "referral: %s: no step saves %q, so the referral would lose %s%s", in.Role, name.Value, in.About, l.candidates(name.Value, in.Kinds))
			continue
		case !fitsKinds(v, in.Kinds):
			l.r.errorf(name.Pos, "referral: %s: %q holds %s answers, but %s must be %s (expect: %s)", in.Role, name.Value, v.kind, in.About, kindList(in.Kinds), in.Kinds[0])
			continue
		case v.kind == KindMoney && l.savesOnce(name.Value):
			l.r.errorf(name.Pos, "referral: %s: %q is a one-time sum (per: once), but %s is an amount per month; ask it with per: month, week or year", in.Role, name.Value, in.About)
			continue
		}
		v.used = true
		l.p.inputs[in.Role] = name.Value
	}
	for _, in := range inputs {
		name, given := l.pack.Referral[in.Role]
		if !given {
			continue
		}
		for _, need := range in.Needs {
			if _, ok := l.pack.Referral[need]; !ok {
				l.r.errorf(name.Pos, "referral: %s: needs %s too; add it to referral:", in.Role, need)
			}
		}
	}
}

// referralPos is where pack.yaml's referral: section starts, as near as its
// entries tell (the top of pack.yaml when it has none).
func (l *loader) referralPos() Pos {
	pos := l.pack.Pos
	for _, v := range l.pack.Referral {
		if pos == l.pack.Pos || v.Line < pos.Line {
			pos = v.Pos
		}
	}
	return pos
}

// fitsKinds reports whether a variable can stand for an input of one of kinds. A
// variable only rules set holds text; it fits yes/no when every value set is yes
// or no, and a choice when it is set to names.
func fitsKinds(v *varInfo, kinds []Kind) bool {
	if slices.Contains(kinds, v.kind) {
		return true
	}
	if !v.setOnly {
		return false
	}
	for _, k := range kinds {
		switch k {
		case KindYesNo:
			if !slices.ContainsFunc(v.values, func(s string) bool { return s != "yes" && s != "no" }) {
				return true
			}
		case KindChoice:
			return true
		}
	}
	return false
}

func kindList(kinds []Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.String()
	}
	return strings.Join(names, " or ")
}

// candidates suggests the variables of the right kinds: "; did you mean "x"?",
// or the list of them.
func (l *loader) candidates(name string, kinds []Kind) string {
	var fit []string
	for _, n := range sortedKeys(l.p.vars) {
		if v := l.p.vars[n]; !v.builtin && fitsKinds(v, kinds) {
			fit = append(fit, n)
		}
	}
	if s := suggest(name, fit); s != "" {
		return s
	}
	if len(fit) == 0 {
		return "; no step saves " + kindList(kinds) + " answers"
	}
	return "; the variables holding " + kindList(kinds) + " answers are: " + strings.Join(fit, ", ")
}

// refer asks the Referrer where the screening goes, tells the person, and hands
// the request and result to the caller.
func (t *turn) refer(r *refer) {
	p := t.p
	req := Request{
		Ref: t.in.Ref, At: t.in.Now, Language: p.Languages[t.lang], Channel: t.in.Channel,
		Urgent: t.value(varUrgent) == "yes", AskedForPerson: t.value(varAskedPerson) == "yes",
		ContactUnsafe: t.value(varContactUnsafe) == "yes",
	}
	if reasons := t.value(varUrgentReason); req.Urgent && reasons != "" {
		req.Reasons = strings.Split(reasons, "; ")
	}
	req.Fields = make(map[string]Answered, len(p.inputs))
	req.Answers = make([]Answered, 0, len(t.st.History))
	asked := make(map[string]*step, len(t.st.History)) // the last step that saved each variable
	for _, id := range t.st.History {
		if s := p.steps[id]; s != nil {
			v, _ := t.st.Get(s.save)
			a := p.answered(s, s.save, v)
			a.Given, _ = t.st.Get(varGiven + s.save)
			req.Answers = append(req.Answers, a)
			asked[s.save] = s
		}
	}
	for role, name := range p.inputs {
		a := p.answered(asked[name], name, t.value(name))
		a.Given, _ = t.st.Get(varGiven + name)
		req.Fields[role] = a
	}
	res := p.referrer.Refer(req)
	t.fx.Referred = &Referred{Request: req, Result: res}
	t.result = &t.fx.Referred.Result
	private := t.private()
	t.fx.Referred.Private = private
	if !res.Matched {
		t.say(r.fallback)
		t.end()
		t.rememberReferral("", res, private)
		return
	}
	tpl := r.matched.in(int(t.channel), t.lang)
	var b strings.Builder
	tpl.render(&b, t)
	if req.Urgent && r.urgent != nil {
		b.WriteByte(' ')
		r.urgent.in(int(t.channel), t.lang).render(&b, t)
	}
	t.fx.Replies = append(t.fx.Replies, b.String())
	t.fx.Referred.Told = b.String()
	t.offerHearingReminder(private) // before end() drops the answers it reads
	t.end()
	t.rememberReferral(req.Ref, res, private)
}

// rememberReferral keeps what the next message repeats after a referral
// (ref is "" for the fallback): the reference and whom to call. A STOP reads
// them too. For a private referral (pack.yaml private:, by default a person who
// said they are in danger) not even the name is kept: the next message gets
// after_referral_private, which names no organization, since an abuser may be
// the one holding the phone by then.
func (t *turn) rememberReferral(ref string, res Result, private bool) {
	to := res.To
	if private {
		to = "" // not even to a STOP: the phone may be someone else's
	}
	if ref != "" {
		t.st.setReferral(ref, to)
	} else {
		// The fallback: marked apart, so that the reference and organization
		// of an earlier referral (still on its way, maybe) stay a pair.
		t.st.Set(varFallback, to)
	}
	switch {
	case private && t.p.messages[msgAfterReferralPrivate] != nil:
		t.st.Flags |= AfterReferral
	case to != "" && !private:
		// Only the name is kept; the phone and hours are looked up when asked
		// (Contacts), so the state stays small.
		if _, ok := t.p.referrer.(Contacts); ok {
			t.st.Flags |= AfterReferral
		}
	}
}

// Private reports whether texts the person did not ask for could endanger
// them: the person said calling or texting them is not safe (words.yaml
// unsafe_contact:, in any message), or pack.yaml's private: condition (by
// default, the safety concern) holds for the conversation. No reminder or other later text goes to them; a
// person who stopped answering may have stopped because the abuser walked in.
func (p *Flow) Private(st State) bool {
	st = st.clone()
	t := &turn{p: p, st: &st, in: &Input{}}
	return t.private()
}

// ContactUnsafe reports whether the person said, in any message, that
// someone else reads their phone (words.yaml phone_watched:): no text and
// no voicemail unless they said one is fine.
func (p *Flow) ContactUnsafe(st State) bool {
	_, ok := st.Get(varContactUnsafe)
	return ok
}

// private reports whether the referral being made is private (pack.yaml
// private:, by default the safety concern): nothing of it is repeated later.
func (t *turn) private() bool {
	if _, unsafe := t.st.Get(varContactUnsafe); unsafe {
		return true
	}
	if t.p.private != nil {
		return t.p.private.eval(t)
	}
	return t.safetyConcern()
}

// safetyConcern reports whether the person said they are in danger: the
// variable the referral reads as the safety concern is yes.
func (t *turn) safetyConcern() bool {
	name := t.p.inputs["safety_concern"]
	return name != "" && t.value(name) == "yes"
}

// answered describes a saved value of a variable, asked by step s (nil: any step
// that saves it).
func (p *Flow) answered(s *step, name, value string) Answered {
	a := Answered{Value: value}
	if v := p.vars[name]; v != nil {
		a.Kind = v.kind
		if c := v.choices[value]; c != nil {
			a.Label, a.Code = c.label, c.code
		}
	}
	if s != nil {
		a.Step, a.Question = s.id, s.label
		a.Once = s.expect == KindMoney && s.per == answer.Once
		if s.expect != KindNone {
			a.Kind = s.expect
		}
	}
	return a
}

// savesOnce reports whether a step saves the variable name as a one-time sum
// (per: once), which no referral input that reads money per month may take.
func (l *loader) savesOnce(name string) bool {
	for _, s := range l.p.order {
		if s.save == name && s.expect == KindMoney && s.per == answer.Once {
			return true
		}
	}
	return false
}
