package flows

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotline-legal/hotline/flows/answer"
)

// The files of a pack folder that the language reads.
const (
	packFileName     = "pack.yaml"
	messagesFileName = "messages.yaml"
	wordsFileName    = "words.yaml"
	flowsDir         = "flows"
	maxFileSize      = 1 << 20
)

// Options are what a pack's domain gives the language when a pack is loaded.
type Options struct {
	// Now is the time of loading, for checks that depend on the date.
	Now time.Time
	// Referrer decides where screenings that reach a refer step go; a pack with a
	// refer step (or a referral: section) needs one.
	Referrer Referrer
	// Functions are the domain's condition functions, like served(zip), by name.
	Functions map[string]Function
	// Settings, a pointer to a struct with yaml tags, receives the fields of
	// pack.yaml that the language itself does not know (the domain's settings).
	Settings any
	// Sample, when set, is the sample pack of this version of Hotline: a pack
	// written for an earlier version, which lacks a keyword or a shared
	// message added since, takes the sample's (in the sample's languages)
	// with a warning saying to add it, instead of failing to load the day
	// its server is upgraded.
	Sample fs.FS
}

// Function is a condition function of one variable, like served(zip): true or
// false for the variable's saved value. Step calls it, so it must be pure and
// quick.
type Function struct {
	// Kind is the kind of variable it takes.
	Kind Kind
	Test func(value string) bool
}

// Load reads the pack folder in fsys and checks the conversation in it: pack.yaml,
// messages.yaml, words.yaml and flows/*.yaml. It returns the flow and any
// warnings; when the pack has errors it returns no flow and an error of type
// Problems listing every error and warning, each with its file:line:col.
func Load(fsys fs.FS, o Options) (*Flow, Problems, error) {
	l := &loader{fsys: fsys, o: o, p: &Flow{referrer: o.Referrer, functions: o.Functions}}
	l.pack.Extra = o.Settings
	l.load()
	problems := l.r.problems.sort()
	if l.r.hasErrors() {
		return nil, problems, problems
	}
	return l.p, problems, nil
}

type loader struct {
	fsys fs.FS
	o    Options
	r    report
	p    *Flow

	pack     packFile
	messages map[string]*Text
	words    wordsFile
	stepYAML map[string]*stepYAML
	// flowStarts are the first steps of the flow files, by file name.
	flowStarts map[string]*step
	// dangling is set when a goto names a missing step: the steps after it would
	// all be reported unreachable, which only buries the one real mistake.
	dangling bool
	// incomplete is set when a flow file could not be read: its steps are
	// unknown, so a goto to a missing step or a variable no step saves may be
	// only that file's, and is not reported again.
	incomplete bool
	// sample is what Options.Sample gives a pack written before (see
	// sampleFiles).
	sample sample
}

func (l *loader) load() {
	if !l.decodeFile(packFileName, &l.pack, true) {
		return
	}
	l.settings()
	l.decodeFile(messagesFileName, &l.messages, true)
	haveWords := l.decodeFile(wordsFileName, &l.words, true)
	flowFiles := l.readFlows()
	if len(l.p.Languages) == 0 {
		return // nothing can be checked without the languages
	}
	if haveWords {
		l.compileWords()
	}
	l.declareSteps(flowFiles)
	l.declareVariables()
	l.compileMessages()
	l.compileSteps()
	l.compileDanger()
	l.compilePrivate()
	l.compileEntries()
	l.compileReferral()
	l.checkReachable()
	l.countQuestions()
	l.freeze()
	l.checkButtons()
}

// DecodeFile reads the YAML file name of fsys into v: a pointer to a struct whose
// fields carry yaml tags (a field named Pos of type Pos receives the mapping's
// position, and Scalar, Text and Strings fields keep their own), a map, or a
// slice (a file holding one mapping then gives a slice of one). Every problem is
// returned with its file:line:col, all at once. A missing file is a problem only
// when required. ok is false when the file is missing or is not YAML.
//
// The domain of a pack reads its own files (directory.yaml, say) with it, so
// that coordinators get the same messages everywhere.
func DecodeFile(fsys fs.FS, name string, v any, required bool) (ok bool, problems Problems) {
	l := &loader{fsys: fsys}
	ok = l.decodeFile(name, v, required)
	return ok, l.r.problems.sort()
}

