package hotline

import "time"

// Referral is a screening that ended with a program: everything its
// organization's intake staff need to call the person back and run a conflict
// check. It is plain data, so that it can be queued as it is; how it reads is the
// email's business (words from the pack).
type Referral struct {
	Ref         string    `json:"ref"`
	At          time.Time `json:"at"`
	OrgID       string    `json:"org_id"`
	OrgName     string    `json:"org_name"`
	OrgEmail    string    `json:"org_email"`
	OrgPhone    string    `json:"org_phone"`
	ProgramID   string    `json:"program_id"`
	ProgramName string    `json:"program_name"`
	// IncludeAnswers says whether the organization wants every question and answer.
	IncludeAnswers bool `json:"include_answers"`
	// EmailLanguage is the language the organization's email is written in.
	EmailLanguage string   `json:"email_language"`
	Urgent        bool     `json:"urgent"`
	UrgentReasons []string `json:"urgent_reasons,omitempty"`
	SafetyConcern bool     `json:"safety_concern"`
	CaseType      string   `json:"case_type"`
	// CaseLabel and CaseCode are the case type's label and code (an LSC problem
	// code) as the pack's choice gives them.
	CaseLabel string `json:"case_label"`
	CaseCode  string `json:"case_code"`
	Name      string `json:"name"`
	Callback  string `json:"callback"`
	Channel   string `json:"channel"`
	Language  string `json:"language"`
	Opponent  string `json:"opponent"`
	ZIP       string `json:"zip"`
	Household int    `json:"household"`
	// MonthlyIncomeCents is the household's income per month, in cents.
	MonthlyIncomeCents int64 `json:"monthly_income_cents"`
	// IncomeKnown is false when the screening did not ask about income.
	IncomeKnown bool `json:"income_known"`
	// PovertyPercent is the income as a percentage of the poverty guideline.
	PovertyPercent float64 `json:"poverty_percent"`
	// IncomeLimit is the program's limit in percent of the guideline; 0 for none.
	IncomeLimit   int `json:"income_limit"`
	GuidelineYear int `json:"guideline_year"`
	// GuidelineAnnualCents is the poverty guideline of GuidelineYear for the
	// household's size, a year, in cents; 0 when the size is not known.
	GuidelineAnnualCents int64 `json:"guideline_annual_cents,omitempty"`
	// IncomeGiven is the income as the person wrote it ("500 a week"), "" when
	// it was a plain amount or not asked; IncomeLabel is the income question's
	// label ("Household income (not counting the abuser)").
	IncomeGiven string `json:"income_given,omitempty"`
	IncomeLabel string `json:"income_label,omitempty"`
	// HearingDate is the court date the person gave, YYYY-MM-DD; "" for none.
	HearingDate string `json:"hearing_date,omitempty"`
	// SafeContact is how the organization may reach the person without
	// putting them at risk.
	SafeContact SafeContact `json:"safe_contact"`
	// Told is the text the person was told at the referral, word for word:
	// the organization knows what they expect ("call them today").
	Told string `json:"told,omitempty"`
	// AskedForPerson is set when the person asked to talk to a person during
	// the screening (AGENT, "can I talk to someone").
	AskedForPerson bool `json:"asked_for_person,omitempty"`
	// Handoff is where the organization also takes referrals as signed JSON
	// (directory.yaml handoff:); nil for none.
	Handoff *Handoff `json:"handoff,omitempty"`
	Answers []QA     `json:"answers"`
	// Link is the organization's page for this referral
	// ({HOTLINE_PUBLIC_URL}/referrals/{token}): where it accepts or declines
	// it. A capability: whoever has it may decide for the organization, so
	// it goes only to the organization (its email and its hand-off). "" when
	// the hotline has no public URL.
	Link string `json:"link,omitempty"`
	// Rerouted is set when the referral comes to this organization because
	// another could not take it; nil for the first.
	Rerouted *Reroute `json:"rerouted,omitempty"`
}

// Reroute says why a referral went on from the organization before.
type Reroute struct {
	// From is the name of the organization before, and Reason why it went on
	// (a Reason constant: ReasonConflict, ReasonNoResponse…).
	From   string `json:"from"`
	Reason string `json:"reason"`
	// Hop counts the organizations before this one: 1 for the second.
	Hop int `json:"hop"`
}

// SafeContact is what the person said about being contacted. Each of
// Voicemail and Texts is "yes", "no", or "" when it was not asked.
type SafeContact struct {
	// Voicemail says whether the office may leave a voicemail.
	Voicemail string `json:"voicemail,omitempty"`
	// Texts says whether texts to the callback number are safe.
	Texts string `json:"texts,omitempty"`
	// When is a safe time to call, or another safe number, in the person's
	// own words; "" when not asked or skipped.
	When string `json:"when,omitempty"`
}

// Unsafe reports whether anything the person said limits how to contact
// them.
func (c SafeContact) Unsafe() bool {
	return c.Voicemail == "no" || c.Texts == "no" || c.When != ""
}

// QA is one question of the screening and the person's answer as saved.
type QA struct {
	// Question is the step's label, in the words of the pack.
	Question string `json:"question"`
	// Kind is the kind of answer: choice, yesno, number, money, zip, date, phone
	// or text.
	Kind string `json:"kind"`
	// Value is the answer as saved: "yes", "housing", "216667" (cents a month),
	// "2026-12-03", "+13125550142"; "" when the person skipped the question.
	Value string `json:"value"`
	// Label is a choice's label.
	Label string `json:"label,omitempty"`
	// Once marks money that is one sum, not per month (a debt owed): its
	// Value is the sum in cents.
	Once bool `json:"once,omitempty"`
	// Given is the answer as the person wrote it ("500 a week", "me and 3
	// kids"), when that differs from the saved value; "" otherwise.
	Given string `json:"given,omitempty"`
}
