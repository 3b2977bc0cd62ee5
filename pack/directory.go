package pack

import (
	"io/fs"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
)

// directoryFile is directory.yaml: organizations and the services they offer, in the
// spirit of the Human Services Data Specification (organization → services).
type directoryFile struct {
	Fallback      fallbackYAML `yaml:"fallback"`
	Organizations []orgYAML    `yaml:"organizations"`
}

type fallbackYAML struct {
	flows.Pos
	Name        string `yaml:"name"`
	Phone       string `yaml:"phone"`
	Description string `yaml:"description"`
}

type orgYAML struct {
	flows.Pos
	ID             flows.Scalar   `yaml:"id"`
	Name           string         `yaml:"name"`
	Description    string         `yaml:"description"`
	Phone          string         `yaml:"phone"`
	Email          flows.Scalar   `yaml:"email"`
	Website        string         `yaml:"website"`
	Hours          string         `yaml:"hours"`
	Languages      []flows.Scalar `yaml:"languages"`
	ResponseTime   string         `yaml:"response_time"`
	IncludeAnswers *bool          `yaml:"include_answers"`
	EmailLanguage  flows.Scalar   `yaml:"email_language"`
	EmailTemplate  flows.Scalar   `yaml:"email_template"`
	Handoff        *handoffYAML   `yaml:"handoff"`
	Services       []serviceYAML  `yaml:"services"`
}

// handoffYAML is an organization's handoff: block, its JSON hand-off.
type handoffYAML struct {
	flows.Pos
	URL       flows.Scalar `yaml:"url"`
	SecretEnv flows.Scalar `yaml:"secret_env"`
	Email     *bool        `yaml:"email"`
}

type serviceYAML struct {
	flows.Pos
	ID          flows.Scalar   `yaml:"id"`
	Name        string         `yaml:"name"`
	CaseTypes   []flows.Scalar `yaml:"case_types"`
	ZIPs        []flows.Scalar `yaml:"zips"`
	IncomeLimit flows.Scalar   `yaml:"income_limit"`
	Priority    int            `yaml:"priority"`
	Languages   []flows.Scalar `yaml:"languages"`
}

// povertyFile is poverty-YYYY.yaml: one year of the HHS poverty guidelines.
type povertyFile struct {
	flows.Pos
	Year   flows.Scalar           `yaml:"year"`
	Source string                 `yaml:"source"`
	Areas  map[string]povertyArea `yaml:"areas"`
}

type povertyArea struct {
	flows.Pos
	Label     string `yaml:"label"`
	Base      int    `yaml:"base"`
	PerPerson int    `yaml:"per_person"`
}

