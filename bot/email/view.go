package email

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows/answer"
)

// view is what both parts of an email show, gathered once so that the text part
// and the HTML part cannot drift apart. Every string in it is one line.
type view struct {
	Title       string // the subject, as the HTML page's title
	HotlineName string
	Ref         string
	OrgName     string
	ServiceName string
	Made        string // when the referral was made, in the hotline's time zone
	Urgent      bool
	UrgentWhy   string
	Safety      bool
	Facts       []fact
	CallName    string
	Callback    string
	CallbackTel template.URL
	// Answers is nil when the organization does not want them.
	Answers []qa
	Alert   *alertView
}

// fact is one row of the key-facts table.
type fact struct {
	Label string
	Value string
	// Note is a hint after the value, like "for your conflict check".
	Note string
	// Flag marks a value staff must not miss (urgent, safety concern).
	Flag bool
}

// alertView is what an alert adds to the referral.
type alertView struct {
	Attempts    string // "5 attempts"
	LastError   string
	OrgName     string
	OrgPhone    string
	OrgPhoneTel template.URL
	OrgEmail    string
}

const safetyText = "the person said they are in danger or afraid someone will hurt them"

func newView(r *hotline.Referral, o Options) *view {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	v := &view{
		Title:       Subject(r),
		HotlineName: firstNonEmpty(oneLine(o.HotlineName), "the hotline"),
		Ref:         oneLine(r.Ref),
		OrgName:     oneLine(r.OrgName),
		ServiceName: oneLine(r.ProgramName),
		Made:        r.At.In(loc).Format("Mon Jan 2, 2006 at 3:04 PM MST"),
		Urgent:      r.Urgent,
		UrgentWhy:   oneLine(strings.Join(r.UrgentReasons, "; ")),
		Safety:      r.SafetyConcern,
		CallName:    firstNonEmpty(oneLine(r.Name), "the person"),
		Callback:    firstNonEmpty(PhoneForPeople(oneLine(r.Callback)), "(no number given)"),
		CallbackTel: telURL(r.Callback),
	}
	urgent := fact{Label: "Urgent", Value: "No"}
	if r.Urgent {
		urgent = fact{Label: "Urgent", Value: "Yes", Flag: true}
		if v.UrgentWhy != "" {
			urgent.Value += ": " + v.UrgentWhy
		}
	}
	safety := fact{Label: "Safety concern", Value: "No"}
	if r.SafetyConcern {
		safety = fact{Label: "Safety concern", Value: "Yes: " + safetyText, Flag: true}
	}
	caseType := firstNonEmpty(oneLine(r.CaseLabel), oneLine(r.CaseType), "(not known)")
	if r.CaseCode != "" {
		caseType += " (LSC problem code " + oneLine(r.CaseCode) + ")"
	}
	household := "(not given)"
	if r.Household > 0 {
		household = plural(r.Household, "person", "people")
	}
	v.Facts = []fact{
		urgent,
		safety,
		{Label: "Case type", Value: caseType},
		{Label: "Name", Value: firstNonEmpty(oneLine(r.Name), "(not given)")},
		{Label: "Callback", Value: v.Callback},
		{Label: "Language", Value: languageName(r.Language)},
		{Label: "Opposing party", Value: firstNonEmpty(oneLine(r.Opponent), "(not given)"), Note: "for your conflict check"},
		{Label: "Household", Value: household},
		{Label: "Income", Value: income(r)},
		{Label: "ZIP", Value: firstNonEmpty(oneLine(r.ZIP), "(not given)")},
		{Label: "Reached us by", Value: channelName(r.Channel)},
	}
	if r.IncludeAnswers {
		v.Answers = make([]qa, 0, len(r.Answers))
		for _, a := range r.Answers {
			v.Answers = append(v.Answers, qa{Question: oneLine(a.Question), Answer: firstNonEmpty(oneLine(shown(a)), "(none)")})
		}
	}
	return v
}

// qa is one question and its answer as staff read it.
type qa struct {
	Question string
	Answer   string
}

// shown writes a saved answer the way intake staff read it.
func shown(a hotline.QA) string {
	if a.Value == "" {
		return "(skipped)"
	}
	switch a.Kind {
	case "choice":
		if a.Label != "" {
			return a.Label
		}
	case "yesno":
		if a.Value == "yes" {
			return "Yes"
		}
		return "No"
	case "money":
		cents, _ := strconv.ParseInt(a.Value, 10, 64)
		return answer.FormatMoney(cents) + " a month"
	case "date":
		if d, err := time.Parse(time.DateOnly, a.Value); err == nil {
			return d.Format("Mon Jan 2, 2006")
		}
	}
	return a.Value
}

