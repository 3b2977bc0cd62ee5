// Package pack loads a coordinator's pack folder whole: the conversation (the
// flow language, package flows), the directory of organizations and the poverty
// guidelines (the legal-aid domain, package hotline), and the words of the
// referral emails. It joins them: the directory answers the flow's refer steps
// and its served(zip) condition, and a screening that ends with a program gives
// a hotline.Referral to deliver.
package pack

import (
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
)

// The files of a pack folder beyond the flow language's.
const (
	packFileName      = "pack.yaml"
	directoryFileName = "directory.yaml"
	emailFileName     = "email.yaml"
	povertyPrefix     = "poverty-"
)

// filesRead are the YAML files at the top of a pack folder that something reads.
var filesRead = []string{packFileName, "messages.yaml", "words.yaml", directoryFileName, emailFileName}

// Pack is a loaded, checked pack. It is immutable once loaded, so one Pack may
// serve any number of conversations at once.
type Pack struct {
	// Flow is the conversation.
	Flow *flows.Flow
	// Directory is the organizations the pack refers people to.
	Directory hotline.Directory
	// Poverty is the newest year of the poverty guidelines in the pack, for the
	// pack's area.
	Poverty hotline.Guideline
	// emailWords are the words of the emails, by language (see EmailWords).
	emailWords map[string]email.Words
	// Loop is how referrals are followed after they are made (pack.yaml's
	// referral_loop:).
	Loop LoopSettings
	// templates are organizations' own HTML templates for their emails.
	templates map[string]*htmltemplate.Template
}

// settings are the fields of pack.yaml that belong to the domain, not the language.
type settings struct {
	PovertyArea  flows.Scalar `yaml:"poverty_area"`
	ReferralLoop *loopYAML    `yaml:"referral_loop"`
}

// Load reads the pack folder in fsys and checks all of it. It returns the pack and
// any warnings; when the pack has errors it returns no pack and an error of type
// flows.Problems listing every error and warning, each with its file:line:col.
// now is used to warn about an out-of-date poverty table.
func Load(fsys fs.FS, now time.Time) (*Pack, flows.Problems, error) {
	p := &Pack{templates: map[string]*htmltemplate.Template{}}
	l := &loader{fsys: fsys, now: now, p: p}
	var set settings
	flow, problems, _ := flows.Load(fsys, flows.Options{
		Now:      now,
		Referrer: referrer{p},
		Functions: map[string]flows.Function{
			// served(zip): does any program cover the ZIP code?
			"served": {Kind: flows.KindZIP, Test: func(zip string) bool { return p.Directory.Serves(zip) }},
		},
		Settings: &set,
		// A pack written for an earlier version takes what this one added
		// from the sample, with a warning, rather than failing to load.
		Sample: defaultpack.FS,
	})
	l.problems = problems
	p.Flow = flow
	if flow != nil {
		l.langs = flow.Languages
	}
	var dir directoryFile
	haveDir := l.decode(directoryFileName, &dir, true)
	if haveDir {
		l.compileDirectory(&dir)
	}
	l.readPoverty(set.PovertyArea)
	l.readLoop(set.ReferralLoop)
	l.readEmail()
	l.ignoredFiles()
	if flow != nil && haveDir {
		l.checkCaseTypes(&dir)
	}
	problems = l.problems.Sorted()
	if slices.ContainsFunc(problems, func(e *flows.Error) bool { return !e.Warning }) {
		return nil, problems, problems
	}
	return p, problems, nil
}

// loader gathers a pack's problems while its domain's files are read.
type loader struct {
	fsys     fs.FS
	now      time.Time
	p        *Pack
	langs    []string // the pack's languages, once the flow has loaded
	problems flows.Problems
	// sampleEmail is the sample pack's email.yaml, read when a pack lacks a
	// text this version added (sampleText).
	sampleEmail map[string]*flows.Text
}

func (l *loader) errorf(p flows.Pos, format string, args ...any) {
	l.problems = append(l.problems, &flows.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(p flows.Pos, format string, args ...any) {
	l.problems = append(l.problems, &flows.Error{Pos: p, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// decode reads one YAML file of the pack into v, keeping its problems.
func (l *loader) decode(name string, v any, required bool) bool {
	ok, problems := flows.DecodeFile(l.fsys, name, v, required)
	l.problems = append(l.problems, problems...)
	return ok
}

// ignoredFiles warns about YAML files at the top of the pack that nothing reads,
// which is usually a misspelt name.
func (l *loader) ignoredFiles() {
	names, _ := fs.Glob(l.fsys, "*.y*ml")
	for _, name := range names {
		if slices.Contains(filesRead, name) || strings.HasPrefix(name, povertyPrefix) && strings.HasSuffix(name, ".yaml") {
			continue
		}
		l.warnf(flows.Pos{File: name}, "not a pack file, so it is ignored; the pack reads %s, %sYYYY.yaml and flows/*.yaml",
			strings.Join(filesRead, ", "), povertyPrefix)
	}
}

func orPos(p, fallback flows.Pos) flows.Pos {
	if p.File == "" {
		return fallback
	}
	return p
}

// Effects are the flow's effects, with its referral as the domain's.
type Effects struct {
	flows.Effects
	// Referral is set when the screening ended with a program: the organization's
	// intake must now be emailed.
	Referral *hotline.Referral
	// Fallback is set when it ended with the fallback referral (by text only:
	// there is no organization to email).
	Fallback bool
	// Notice is set when the conversation came to need a person (flows.Effects.Human
	// for the first time in it): the coordinator must be told.
	Notice *hotline.Notice
}

// Step applies one message to a conversation (see flows.Flow.Step).
func (p *Pack) Step(prev flows.State, in flows.Input) (flows.State, Effects) {
	next, fx := p.Flow.Step(prev, in)
	out := Effects{Effects: fx}
	if r := fx.Referred; r != nil {
		out.Referral, _ = r.Result.Referral.(*hotline.Referral)
		if out.Referral != nil {
			out.Referral.Told = r.Told
		}
		out.Fallback = !r.Result.Matched
	}
	out.Notice = p.notice(prev, next, in, fx)
	return next, out
}

// EmailTemplate returns an organization's own HTML template for its referral
// emails (email_template: in directory.yaml), or nil for the default one. The
// template is executed with the *hotline.Referral.
func (p *Pack) EmailTemplate(orgID string) *htmltemplate.Template {
	return p.templates[orgID]
}
