package flows

import (
	"strconv"

	"github.com/hotline-legal/hotline/flows/answer"
)

// Inspection is what the coordinators' preview shows of a conversation.
type Inspection struct {
	Step     string            `json:"step"`
	Language string            `json:"language"`
	Answers  map[string]string `json:"answers"`
	Flags    []string          `json:"flags"`
}

// Inspect describes a conversation for the coordinators' preview: where it is,
// what was saved (money as dollars) and its flags, by their names in the API.
func (p *Flow) Inspect(st State) Inspection {
	in := Inspection{Step: st.Step, Answers: map[string]string{}, Flags: []string{}}
	in.Language, _ = st.Get(varLanguage)
	for _, a := range st.Answers {
		v := a.Value
		if info := p.vars[a.Name]; info != nil && info.kind == KindMoney && v != "" {
			cents, _ := strconv.ParseInt(v, 10, 64)
			v = answer.FormatMoney(cents)
		}
		in.Answers[a.Name] = v
	}
	for _, f := range []struct {
		flag Flags
		name string
	}{{Ended, "ended"}, {OptedOut, "opted_out"}, {Human, "needs_a_person"}, {Resuming, "welcome_back"}, {AfterReferral, "after_referral"}} {
		if st.Flags&f.flag != 0 {
			in.Flags = append(in.Flags, f.name)
		}
	}
	if v, _ := st.Get(varUrgent); v == "yes" {
		in.Flags = append(in.Flags, "urgent")
	}
	return in
}