// income is the household's income per month and how it compares with the
// poverty guideline and the organization's limit, the figures eligibility turns on.
func income(r *hotline.Referral) string {
	s := answer.FormatMoney(r.MonthlyIncomeCents) + " a month"
	if r.GuidelineYear != 0 {
		s += fmt.Sprintf(", %.0f%% of the %d poverty guideline", r.PovertyPercent, r.GuidelineYear)
		if r.IncomeLimit > 0 {
			s += fmt.Sprintf(" (your limit: %d%%)", r.IncomeLimit)
		} else {
			s += " (no income limit for this service)"
		}
	}
	return s
}

// text is the plain-text part. Labels are padded so that the values line up in the
// fixed-width fonts most mail programs use for plain text.
func (v *view) text() string {
	var b strings.Builder
	if a := v.Alert; a != nil {
		fmt.Fprintf(&b, "ALERT: referral %s could NOT be delivered to %s.\n\n", v.Ref, a.OrgName)
		fmt.Fprintf(&b, "The email to %s failed after %s.\n", a.OrgEmail, a.Attempts)
		fmt.Fprintf(&b, "Last error: %s\n\n", a.LastError)
		when := ""
		if v.Urgent {
			when = " today (the case is urgent)"
		}
		fmt.Fprintf(&b, "What to do: call %s at %s%s and give them the referral below by phone. "+
			"Then check the organization's intake email address in the directory.\n\n", a.OrgName, a.OrgPhone, when)
		line(&b, "Organization", a.OrgName, "")
		line(&b, "Phone", a.OrgPhone, "")
		line(&b, "Intake email", a.OrgEmail, "")
		b.WriteString("\n" + strings.Repeat("─", 20) + " The referral " + strings.Repeat("─", 20) + "\n\n")
	}
	fmt.Fprintf(&b, "Hotline referral %s for %s", v.Ref, v.OrgName)
	if v.ServiceName != "" {
		fmt.Fprintf(&b, " (%s)", v.ServiceName)
	}
	fmt.Fprintf(&b, "\nMade %s\n\n", v.Made)
	if v.Urgent {
		fmt.Fprintf(&b, "URGENT: %s\n", firstNonEmpty(v.UrgentWhy, "call today"))
	}
	if v.Safety {
		fmt.Fprintf(&b, "SAFETY CONCERN: %s.\n", safetyText)
	}
	if v.Urgent || v.Safety {
		b.WriteString("\n")
	}
	for _, f := range v.Facts {
		line(&b, f.Label, f.Value, f.Note)
	}
	if len(v.Answers) > 0 {
		b.WriteString("\nQuestions and answers\n")
		for _, qa := range v.Answers {
			fmt.Fprintf(&b, "- %s: %s\n", qa.Question, qa.Answer)
		}
	}
	fmt.Fprintf(&b, "\nPlease call %s back at %s and quote reference %s.\n", v.CallName, v.Callback, v.Ref)
	fmt.Fprintf(&b, "\nSent automatically by %s. This email holds personal information: keep it within your intake team.\n", v.HotlineName)
	return b.String()
}

func line(b *strings.Builder, label, value, note string) {
	fmt.Fprintf(b, "%-16s %s", label+":", value)
	if note != "" {
		fmt.Fprintf(b, "  ← %s", note)
	}
	b.WriteByte('\n')
}

// renderHTML runs the organization's template on the referral, or the default
// one on the view. A template that fails (a missing field, a function that
// panics) gives an error, never a half-written email or a crash.
func renderHTML(custom *template.Template, r *hotline.Referral, v *view) (html string, err error) {
	tpl, data := defaultHTML, any(v)
	if custom != nil {
		tpl, data = custom, r
	}
	defer func() {
		if p := recover(); p != nil {
			html, err = "", &RenderError{Err: fmt.Errorf("template %q for %s: %v", tpl.Name(), v.Ref, p)}
		}
	}()
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return "", &RenderError{Err: fmt.Errorf("template for %s: %w", v.Ref, err)}
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", &RenderError{Err: fmt.Errorf("template %q for %s wrote nothing", tpl.Name(), v.Ref)}
	}
	return b.String(), nil
}