// decodeFile reads one YAML file into v, reporting every problem.
func (l *loader) decodeFile(name string, v any, required bool) bool {
	src, err := l.read(name)
	if err != nil {
		if required || !errors.Is(err, fs.ErrNotExist) {
			l.r.errorf(Pos{File: name}, "%s", describeReadError(name, err))
		}
		return false
	}
	d := newDecoder(name, &l.r)
	root, ok := d.parse(src)
	if !ok {
		return false
	}
	if rv := reflect.ValueOf(v).Elem(); rv.Kind() == reflect.Slice && root.Kind == yaml.MappingNode {
		// One item where a list is expected: a list of one.
		item := reflect.New(rv.Type().Elem())
		d.decode(root, item.Interface())
		rv.Set(reflect.Append(rv, item.Elem()))
		return true
	}
	d.decode(root, v)
	return true
}

func (l *loader) read(name string) ([]byte, error) {
	f, err := l.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err == nil && len(src) > maxFileSize {
		err = fmt.Errorf("the file is larger than %d KiB", maxFileSize>>10)
	}
	return src, err
}

func describeReadError(name string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "the pack has no " + name
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == name {
		err = pe.Err // its "open name: " would only say the name again
	}
	return "cannot read " + name + ": " + err.Error()
}

// readFlows decodes every flows/*.yaml file, in name order.
func (l *loader) readFlows() []*flowFile {
	names, _ := fs.Glob(l.fsys, flowsDir+"/*.yaml")
	if len(names) == 0 {
		// Glob says nothing of a folder it cannot read (a link, say): tell
		// that rather than that there is no flow.
		if _, err := fs.Stat(l.fsys, flowsDir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.r.errorf(Pos{File: flowsDir}, "%s", describeReadError(flowsDir, err))
		} else {
			l.r.errorf(Pos{File: flowsDir}, "the pack has no flow: add a file like flows/screening.yaml")
		}
	}
	var files []*flowFile
	for _, name := range names {
		f := &flowFile{name: strings.TrimSuffix(path.Base(name), ".yaml")}
		if l.decodeFile(name, f, true) {
			files = append(files, f)
		} else {
			l.incomplete = true
		}
	}
	return files
}

// settings checks pack.yaml.
func (l *loader) settings() {
	pf, p := &l.pack, l.p
	p.Name = pf.Name
	if pf.Name == "" {
		l.r.errorf(pf.Pos, "name: missing; give the hotline's name")
	}
	for _, lang := range pf.Languages {
		switch {
		case !isLanguageCode(lang.Value):
			l.r.errorf(lang.Pos, "languages: %q is not a language code like en or es", lang.Value)
		case slices.Contains(variantChannels, lang.Value):
			l.r.errorf(lang.Pos, "languages: %q is the name of a channel (a text's %s: key holds that channel's wording); give a language code like en or es", lang.Value, lang.Value)
		case slices.Contains(p.Languages, lang.Value):
			l.r.errorf(lang.Pos, "languages: %q is listed twice", lang.Value)
		default:
			p.Languages = append(p.Languages, lang.Value)
		}
	}
	if len(pf.Languages) == 0 {
		l.r.errorf(pf.Pos, "languages: missing; list the pack's languages, like [en, es]")
	}
	p.Location = time.UTC
	if pf.Timezone.Value == "" {
		l.r.errorf(pf.Pos, "timezone: missing; give the hotline's time zone, like America/Chicago")
	} else if loc, err := time.LoadLocation(pf.Timezone.Value); err != nil || pf.Timezone.Value == "Local" {
		l.r.errorf(pf.Timezone.Pos, "timezone: %q is not a time zone name like America/Chicago", pf.Timezone.Value)
	} else {
		p.Location = loc
	}
	p.Country = "US"
	if c := pf.Country.Value; c != "" {
		if len(c) != 2 || strings.ToUpper(c) != c {
			l.r.errorf(pf.Country.Pos, "country: %q is not a two-letter country code like US", c)
		}
		p.Country = c
	}
	p.HotlinePhone = pf.Hotline.Phone
	if p.HotlinePhone == "" {
		l.r.errorf(orPos(pf.Hotline.Pos, pf.Pos), "hotline: phone: missing; give the number people can call")
	}
	p.IdleAfter = 24 * time.Hour
	if v := pf.IdleAfter.Value; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			l.r.errorf(pf.IdleAfter.Pos, "idle_after: %q is not a duration of a minute or more, like 24h or 90m", v)
		} else {
			p.IdleAfter = d
		}
	}
}

func isLanguageCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// compileMessages checks messages.yaml and the pack's hours.
func (l *loader) compileMessages() {
	l.p.messages = map[string]*message{}
	for _, key := range sortedKeys(l.messages) {
		t := l.messages[key]
		if t == nil {
			continue
		}
		if t.Key != "" {
			l.r.errorf(t.Pos, "%s: a shared message must give one text per language (en: ..., es: ...)", key)
			continue
		}
		if m := l.text(t, key, messagePlaceholders[key]...); m != nil {
			l.p.messages[key] = m
		}
	}
	for _, key := range requiredMessages {
		if l.messages[key] == nil {
			l.r.errorf(Pos{File: messagesFileName}, "missing the shared message %q, which the bot sends itself", key)
		}
	}
	if l.pack.Hotline.Hours == nil {
		l.r.errorf(orPos(l.pack.Hotline.Pos, l.pack.Pos), "hotline: hours: missing; give the hours in each language")
	} else {
		l.p.hours = l.text(l.pack.Hotline.Hours, "hours")
	}
}

// text compiles a Text: a shared message's name, or one template per language.
// extra are the placeholders it may use besides the pack's variables and those
// every text may use.
func (l *loader) text(t *Text, field string, extra ...string) *message {
	if t == nil {
		return nil
	}
	if t.Key != "" {
		m, ok := l.p.messages[t.Key]
		if !ok {
			l.r.errorf(t.Pos, "%s: no shared message named %q in %s%s; to write the text here, give it per language (en: ..., es: ...)",
				field, t.Key, messagesFileName, suggest(t.Key, sortedKeys(l.p.messages)))
		}
		return m
	}
	m := &message{byLang: l.languages(t, field, extra, true)}
	for _, name := range sortedKeys(t.Variants) {
		if m.variants == nil {
			m.variants = make([][]template, len(variantChannels))
		}
		// A channel's wording is checked as the main one is, but for the
		// SMS segments: only text messages are cut into them.
		m.variants[variantIndex(name)-1] = l.languages(t.Variants[name], field+": "+name, extra, false)
	}
	l.checkTexting(t, m, field)
	return m
}

// languages compiles the texts of t, one per language of the pack (a missing
// one reported, and left empty), warning of a text too long for SMS when sms
// is set.
func (l *loader) languages(t *Text, field string, extra []string, sms bool) []template {
	out := make([]template, len(l.p.Languages))
	for _, lang := range sortedKeys(t.ByLang) {
		if !slices.Contains(l.p.Languages, lang) {
			l.r.errorf(t.ByLang[lang].Pos, "%s: %q is not one of the pack's languages (%s)", field, lang, strings.Join(l.p.Languages, ", "))
		}
	}
	for i, lang := range l.p.Languages {
		s, ok := t.ByLang[lang]
		if !ok {
			l.r.errorf(t.Pos, "%s: missing the %q text", field, lang)
			continue
		}
		tpl, ok := parseTemplate(s.Value)
		if !ok {
			l.r.errorf(s.Pos, "%s: a { is never closed, or a {} names nothing; write {{ for a literal brace", field)
			continue
		}
		out[i] = tpl
		l.placeholders(s.Pos, field, tpl, extra)
		if !sms {
			continue
		}
		sample := tpl.sample()
		if n, gsm := Segments(sample); n > 3 {
			enc := "UCS-2"
			if gsm {
				enc = "GSM-7"
			}
			l.r.warnf(s.Pos, "%s: the %s text takes %d SMS segments (%s, %d characters); keep it to 3 or fewer", field, lang, n, enc, len([]rune(sample)))
		}
	}
	return out
}

// checkTexting reports a text (compiled as m) that speaks of texting (words.yaml
// texting:, in its own language) and has no web: wording: on the web chat
// "text START to come back" or "Msg & data rates may apply" is untrue. A pack
// without texting: is not checked.
func (l *loader) checkTexting(t *Text, m *message, field string) {
	if t.Variants[channelWeb] != nil || l.p.words.texting == nil {
		return
	}
	for i, tpl := range m.byLang {
		phrases := l.p.words.texting[i]
		if phrases == nil || tpl == nil {
			continue
		}
		if k, ok := phrases.MatchWords(answer.Words(answer.Normalize(tpl.literal()))); ok {
			what := field
			if l.messages[field] == t {
				what = fmt.Sprintf("message %q", field)
			}
			l.r.errorf(t.Pos, "%s mentions texting (%q); add a web: variant with the words for the web chat", what, phrases.Phrase(k))
			return
		}
	}
}