// compileDirectory checks directory.yaml and builds the Directory. languages are
// the pack's (nil when the flow did not load: they are then not checked).
func (l *loader) compileDirectory(dy *directoryFile) {
	d := &l.p.Directory
	fb := dy.Fallback
	d.Fallback = hotline.Fallback{Name: fb.Name, Phone: fb.Phone, Description: fb.Description}
	if fb.Name == "" || fb.Phone == "" {
		pos := fb.Pos
		if pos.File == "" {
			pos = flows.Pos{File: directoryFileName, Line: 1, Col: 1}
		}
		l.errorf(pos, "fallback: needs a name and a phone: where people go when no organization fits")
	}
	orgIDs := map[string]flows.Pos{}
	// keys holds, by secret_env, the first organization whose hand-offs are
	// signed with it: another may share it only for the same host.
	keys := map[string]keyUse{}
	for i := range dy.Organizations {
		oy := &dy.Organizations[i]
		o := &hotline.Organization{
			ID: oy.ID.Value, Name: oy.Name, Description: oy.Description, Phone: oy.Phone,
			Email: oy.Email.Value, Website: oy.Website, Hours: oy.Hours, ResponseTime: oy.ResponseTime,
			IncludeAnswers: oy.IncludeAnswers == nil || *oy.IncludeAnswers,
			EmailLanguage:  oy.EmailLanguage.Value,
		}
		f := func(field string) string { return strings.TrimSpace("organization "+o.ID) + ": " + field }
		switch prev, dup := orgIDs[o.ID]; {
		case !isID(o.ID):
			l.errorf(oy.Pos, "organization: id: %q is not a name; use letters, digits, - and _", o.ID)
		case dup:
			l.errorf(oy.ID.Pos, "organization: id: %q is already used at %s", o.ID, prev)
		}
		orgIDs[o.ID] = oy.ID.Pos
		if o.Name == "" || o.Phone == "" {
			l.errorf(oy.Pos, "%sneeds a name and a phone", f(""))
		}
		o.Respond, o.RespondKnown = hotline.ParseResponseTime(o.ResponseTime)
		if !o.RespondKnown {
			l.warnf(oy.Pos, "%s: %q names no time like \"2 business days\" or \"48 hours\": the hotline cannot notice when this organization leaves a referral unanswered",
				f("response_time"), o.ResponseTime)
		}
		if !validEmail(o.Email) {
			l.errorf(orPos(oy.Email.Pos, oy.Pos), "%s: %q is not an email address like intake@example.org", f("email"), o.Email)
		}
		o.Languages = l.languages(oy.Languages, oy.Pos, f("languages"))
		if o.EmailLanguage == "" {
			if len(l.langs) > 0 {
				o.EmailLanguage = l.langs[0]
			}
		} else {
			l.languages([]flows.Scalar{oy.EmailLanguage}, oy.Pos, f("email_language"))
		}
		if oy.EmailTemplate.Value != "" {
			if tpl := l.emailTemplate(oy.EmailTemplate, f("email_template")); tpl != nil {
				l.p.templates[o.ID] = tpl
			}
		}
		if oy.Handoff != nil {
			o.Handoff = l.handoff(oy.Handoff, f("handoff"))
			l.sharedKey(keys, o, oy.Handoff, f("handoff"))
		}
		if len(oy.Services) == 0 {
			l.errorf(oy.Pos, "%s: no services; list what the organization takes", f("services"))
		}
		serviceIDs := map[string]bool{}
		for j := range oy.Services {
			sy := &oy.Services[j]
			s := l.program(sy, o, f)
			if serviceIDs[s.ID] {
				l.errorf(sy.ID.Pos, "%s: id: %q is listed twice", f("services"), s.ID)
			}
			serviceIDs[s.ID] = true
			o.Programs = append(o.Programs, s)
		}
		d.Organizations = append(d.Organizations, o)
	}
	if len(dy.Organizations) == 0 {
		l.errorf(flows.Pos{File: directoryFileName, Line: 1, Col: 1}, "organizations: none listed")
	}
}

// program compiles one of an organization's services.
func (l *loader) program(sy *serviceYAML, o *hotline.Organization, f func(string) string) *hotline.Program {
	s := &hotline.Program{ID: sy.ID.Value, Name: sy.Name, Org: o, Priority: sy.Priority, Languages: o.Languages}
	if s.ID == "" {
		l.errorf(sy.Pos, "%s: a service needs an id", f("services"))
	}
	if s.Priority == 0 {
		s.Priority = 1
	} else if s.Priority < 0 {
		l.errorf(sy.Pos, "%s: priority: %d; give 1 or more (1 is tried first)", f("services"), s.Priority)
	}
	if len(sy.Languages) > 0 {
		s.Languages = l.languages(sy.Languages, sy.Pos, f("services: languages"))
	}
	for _, ct := range sy.CaseTypes {
		s.CaseTypes = append(s.CaseTypes, ct.Value)
	}
	if len(sy.CaseTypes) == 0 {
		l.errorf(sy.Pos, "%s: case_types: missing; list the case types the service takes", f("services"))
	}
	for _, z := range sy.ZIPs {
		r, ok := hotline.ParseZIPRange(z.Value)
		if !ok {
			l.errorf(z.Pos, "%s: zips: %q is not a ZIP code, a pattern like 606xx, or a range like 600xx-629xx", f("services"), z.Value)
			continue
		}
		s.ZIPs = append(s.ZIPs, r)
	}
	if len(sy.ZIPs) == 0 {
		l.errorf(sy.Pos, "%s: zips: missing; list the ZIP codes served, like [606xx]", f("services"))
	}
	limit := strings.TrimSpace(sy.IncomeLimit.Value)
	switch {
	case limit == "":
		l.errorf(sy.Pos, "%s: income_limit: missing; give a percentage of the poverty guideline like 200%%, or none", f("services"))
	case strings.EqualFold(limit, "none"):
	default:
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(limit, "%")))
		if err != nil || n <= 0 || n > 10000 {
			l.errorf(sy.IncomeLimit.Pos, "%s: income_limit: %q is not a number; give a percentage of the poverty guideline like 200%%, or none", f("services"), limit)
		}
		s.IncomeLimit = n
	}
	return s
}

