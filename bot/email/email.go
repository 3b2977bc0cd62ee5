// Package email renders the referral email an organization's intake staff receive.
package email

import (
	"fmt"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/flows"
)

// Message is a rendered referral email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// languageNames are how intake staff read the language codes of the default pack.
var languageNames = map[string]string{"en": "English", "es": "Spanish (español)"}

// Render writes the referral email for an organization. Times are shown in loc,
// the hotline's time zone. Everything a person typed is kept on one line so that
// it cannot forge headers or sections.
func Render(r *flows.Referral, loc *time.Location) Message {
	subject := fmt.Sprintf("[Hotline referral %s] ", r.Ref)
	if r.Urgent {
		subject += "URGENT · "
	}
	subject += fmt.Sprintf("%s · ZIP %s", oneLine(r.CaseLabel), oneLine(r.ZIP))

	var b strings.Builder
	line := func(label, value string) {
		fmt.Fprintf(&b, "%-16s %s\n", label+":", oneLine(value))
	}
	fmt.Fprintf(&b, "Hotline referral %s for %s", r.Ref, r.OrgName)
	if r.ServiceName != "" {
		fmt.Fprintf(&b, " (%s)", r.ServiceName)
	}
	fmt.Fprintf(&b, "\nMade %s\n\n", r.At.In(loc).Format("Mon Jan 2, 2006 at 3:04 PM MST"))
	if r.Urgent {
		fmt.Fprintf(&b, "URGENT: %s\n", oneLine(strings.Join(r.UrgentReasons, "; ")))
	}
	if r.SafetyConcern {
		b.WriteString("SAFETY CONCERN: the person said they are in danger or afraid someone will hurt them.\n")
	}
	if r.Urgent || r.SafetyConcern {
		b.WriteString("\n")
	}
	caseType := r.CaseLabel
	if r.LSCCode != "" {
		caseType += " (LSC problem code " + r.LSCCode + ")"
	}
	line("Case type", caseType)
	line("Name", r.Name)
	line("Callback", PhoneForPeople(r.Callback))
	line("Language", languageName(r.Language))
	opponent := r.Opponent
	if opponent == "" {
		opponent = "(not given)"
	}
	line("Opposing party", opponent+"  ← for your conflict check")
	line("Household", plural(r.Household, "person", "people"))
	income := flows.FormatMoney(r.MonthlyIncomeCents) + " a month"
	if r.GuidelineYear != 0 {
		income += fmt.Sprintf(", %.0f%% of the %d poverty guideline", r.PovertyPercent, r.GuidelineYear)
		if r.IncomeLimit > 0 {
			income += fmt.Sprintf(" (your limit: %d%%)", r.IncomeLimit)
		}
	}
	line("Income", income)
	line("ZIP", r.ZIP)
	line("Reached us by", r.Channel)
	if r.IncludeAnswers && len(r.Answers) > 0 {
		b.WriteString("\nQuestions and answers\n")
		for _, qa := range r.Answers {
			fmt.Fprintf(&b, "- %s: %s\n", oneLine(qa.Question), oneLine(qa.Answer))
		}
	}
	fmt.Fprintf(&b, "\nPlease call %s back at %s and quote reference %s.\n", oneLine(firstNonEmpty(r.Name, "the person")), PhoneForPeople(r.Callback), r.Ref)
	return Message{To: r.OrgEmail, Subject: subject, Text: b.String()}
}

// oneLine folds every kind of line break and control character into a space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029
	}), " ")
}

// PhoneForPeople writes a North American E.164 number as (312) 555-0142; other
// numbers stay as they are.
func PhoneForPeople(e164 string) string {
	if len(e164) == 12 && strings.HasPrefix(e164, "+1") {
		d := e164[2:]
		return fmt.Sprintf("(%s) %s-%s", d[:3], d[3:6], d[6:])
	}
	return e164
}

func languageName(code string) string {
	if name, ok := languageNames[code]; ok {
		return name
	}
	return code
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