// placeholders checks that a template names only known placeholders.
func (l *loader) placeholders(pos Pos, field string, tpl template, extra []string) {
	for _, part := range tpl {
		if part.ref == "" || slices.Contains(placeholderNames, part.ref) || slices.Contains(extra, part.ref) {
			continue
		}
		if _, ok := l.p.vars[part.ref]; !ok {
			known := append(append(sortedKeys(l.p.vars), placeholderNames...), extra...)
			l.r.errorf(pos, "%s: unknown placeholder {%s}%s", field, part.ref, suggest(part.ref, known))
		}
	}
}

// declareSteps creates every step so that gotos can be resolved in any order.
func (l *loader) declareSteps(files []*flowFile) {
	l.p.steps = map[string]*step{}
	l.stepYAML = map[string]*stepYAML{}
	l.flowStarts = map[string]*step{}
	for _, f := range files {
		for i := range f.Steps {
			sy := &f.Steps[i]
			id := sy.ID
			switch {
			case id.Value == "":
				l.r.errorf(sy.Pos, "a step needs an id")
				continue
			case !isName(id.Value):
				l.r.errorf(id.Pos, "id: %q is not a name; use letters, digits and _", id.Value)
				continue
			case l.stepYAML[id.Value] != nil:
				l.r.errorf(id.Pos, "id: %q is already the id of the step at %s", id.Value, l.stepYAML[id.Value].Pos)
				continue
			}
			s := &step{id: id.Value, pos: sy.Pos}
			l.p.steps[s.id] = s
			l.stepYAML[s.id] = sy
			l.p.order = append(l.p.order, s)
		}
	}
	for _, f := range files {
		if len(f.Steps) > 0 {
			if s := l.p.steps[f.Steps[0].ID.Value]; s != nil {
				l.flowStarts[f.name] = s
			}
		}
	}
	if len(l.p.order) == 0 {
		return
	}
	l.p.start = l.p.order[0]
	if start := l.pack.Start; start.Value != "" {
		l.p.start = l.stepRef(start, "start")
	}
}

// stepRef resolves a goto: a step's id or, when no step has that id, a flow
// file's name (without .yaml), meaning its first step.
func (l *loader) stepRef(ref Scalar, field string) *step {
	if s, ok := l.p.steps[ref.Value]; ok {
		return s
	}
	if s, ok := l.flowStarts[ref.Value]; ok {
		return s
	}
	if !l.incomplete {
		l.r.errorf(ref.Pos, "%s: there is no step %q%s", field, ref.Value, suggest(ref.Value, l.p.Steps()))
	}
	l.dangling = true
	return nil
}

var expectKinds = map[string]Kind{
	"choice": KindChoice, "yesno": KindYesNo, "number": KindNumber, "money": KindMoney,
	"zip": KindZIP, "date": KindDate, "phone": KindPhone, "text": KindText,
}

// declareVariables records every variable with its kind: the built-ins, each
// asking step's save, and each set.
func (l *loader) declareVariables() {
	vars := map[string]*varInfo{
		varLanguage:     {kind: KindChoice, values: l.p.Languages, builtin: true},
		varChannel:      {kind: KindText, values: []string{"sms", "whatsapp", "web", "terminal"}, builtin: true},
		varUrgent:       {kind: KindYesNo, builtin: true},
		varUrgentReason: {kind: KindText, builtin: true},
	}
	l.p.vars = vars
	for _, s := range l.p.order {
		sy := l.stepYAML[s.id]
		if sy.Expect.Value == "" {
			continue
		}
		k, ok := expectKinds[sy.Expect.Value]
		if !ok {
			l.r.errorf(sy.Expect.Pos, "expect: %q is not a kind of answer; use one of: %s%s", sy.Expect.Value,
				strings.Join(sortedKeys(expectKinds), ", "), suggest(sy.Expect.Value, sortedKeys(expectKinds)))
			continue
		}
		s.expect = k
		s.save = s.id
		if sy.Save.Value != "" {
			if !isName(sy.Save.Value) {
				l.r.errorf(sy.Save.Pos, "save: %q is not a variable name; use letters, digits and _", sy.Save.Value)
			}
			s.save = sy.Save.Value
		}
		if s.save == varChannel || s.save == varUrgentReason {
			l.r.errorf(orPos(sy.Save.Pos, sy.Pos), "save: %q is set by the bot itself; choose another name", s.save)
			continue
		}
		if slices.Contains(reservedNames, s.save) {
			l.r.errorf(orPos(sy.Save.Pos, sy.Pos), "save: %q is the name of a placeholder ({%s}); choose another name", s.save, s.save)
			continue
		}
		v, seen := vars[s.save]
		if !seen {
			v = &varInfo{kind: k, pos: sy.Pos}
			vars[s.save] = v
		} else if v.kind != k {
			l.r.errorf(sy.Expect.Pos, "expect: %q is saved as %s here but as %s elsewhere", s.save, k, v.kind)
		}
		for _, c := range sy.Choices {
			v.addValue(c.Value)
		}
	}
	// Variables that only rules set hold text, and only the values they are set to.
	setOnly := map[string]bool{}
	declare := func(as assignments) {
		for _, a := range as {
			name := a.Name.Value
			if !isName(name) || slices.Contains(reservedNames, name) {
				continue
			}
			if _, seen := vars[name]; !seen {
				vars[name] = &varInfo{kind: KindText, pos: a.Name.Pos, setOnly: true}
				setOnly[name] = true
			}
			if setOnly[name] {
				vars[name].addValue(a.Value)
			}
		}
	}
	l.eachRule(func(r *ruleYAML) { declare(r.Set) })
	if l.pack.Danger != nil {
		declare(l.pack.Danger.Set)
	}
	for _, e := range l.pack.Entry {
		declare(e.Set)
	}
}