// handoff checks an organization's handoff: block: where its referrals are
// POSTed as signed JSON, and the environment variable holding the key. Whether
// that variable is set is checked by `hotline serve`, where it must be.
func (l *loader) handoff(hy *handoffYAML, field string) *hotline.Handoff {
	h := &hotline.Handoff{URL: strings.TrimSpace(hy.URL.Value), SecretEnv: strings.TrimSpace(hy.SecretEnv.Value), Email: hy.Email == nil || *hy.Email}
	if h.URL == "" {
		l.errorf(hy.Pos, "%s: url: missing; give the address referrals are POSTed to, like https://intake.example.org/hotline", field)
	} else if problem := handoffURLProblem(h.URL); problem != "" {
		l.errorf(hy.URL.Pos, "%s: url: %q %s", field, h.URL, problem)
	}
	switch {
	case h.SecretEnv == "":
		l.errorf(hy.Pos, "%s: secret_env: missing; name the environment variable that holds the signing key, like TENANT_CLINIC_HANDOFF_SECRET", field)
	case !isEnvName(h.SecretEnv):
		l.errorf(hy.SecretEnv.Pos, "%s: secret_env: %q is not an environment variable's name; use capital letters, digits and _, like TENANT_CLINIC_HANDOFF_SECRET", field, h.SecretEnv)
	case !isHandoffSecretName(h.SecretEnv):
		l.errorf(hy.SecretEnv.Pos, "%s: secret_env: %s does not end in %s; name a variable of the hand-off's own, like TENANT_CLINIC%s (the server signs only with such variables, never with another of its settings)",
			field, h.SecretEnv, handoffSecretSuffix, handoffSecretSuffix)
	}
	return h
}

// keyUse is an organization whose hand-offs are signed with a secret_env.
type keyUse struct {
	org, host string
	pos       flows.Pos
}

// sharedKey refuses a secret_env that the hand-offs of an earlier
// organization with another host are signed with: whoever runs one server
// must not receive signatures that the other accepts. Organizations on one
// host (one case-management system) may share a key.
func (l *loader) sharedKey(keys map[string]keyUse, o *hotline.Organization, hy *handoffYAML, field string) {
	h := o.Handoff
	u, err := url.Parse(h.URL)
	if h.SecretEnv == "" || err != nil || u.Hostname() == "" {
		return // reported by handoff
	}
	host := strings.ToLower(u.Hostname())
	prev, ok := keys[h.SecretEnv]
	switch {
	case !ok:
		keys[h.SecretEnv] = keyUse{org: o.ID, host: host, pos: hy.SecretEnv.Pos}
	case prev.host != host:
		l.errorf(hy.SecretEnv.Pos, "%s: secret_env: %s also signs the hand-offs of organization %s (%s), which go to %s, not %s; give each server a key of its own, like %s%s",
			field, h.SecretEnv, prev.org, prev.pos, prev.host, host, envPrefix(o.ID), handoffSecretSuffix)
	}
}

// handoffSecretSuffix ends the name of every variable a hand-off may be
// signed with.
const handoffSecretSuffix = "_HANDOFF_SECRET"

// isHandoffSecretName reports whether an environment variable may hold a
// hand-off's key: its name ends in _HANDOFF_SECRET, after something. An
// allowlist, not a list of Hotline's own settings: whoever edits the
// directory is not thereby trusted with the server's secrets (HOTLINE_SECRET,
// TWILIO_AUTH_TOKEN, SMTP_URL, or whatever else its environment holds).
func isHandoffSecretName(name string) bool {
	return len(name) > len(handoffSecretSuffix) && strings.HasSuffix(name, handoffSecretSuffix)
}

// envPrefix is an organization's id as the start of a variable's name:
// "tenant-clinic" is TENANT_CLINIC.
func envPrefix(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

// handoffURLProblem says what is wrong with a hand-off URL, "" when nothing:
// it must be absolute http or https, https unless the server is on this
// machine, and hold neither credentials nor a fragment.
func handoffURLProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "is not an absolute address like https://intake.example.org/hotline"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must start with https://"
	case u.User != nil:
		return "holds a user name or password; the hand-off is signed with secret_env instead, so take them out"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "has a fragment (#...), which is never sent to the server; take it out"
	case u.Hostname() == "":
		return "names no host"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "must use https: the referral holds people's personal data; plain http is allowed only for a server on this machine (127.0.0.1, ::1 or localhost)"
	}
	return ""
}

