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
	IncomeLimit   int  `json:"income_limit"`
	GuidelineYear int  `json:"guideline_year"`
	Answers       []QA `json:"answers"`
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
}
