package pack

import (
	"strconv"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

// The fields a referral reads: pack.yaml's referral: section maps each to the
// variable a step saves it in.
const (
	fieldCaseType      = "case_type"
	fieldZIP           = "zip"
	fieldHousehold     = "household"
	fieldIncome        = "income"
	fieldName          = "name"
	fieldCallback      = "callback"
	fieldOpponent      = "opponent"
	fieldSafetyConcern = "safety_concern"
	// fieldTextsSafe: a "no" means nobody may text the person (the referral's
	// safe contact; the coordinator's needs-a-person notice says it too).
	fieldTextsSafe = "texts_safe"
	// fieldVoicemail: a "no" means the organization must not leave a voicemail.
	fieldVoicemail = "voicemail"
	// fieldSafeTime is a safe time to call, or another safe number, in the
	// person's words.
	fieldSafeTime = "safe_time"
	// fieldHearingDate is the court date, which the email's subject shows.
	fieldHearingDate = "hearing_date"
)

// referrer answers the flow's refer steps from the pack's directory and poverty
// guideline. It reads them at Step time, when the pack is whole.
type referrer struct{ p *Pack }

var _ flows.Referrer = referrer{}

// Fields declares what matching, the organization's email and the
// coordinator's needs-a-person notice read.
func (referrer) Fields() []flows.Field {
	return []flows.Field{
		{Role: fieldCaseType, Kinds: []flows.Kind{flows.KindChoice}, Required: true, About: "the case type, which matching reads"},
		{Role: fieldZIP, Kinds: []flows.Kind{flows.KindZIP}, Required: true, About: "the ZIP code, which matching reads"},
		{Role: fieldHousehold, Kinds: []flows.Kind{flows.KindNumber}, About: "the household's size, which the poverty percentage reads"},
		{Role: fieldIncome, Kinds: []flows.Kind{flows.KindMoney}, About: "the household's income, which income limits read",
			Needs: []string{fieldHousehold}},
		{Role: fieldName, Kinds: []flows.Kind{flows.KindText}, About: "the person's name"},
		{Role: fieldCallback, Kinds: []flows.Kind{flows.KindPhone}, About: "the number to call back"},
		{Role: fieldOpponent, Kinds: []flows.Kind{flows.KindText}, About: "the other side, for the conflict check"},
		{Role: fieldSafetyConcern, Kinds: []flows.Kind{flows.KindYesNo}, About: "whether the person is afraid for their safety"},
		{Role: fieldTextsSafe, Kinds: []flows.Kind{flows.KindYesNo}, About: "whether texts to the person's number are safe"},
		{Role: fieldVoicemail, Kinds: []flows.Kind{flows.KindYesNo}, About: "whether the organization may leave a voicemail"},
		{Role: fieldSafeTime, Kinds: []flows.Kind{flows.KindText}, About: "a safe time to call, or another safe number"},
		{Role: fieldHearingDate, Kinds: []flows.Kind{flows.KindDate}, About: "the court hearing's date, which the email's subject shows"},
	}
}

// Placeholders are the organization's, for a match, and the fallback's, for
// both.
func (referrer) Placeholders() (matched, fallback []string) {
	fallback = []string{"fallback.name", "fallback.phone", "fallback.description"}
	matched = append([]string{"org.name", "org.phone", "org.hours", "org.website", "org.response_time"}, fallback...)
	return matched, fallback
}

// Refer matches the person with a program and, when one takes them, makes the
// referral its organization's intake will get.
func (r referrer) Refer(req flows.Request) flows.Result {
	p := r.p
	f := req.Fields
	household, _ := strconv.Atoi(f[fieldHousehold].Value)
	income, incomeErr := strconv.ParseInt(f[fieldIncome].Value, 10, 64)
	person := hotline.Person{
		CaseType:           f[fieldCaseType].Value,
		ZIP:                f[fieldZIP].Value,
		Language:           req.Language,
		Household:          household,
		MonthlyIncomeCents: income,
		IncomeKnown:        incomeErr == nil,
	}
	fb := p.Directory.Fallback
	placeholders := map[string]string{
		"fallback.name": fb.Name, "fallback.phone": fb.Phone, "fallback.description": fb.Description,
	}
	prog := p.Directory.Match(person, p.Poverty)
	if prog == nil {
		return flows.Result{Placeholders: placeholders, To: fb.Name}
	}
	o := prog.Org
	placeholders["org.name"] = o.Name
	placeholders["org.phone"] = o.Phone
	placeholders["org.hours"] = o.Hours
	placeholders["org.website"] = o.Website
	placeholders["org.response_time"] = o.ResponseTime
	ref := &hotline.Referral{
		Ref:                req.Ref,
		At:                 req.At,
		Urgent:             req.Urgent,
		UrgentReasons:      req.Reasons,
		SafetyConcern:      f[fieldSafetyConcern].Value == "yes",
		CaseType:           person.CaseType,
		CaseLabel:          f[fieldCaseType].Label,
		CaseCode:           f[fieldCaseType].Code,
		Name:               f[fieldName].Value,
		Callback:           f[fieldCallback].Value,
		Channel:            req.Channel,
		Language:           req.Language,
		Opponent:           f[fieldOpponent].Value,
		ZIP:                person.ZIP,
		Household:          household,
		MonthlyIncomeCents: income,
		IncomeKnown:        person.IncomeKnown,
		PovertyPercent:     p.Poverty.Percent(income, household),
		GuidelineYear:      p.Poverty.Year,
		IncomeGiven:        f[fieldIncome].Given,
		IncomeLabel:        f[fieldIncome].Question,
		HearingDate:        f[fieldHearingDate].Value,
		SafeContact: hotline.SafeContact{
			Voicemail: f[fieldVoicemail].Value,
			Texts:     f[fieldTextsSafe].Value,
			When:      f[fieldSafeTime].Value,
		},
		AskedForPerson: req.AskedForPerson,
		Answers:        make([]hotline.QA, 0, len(req.Answers)),
	}
	withProgram(ref, prog)
	if req.ContactUnsafe {
		// The person said, somewhere, that calling or texting them is not
		// safe: no text, and no voicemail unless they said one is fine.
		ref.SafeContact.Texts = "no"
		if ref.SafeContact.Voicemail != "yes" {
			ref.SafeContact.Voicemail = "no"
		}
	}
	if household > 0 {
		ref.GuidelineAnnualCents = p.Poverty.Annual(household) * 100 // dollars to cents
	}
	for _, a := range req.Answers {
		ref.Answers = append(ref.Answers, hotline.QA{Question: a.Question, Kind: a.Kind.String(), Value: a.Value, Label: a.Label, Once: a.Once, Given: a.Given})
	}
	return flows.Result{Matched: true, Placeholders: placeholders, Referral: ref, To: o.Name}
}

// Contact gives the phone and hours of the organization (or the fallback) a
// referral went to, by the name the conversation kept (flows.Contacts).
func (r referrer) Contact(to string) (phone, hours string, ok bool) {
	d := r.p.Directory
	if to == d.Fallback.Name {
		return d.Fallback.Phone, "", true
	}
	for _, o := range d.Organizations {
		if o.Name == to {
			return o.Phone, o.Hours, true
		}
	}
	return "", "", false
}
