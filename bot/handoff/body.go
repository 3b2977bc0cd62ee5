// Package handoff is the JSON hand-off of a referral into an organization's
// case-management system: the body (schema docs/handoff-v1.schema.json), its
// signature, and a Poster that delivers it over HTTP and says whether a
// failure is worth retrying. The outbox (package bot) queues and retries it;
// this package knows nothing of Redis.
package handoff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/hotline-legal/hotline"
)

// SchemaVersion is the version of the body Body writes: a field is added,
// removed or changed only with a new version (and a new schema file).
const SchemaVersion = 1

// Request is a hand-off as the outbox queues it: where it goes, the name of
// the environment variable that holds the signing key (never the key), and
// the body, rendered once when the referral was made, so that every attempt
// sends the same bytes.
type Request struct {
	URL       string
	SecretEnv string
	Body      []byte
}

// The body, field by field as docs/handoff-v1.schema.json describes it. A
// pointer is null when the fact is not known; the order of the fields is the
// order written.
type (
	body struct {
		SchemaVersion  int      `json:"schema_version"`
		Reference      string   `json:"reference"`
		Created        string   `json:"created"`
		Organization   idName   `json:"organization"`
		Service        idName   `json:"service"`
		Urgent         bool     `json:"urgent"`
		UrgentReasons  []string `json:"urgent_reasons"`
		SafetyConcern  bool     `json:"safety_concern"`
		Case           caseType `json:"case"`
		Person         person   `json:"person"`
		OpposingParty  *string  `json:"opposing_party"`
		Household      *int     `json:"household"`
		Income         income   `json:"income"`
		ZIP            string   `json:"zip"`
		HearingDate    *string  `json:"hearing_date"`
		AskedForPerson bool     `json:"asked_for_person"`
		Answers        []answer `json:"answers"`
		Told           *string  `json:"told"`
		// Link and Rerouted came with the referral loop (issue 15): absent,
		// rather than null, when there is none, so that a body without them
		// is byte for byte what it was before.
		Link     string    `json:"link,omitempty"`
		Rerouted *rerouted `json:"rerouted,omitempty"`
	}
	rerouted struct {
		From   string `json:"from"`
		Reason string `json:"reason"`
		Hop    int    `json:"hop"`
	}
	idName struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	caseType struct {
		Type    string  `json:"type"`
		Label   string  `json:"label"`
		LSCCode *string `json:"lsc_code"`
	}
	person struct {
		Name        *string     `json:"name"`
		Callback    *string     `json:"callback"`
		Language    string      `json:"language"`
		Channel     string      `json:"channel"`
		SafeContact safeContact `json:"safe_contact"`
	}
	safeContact struct {
		Voicemail *string `json:"voicemail"`
		Texts     *string `json:"texts"`
		When      *string `json:"when"`
	}
	income struct {
		AsGiven              *string  `json:"as_given"`
		MonthlyCents         *int64   `json:"monthly_cents"`
		AnnualCents          *int64   `json:"annual_cents"`
		PercentOfGuideline   *float64 `json:"percent_of_guideline"`
		GuidelineAnnualCents *int64   `json:"guideline_annual_cents"`
		GuidelineYear        *int     `json:"guideline_year"`
		Known                bool     `json:"known"`
		Label                *string  `json:"label"`
	}
	answer struct {
		Label   string  `json:"label"`
		Value   string  `json:"value"`
		Reading *string `json:"reading,omitempty"`
		AsGiven *string `json:"as_given"`
	}
)

