package pack

import (
	"strconv"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/answer"
)

// Inspection is what the coordinators' preview shows of a conversation: the
// flow's view, the safety flag and the eligibility computation.
type Inspection struct {
	flows.Inspection
	// Eligibility is set once the household and income are known.
	Eligibility *Eligibility `json:"eligibility,omitempty"`
	// Notice is set when the message just applied made the conversation need
	// a person: what the coordinator is told (NoticeLine). Inspect cannot know
	// it from the state; the caller, which has the step's effects, sets it.
	Notice string `json:"notice,omitempty"`
}

// Eligibility is the income test, spelled out.
type Eligibility struct {
	Household          int     `json:"household"`
	MonthlyIncome      string  `json:"monthly_income"`
	AnnualIncome       string  `json:"annual_income"`
	GuidelineYear      int     `json:"guideline_year"`
	AnnualGuideline    string  `json:"annual_guideline"`
	PercentOfGuideline float64 `json:"percent_of_guideline"`
}

// Inspect describes a conversation for the coordinators' preview.
func (p *Pack) Inspect(st flows.State) Inspection {
	in := Inspection{Inspection: p.Flow.Inspect(st)}
	if v, _ := st.Get(p.Flow.Field(fieldSafetyConcern)); v == "yes" {
		in.Flags = append(in.Flags, "safety_concern")
	}
	hv, okH := st.Get(p.Flow.Field(fieldHousehold))
	iv, okI := st.Get(p.Flow.Field(fieldIncome))
	household, errH := strconv.Atoi(hv)
	cents, errI := strconv.ParseInt(iv, 10, 64)
	if okH && okI && errH == nil && errI == nil {
		g := p.Poverty
		in.Eligibility = &Eligibility{
			Household: household, MonthlyIncome: answer.FormatMoney(cents), AnnualIncome: answer.FormatMoney(cents * 12),
			GuidelineYear: g.Year, AnnualGuideline: answer.FormatMoney(g.Annual(household) * 100),
			PercentOfGuideline: float64(int(g.Percent(cents, household)*10+0.5)) / 10,
		}
	}
	return in
}