// eachRule calls fn for every rule of every step: next rules, choices, yes and no.
func (l *loader) eachRule(fn func(*ruleYAML)) {
	for _, s := range l.p.order {
		sy := l.stepYAML[s.id]
		for i := range sy.Next.Rules {
			fn(&sy.Next.Rules[i])
		}
		for i := range sy.Choices {
			fn(&sy.Choices[i].ruleYAML)
		}
		if sy.Yes != nil {
			fn(sy.Yes)
		}
		if sy.No != nil {
			fn(sy.No)
		}
	}
}

// freeze writes the placeholders that are the same for everyone into the texts,
// once, at load: a text left with none is sent as it is, without building a
// string. A shared
// message may serve several steps, so only the hotline's placeholders are
// frozen in it; a step's own ({min}, {choices}) are frozen in its own texts.
func (l *loader) freeze() {
	p := l.p
	shared := map[*message]bool{}
	for _, m := range p.messages {
		shared[m] = true
	}
	freeze := func(m *message, cur *step) {
		if m == nil {
			return
		}
		if shared[m] {
			cur = nil
		}
		frozen := make([]template, len(m.byLang))
		for i, tpl := range m.byLang {
			frozen[i] = tpl.freeze(p, i, 0, cur)
		}
		for c := range variantChannels {
			if m.variants != nil && m.variants[c] != nil {
				for i, tpl := range m.variants[c] {
					m.variants[c][i] = tpl.freeze(p, i, c+1, cur)
				}
				continue
			}
			// No wording of the channel's own, but placeholders that have
			// one (the hours, a menu whose lines do): the main wording
			// frozen with the channel's values serves as its own.
			var own []template
			for i, tpl := range m.byLang {
				if ft := tpl.freeze(p, i, c+1, cur); !slices.Equal(ft, frozen[i]) {
					if own == nil {
						own = slices.Clone(frozen)
					}
					own[i] = ft
				}
			}
			if own != nil {
				if m.variants == nil {
					m.variants = make([][]template, len(variantChannels))
				}
				m.variants[c] = own
			}
		}
		m.byLang = frozen
	}
	freeze(p.hours, nil)
	if p.danger != nil {
		freeze(p.danger.say, nil)
	}
	for _, key := range sortedKeys(p.messages) {
		freeze(p.messages[key], nil)
	}
	for _, s := range p.order {
		for _, c := range s.choices {
			freeze(c.text, nil)
		}
		freeze(s.say, s)
		freeze(s.ask, s)
		freeze(s.reask, s)
		freeze(s.why, s)
		for _, c := range s.confirms {
			freeze(c.ask, s)
		}
		for _, r := range s.rules() {
			freeze(r.say, nil)
		}
		if s.refer != nil {
			freeze(s.refer.matched, nil)
			freeze(s.refer.urgent, nil)
			freeze(s.refer.fallback, nil)
		}
	}
}

// addValue records a value a choice or a set gives the variable.
func (v *varInfo) addValue(val Scalar) {
	if val.Value == "" || slices.Contains(v.values, val.Value) {
		return
	}
	v.values = append(v.values, val.Value)
	if v.valuePos == nil {
		v.valuePos = map[string]Pos{}
	}
	v.valuePos[val.Value] = val.Pos
}
