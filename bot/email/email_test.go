package email_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
)

func referral() *flows.Referral {
	return &flows.Referral{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 21, 4, 0, 0, time.UTC), OrgName: "Tenant Rights Clinic",
		OrgEmail: "intake.tenants@example.org", ServiceName: "Eviction defense", IncludeAnswers: true,
		Urgent: true, UrgentReasons: []string{"court hearing within 14 days"}, CaseLabel: "Housing (eviction)", LSCCode: "63",
		Name: "Maria", Callback: "+13125550142", Channel: "sms", Language: "es", Opponent: "Acme Properties", ZIP: "60612",
		Household: 3, MonthlyIncomeCents: 200000, PovertyPercent: 87.85, IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []flows.QA{{Question: "Opposing party", Answer: "Acme Properties"}},
	}
}

func TestRender(t *testing.T) {
	loc, _ := time.LoadLocation("America/Chicago")
	m := email.Render(referral(), loc)
	if m.To != "intake.tenants@example.org" {
		t.Errorf("To = %q", m.To)
	}
	if want := "[Hotline referral H-7F3K9] URGENT · Housing (eviction) · ZIP 60612"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	for _, want := range []string{
		"Made Wed Nov 25, 2026 at 3:04 PM CST", "URGENT: court hearing within 14 days",
		"(LSC problem code 63)", "Callback:        (312) 555-0142", "Spanish", "Acme Properties  ← for your conflict check",
		"3 people", "$2,000 a month, 88% of the 2026 poverty guideline (your limit: 200%)", "- Opposing party: Acme Properties",
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the email lacks %q:\n%s", want, m.Text)
		}
	}
	r := referral()
	r.Urgent, r.IncludeAnswers = false, false
	m = email.Render(r, loc)
	if strings.Contains(m.Subject, "URGENT") || strings.Contains(m.Text, "Questions and answers") {
		t.Errorf("not urgent and no answers wanted, got:\n%s\n%s", m.Subject, m.Text)
	}
}

// TestRenderKeepsPersonTextOnOneLine: nothing a person types can add a header line
// or a line to the email that looks like the hotline wrote it.
func TestRenderKeepsPersonTextOnOneLine(t *testing.T) {
	r := referral()
	r.Name = "Maria\r\nBcc: victim@example.com"
	r.Opponent = "Acme\nURGENT: fake"
	r.ZIP = "60612\r\nX-Injected: 1"
	m := email.Render(r, time.UTC)
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("Subject has a line break: %q", m.Subject)
	}
	for _, line := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "URGENT: fake") || strings.HasPrefix(line, "X-Injected") {
			t.Errorf("a person's text started its own line: %q", line)
		}
	}
}