// isLoopback reports whether host is this machine: localhost, or a loopback
// address (127.0.0.1, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// isEnvName reports whether s is an environment variable's name as the
// directory takes it: capital letters, digits and _, not starting with a digit.
func isEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// languages checks a list of language codes against the pack's.
func (l *loader) languages(list []flows.Scalar, pos flows.Pos, field string) []string {
	if len(list) == 0 {
		l.errorf(pos, "%s: missing; list the languages served, like [en, es]", field)
	}
	var out []string
	for _, lang := range list {
		if l.langs != nil && !slices.Contains(l.langs, lang.Value) {
			l.errorf(lang.Pos, "%s: %q is not one of the pack's languages (%s)", field, lang.Value, strings.Join(l.langs, ", "))
		}
		out = append(out, lang.Value)
	}
	return out
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || at != strings.LastIndexByte(s, '@') || !strings.Contains(s[at:], ".") || strings.HasSuffix(s, ".") {
		return false
	}
	return !strings.ContainsAny(s, " \t\r\n<>,;\"()[]\\")
}

// isID reports whether s can be an organization's id: letters, digits, - and _.
func isID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// checkCaseTypes cross-checks the case types the flow produces with the ones the
// directory serves: each must have the other.
func (l *loader) checkCaseTypes(dy *directoryFile) {
	variable := l.p.Flow.Field(fieldCaseType)
	if variable == "" {
		return
	}
	produced := l.p.Flow.Values(variable)
	names := slices.Sorted(maps.Keys(produced))
	served := map[string]bool{}
	for i := range dy.Organizations {
		oy := &dy.Organizations[i]
		for j := range oy.Services {
			for _, ct := range oy.Services[j].CaseTypes {
				served[ct.Value] = true
				if _, ok := produced[ct.Value]; !ok {
					l.errorf(ct.Pos, "organization %s: case_types: the flow never produces %q (it produces: %s)%s",
						oy.ID.Value, ct.Value, strings.Join(names, ", "), flows.Suggest(ct.Value, names))
				}
			}
		}
	}
	for _, ct := range names {
		if !served[ct] {
			l.errorf(produced[ct], "case type %q: no service in %s takes it, so everyone choosing it gets the fallback; add it to a service", ct, directoryFileName)
		}
	}
}

// readPoverty decodes every poverty-YYYY.yaml file and keeps the newest year.
func (l *loader) readPoverty(area flows.Scalar) {
	names, _ := fs.Glob(l.fsys, povertyPrefix+"*.yaml")
	if len(names) == 0 {
		l.errorf(flows.Pos{File: "poverty-" + strconv.Itoa(l.now.Year()) + ".yaml"}, "the pack has no poverty guideline table")
		return
	}
	var newest *povertyFile
	newestYear := 0
	for _, name := range names {
		f := &povertyFile{}
		if !l.decode(name, f, true) {
			continue
		}
		year, err := strconv.Atoi(f.Year.Value)
		want := strings.TrimSuffix(strings.TrimPrefix(name, povertyPrefix), ".yaml")
		switch {
		case f.Year.Value == "":
			l.errorf(f.Pos, "year: missing; give the year of the guidelines, like %s", want)
			continue
		case err != nil || f.Year.Value != want:
			l.errorf(f.Year.Pos, "year: the file is named for %s but says year %s", want, f.Year.Value)
			continue
		}
		if len(f.Areas) == 0 {
			l.errorf(f.Pos, "areas: no areas; add at least one, like contiguous: {base: 15960, per_person: 5680}")
		}
		for _, areaName := range slices.Sorted(maps.Keys(f.Areas)) {
			if a := f.Areas[areaName]; a.Base <= 0 || a.PerPerson < 0 {
				l.errorf(a.Pos, "areas: %s: base must be a positive number of dollars and per_person zero or more", areaName)
			}
		}
		if newest == nil || year > newestYear {
			newest, newestYear = f, year
		}
	}
	if newest == nil {
		return
	}
	if area.Value == "" {
		l.errorf(flows.Pos{File: packFileName, Line: 1, Col: 1}, "poverty_area: missing; name an area of %s.yaml, like contiguous", povertyPrefix+strconv.Itoa(newestYear))
		return
	}
	a, ok := newest.Areas[area.Value]
	if !ok {
		l.errorf(area.Pos, "poverty_area: %s%d.yaml has no area %q%s", povertyPrefix, newestYear, area.Value, flows.Suggest(area.Value, slices.Sorted(maps.Keys(newest.Areas))))
		return
	}
	l.p.Poverty = hotline.Guideline{Year: newestYear, Area: area.Value, Source: newest.Source, Base: int64(a.Base), PerPerson: int64(a.PerPerson)}
	if newestYear < l.now.Year() {
		l.warnf(newest.Year.Pos, "the newest poverty table is for %d; add %s%d.yaml with this year's HHS guidelines", newestYear, povertyPrefix, l.now.Year())
	}
}
