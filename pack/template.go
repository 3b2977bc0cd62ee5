package pack

import (
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

var templateLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:(\d+):)? ?(.*)$`)

// emailTemplate loads and checks an organization's email template: it must parse
// as html/template and run on a sample referral, so that a typo in a field name
// is found by `hotline check`, not by the first person referred.
func (l *loader) emailTemplate(ref flows.Scalar, field string) *htmltemplate.Template {
	name := path.Clean(ref.Value)
	if path.IsAbs(name) || name == ".." || len(name) > 2 && name[:3] == "../" {
		l.errorf(ref.Pos, "%s: %q must be a file inside the pack, like templates/tenant-clinic.html", field, ref.Value)
		return nil
	}
	src, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		l.errorf(ref.Pos, "%s: cannot read %s: %v", field, name, readError(name, err))
		return nil
	}
	tpl, err := htmltemplate.New(path.Base(name)).Option("missingkey=error").Parse(string(src))
	if err == nil {
		err = tpl.Execute(io.Discard, sampleReferral())
	}
	if err != nil {
		pos := flows.Pos{File: name, Line: 1, Col: 1}
		msg := err.Error()
		if m := templateLine.FindStringSubmatch(msg); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			if m[2] != "" {
				pos.Col, _ = strconv.Atoi(m[2])
			}
			msg = m[3]
		}
		l.errorf(pos, "email template: %s", msg)
		return nil
	}
	return tpl
}

// sampleReferral is a made-up referral for trying templates.
func sampleReferral() *hotline.Referral {
	return &hotline.Referral{
		Ref: "H-7F3K9", At: time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC), OrgID: "sample", OrgName: "Sample Org",
		OrgEmail: "intake@example.org", OrgPhone: "(312) 555-0111", ProgramID: "s", ProgramName: "Program",
		IncludeAnswers: true, EmailLanguage: "en", Urgent: true, UrgentReasons: []string{"court hearing within 14 days"},
		CaseType: "housing", CaseLabel: "Housing", CaseCode: "63", Name: "Maria", Callback: "+13125550142",
		Channel: "sms", Language: "en", Opponent: "Acme", ZIP: "60612", Household: 3,
		MonthlyIncomeCents: 200000, IncomeKnown: true, PovertyPercent: 87.8, IncomeLimit: 200, GuidelineYear: 2026,
		Answers: []hotline.QA{{Question: "ZIP code", Kind: "zip", Value: "60612"}},
	}
}