// Body writes the referral as the hand-off's JSON (schema version 1). The
// same referral always gives the same bytes. Money is in whole cents; the
// only fraction is the percentage of the poverty guideline, rounded to two
// places. The answers are listed only when the organization takes them
// (include_answers), as in its email. The organization's link to the
// referral's page and where the referral was re-routed from come last, and
// are absent when there is none.
func Body(r *hotline.Referral) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("handoff: no referral")
	}
	b := body{
		SchemaVersion:  SchemaVersion,
		Reference:      r.Ref,
		Created:        r.At.UTC().Format(time.RFC3339),
		Organization:   idName{ID: r.OrgID, Name: r.OrgName},
		Service:        idName{ID: r.ProgramID, Name: r.ProgramName},
		Urgent:         r.Urgent,
		UrgentReasons:  append([]string{}, r.UrgentReasons...),
		SafetyConcern:  r.SafetyConcern,
		Case:           caseType{Type: r.CaseType, Label: r.CaseLabel, LSCCode: text(r.CaseCode)},
		OpposingParty:  text(r.Opponent),
		ZIP:            r.ZIP,
		HearingDate:    date(r.HearingDate),
		AskedForPerson: r.AskedForPerson,
		Answers:        []answer{},
		Told:           text(r.Told),
		Person: person{
			Name: text(r.Name), Callback: text(r.Callback), Language: r.Language, Channel: r.Channel,
			SafeContact: safeContact{Voicemail: yesNo(r.SafeContact.Voicemail), Texts: yesNo(r.SafeContact.Texts), When: text(r.SafeContact.When)},
		},
		Income: income{
			AsGiven: text(r.IncomeGiven), Known: r.IncomeKnown, Label: text(r.IncomeLabel),
			GuidelineAnnualCents: positive(r.GuidelineAnnualCents),
		},
	}
	if r.Household > 0 {
		b.Household = &r.Household
	}
	if r.GuidelineYear > 0 {
		b.Income.GuidelineYear = &r.GuidelineYear
	}
	if r.IncomeKnown {
		monthly, annual := r.MonthlyIncomeCents, r.MonthlyIncomeCents*12
		b.Income.MonthlyCents, b.Income.AnnualCents = &monthly, &annual
		if r.Household > 0 && !math.IsNaN(r.PovertyPercent) && !math.IsInf(r.PovertyPercent, 0) {
			percent := math.Round(r.PovertyPercent*100) / 100
			b.Income.PercentOfGuideline = &percent
		}
	}
	if link(r.Link) {
		b.Link = r.Link
	}
	if rr := r.Rerouted; rr != nil {
		// A re-routed referral had at least one organization before: the
		// schema's hop is at least 1.
		b.Rerouted = &rerouted{From: rr.From, Reason: reason(rr.Reason), Hop: max(rr.Hop, 1)}
	}
	if r.IncludeAnswers {
		for _, qa := range r.Answers {
			b.Answers = append(b.Answers, answer{Label: qa.Question, Value: qa.Value, Reading: reading(qa), AsGiven: text(qa.Given)})
		}
	}
	// Not json.Marshal: it writes <, > and & as \u003c and the like, which a
	// person's words may hold; both are valid JSON, this is the readable one.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("handoff: body of %s: %w", r.Ref, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// link reports whether s is an absolute http or https URL, as the schema's
// link (format uri) must be: the hotline makes it from HOTLINE_PUBLIC_URL, so
// anything else is a mistake, better left out than sent to fail the
// organization's validation.
func link(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// reason is a re-route's reason as the schema's enum has it: a reason this
// version does not know (a newer process's) is "other", as in the email.
func reason(r string) string {
	switch r {
	case hotline.ReasonConflict, hotline.ReasonCapacity, hotline.ReasonPriorities, hotline.ReasonOther,
		hotline.ReasonNoResponse, hotline.ReasonNotContacted:
		return r
	}
	return hotline.ReasonOther
}

// text is s, or null for "".
func text(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// yesNo is "yes" or "no", or null for anything else (not asked).
func yesNo(s string) *string {
	if s != "yes" && s != "no" {
		return nil
	}
	return &s
}

// date is a YYYY-MM-DD date, or null for "" or anything that is not one.
func date(s string) *string {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return nil
	}
	return &s
}

// positive is n, or null for 0 or less (not known).
func positive(n int64) *int64 {
	if n <= 0 {
		return nil
	}
	return &n
}

// reading is the human form of an answer, where there is one: a choice's
// label, or an amount of money in dollars ("$2,166.67 a month", or "$1,500.00"
// for one sum).
func reading(qa hotline.QA) *string {
	switch {
	case qa.Kind == "choice" && qa.Label != "":
		return &qa.Label
	case qa.Kind == "money" && qa.Value != "":
		cents, err := strconv.ParseInt(qa.Value, 10, 64)
		if err != nil || cents < 0 {
			return nil
		}
		s := dollars(cents)
		if !qa.Once {
			s += " a month"
		}
		return &s
	}
	return nil
}

// dollars writes cents as "$2,166.67".
func dollars(cents int64) string {
	whole := strconv.FormatInt(cents/100, 10)
	var b []byte
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, whole[i])
	}
	return fmt.Sprintf("$%s.%02d", b, cents%100)
}
