package flows

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotline-legal/hotline/flows/answer"
)

// nextYAML is a step's next: the id of a step, or a list of rules tried in order.
type nextYAML struct {
	Pos
	Goto  *Scalar
	Rules []ruleYAML
}

func (n *nextYAML) decodeYAML(d *decoder, node *yaml.Node) {
	n.Pos = d.pos(node)
	switch {
	case node.Kind == yaml.ScalarNode && !isNull(node):
		n.Goto = &Scalar{Pos: d.pos(node), Value: node.Value}
	case node.Kind == yaml.SequenceNode:
		d.decode(node, &n.Rules)
	default:
		d.errorf(node, "next: expected a step id, or a list of rules (- if: ... goto: ...), got %s", describe(node))
	}
}

func (n *nextYAML) given() bool { return n.Goto != nil || len(n.Rules) > 0 }

// setYAML is one `variable: value` of a set.
type setYAML struct {
	Name, Value Scalar
}

// assignments is a `set:` mapping, kept in the order written.
type assignments []setYAML

func (a *assignments) decodeYAML(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "set: expected variable: value lines, got %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if !d.key(k, seen) {
			continue
		}
		var s setYAML
		s.Name = Scalar{Pos: d.pos(k), Value: k.Value}
		d.decodeField(n.Content[i+1], &s.Value, k.Value)
		*a = append(*a, s)
	}
}

// assignment is a compiled set.
type assignment struct{ name, value string }

// compileKeywords builds the global keywords: the built-in words and the pack's own.
func (l *loader) compileKeywords() {
	kw := map[string]keyword{}
	for _, b := range builtinKeywords {
		for _, w := range splitWords(b.words) {
			kw[w] = keyword{action: b.action, lang: b.lang}
		}
	}
	for _, name := range sortedKeys(l.pack.Keywords) {
		action, ok := keywordNames[name]
		if !ok {
			l.r.errorf(l.pack.Pos, "keywords: %q is not a keyword; use one of: %s", name, strings.Join(sortedKeys(keywordNames), ", "))
			continue
		}
		for _, w := range l.pack.Keywords[name] {
			norm := answer.Normalize(w.Value)
			if prev, taken := kw[norm]; taken && prev.action != action {
				l.r.errorf(w.Pos, "keywords: %q already means %s", w.Value, actionName(prev.action))
				continue
			}
			kw[norm] = keyword{action: action}
		}
	}
	l.p.keywords = kw
}

func actionName(a keywordAction) string {
	for name, action := range keywordNames {
		if action == a {
			return strings.ToUpper(name)
		}
	}
	return "?"
}

// compileSteps compiles every step's texts, answers and branches.
func (l *loader) compileSteps() {
	for _, s := range l.p.order {
		l.compileStep(s, l.stepYAML[s.id])
	}
	l.checkLoops()
	l.collectUndo()
}

func (l *loader) compileStep(s *step, sy *stepYAML) {
	f := func(field string) string { return "step " + s.id + ": " + field }
	s.say = l.text(sy.Say, f("say"))
	s.ask = l.text(sy.Ask, f("ask"))
	s.optional = sy.Optional
	s.end = sy.End
	s.label = sy.Label

	l.misplaced(s, sy)
	if s.expect != kindNone {
		if sy.Ask == nil {
			l.r.errorf(sy.Pos, "%s: missing; a step that expects an answer asks a question", f("ask"))
		}
		if s.label == "" && s.ask != nil {
			s.label = s.ask.byLang[0].sample()
		}
		s.tries = 3
		if sy.Tries != 0 {
			if sy.Tries < 1 || sy.Tries > 10 {
				l.r.errorf(sy.Pos, "%s: %d is out of range; give 1 to 10", f("tries"), sy.Tries)
			}
			s.tries = sy.Tries
		}
		s.reask = l.text(sy.Reask, f("reask"))
		if sy.Reask == nil {
			key := "reask_" + s.expect.String()
			s.reask = l.p.messages[key]
			if s.reask == nil {
				l.r.errorf(sy.Pos, "%s: missing, and %s has no %q for %s answers; add one of them", f("reask"), messagesFileName, key, s.expect)
			}
		}
	}
	switch s.expect {
	case kindChoice:
		l.compileChoices(s, sy, f)
	case kindYesNo:
		if sy.Yes != nil {
			s.yes = l.rule(sy.Yes, f("yes"), false)
		}
		if sy.No != nil {
			s.no = l.rule(sy.No, f("no"), false)
		}
	case kindNumber:
		s.min, s.max = 0, 1_000_000
		if sy.Min != nil {
			s.min = *sy.Min
		}
		if sy.Max != nil {
			s.max = *sy.Max
		}
		if s.min > s.max || s.min < 0 {
			l.r.errorf(sy.Pos, "%s: min %d and max %d do not make a range of whole numbers from 0 up", f("min"), s.min, s.max)
		}
	case kindMoney:
		per, ok := periods[sy.Per.Value]
		if !ok {
			l.r.errorf(sy.Per.Pos, "%s: %q is not a period; use one of: month, week, two_weeks, half_month, year", f("per"), sy.Per.Value)
		}
		s.per = per
	case kindText:
		s.maxLen = 500
		if sy.MaxLength != 0 {
			if sy.MaxLength < 1 || sy.MaxLength > 1600 {
				l.r.errorf(sy.Pos, "%s: %d is out of range; give 1 to 1600", f("max_length"), sy.MaxLength)
			}
			s.maxLen = sy.MaxLength
		}
	}
	if sy.Next.Goto != nil {
		target := l.stepRef(*sy.Next.Goto, f("next"))
		s.next = []*rule{{pos: sy.Next.Pos, target: target, dangling: target == nil}}
	}
	for i := range sy.Next.Rules {
		ry := &sy.Next.Rules[i]
		r := l.rule(ry, f("next"), true)
		if !r.leads() && r.pos.Line != 0 {
			l.r.errorf(ry.Pos, "%s: this rule needs goto: or end:", f("next"))
		}
		if i == len(sy.Next.Rules)-1 && ry.If != nil {
			l.r.errorf(ry.Pos, "%s: the last rule must have no if:, so that there is always a way on (add - goto: <step>)", f("next"))
		}
		s.next = append(s.next, r)
	}
	if sy.Refer != nil {
		l.compileRefer(s, sy, f)
	}
	l.checkWayOn(s, sy, f)
}

var periods = map[string]answer.Period{
	"": answer.PerMonth, "month": answer.PerMonth, "week": answer.PerWeek, "two_weeks": answer.PerTwoWeeks,
	"half_month": answer.PerHalfMonth, "year": answer.PerYear,
}

// misplaced reports fields that do nothing for this kind of step.
func (l *loader) misplaced(s *step, sy *stepYAML) {
	only := func(given bool, field string, kinds ...kind) {
		if given && !slices.Contains(kinds, s.expect) {
			names := make([]string, len(kinds))
			for i, k := range kinds {
				names[i] = "expect: " + k.String()
			}
			l.r.errorf(sy.Pos, "step %s: %s: only a step with %s uses it", s.id, field, strings.Join(names, " or "))
		}
	}
	answering := []kind{kindChoice, kindYesNo, kindNumber, kindMoney, kindZIP, kindDate, kindPhone, kindText}
	only(sy.Ask != nil, "ask", answering...)
	only(sy.Reask != nil, "reask", answering...)
	only(sy.Tries != 0, "tries", answering...)
	only(sy.Optional, "optional", answering...)
	only(sy.Save.Value != "", "save", answering...)
	only(sy.Label != "", "label", answering...)
	only(len(sy.Choices) > 0, "choices", kindChoice)
	only(sy.Yes != nil, "yes", kindYesNo)
	only(sy.No != nil, "no", kindYesNo)
	only(sy.Min != nil, "min", kindNumber)
	only(sy.Max != nil, "max", kindNumber)
	only(sy.Per.Value != "", "per", kindMoney)
	only(sy.MaxLength != 0, "max_length", kindText)
	exclusive := 0
	for _, b := range []bool{s.expect != kindNone, sy.End, sy.Refer != nil} {
		if b {
			exclusive++
		}
	}
	if exclusive > 1 {
		l.r.errorf(sy.Pos, "step %s: a step either asks (expect:), refers (refer:) or ends (end: true); it does more than one", s.id)
	}
	if (sy.End || sy.Refer != nil) && sy.Next.given() {
		l.r.errorf(sy.Next.Pos, "step %s: next: is never used after end: or refer:", s.id)
	}
}

func (l *loader) compileChoices(s *step, sy *stepYAML, f func(string) string) {
	if len(sy.Choices) < 2 {
		l.r.errorf(sy.Pos, "%s: a choice needs at least two choices", f("choices"))
	}
	owner := map[string]int{}
	for i := range sy.Choices {
		cy := &sy.Choices[i]
		c := &choice{value: cy.Value.Value, label: cy.Label, lsc: cy.LSC}
		if !isName(c.value) {
			l.r.errorf(orPos(cy.Value.Pos, cy.Pos), "%s: value: %q is not a name; use letters, digits and _ (it is what conditions compare with)", f("choices"), c.value)
		}
		if c.label == "" {
			c.label = c.value
		}
		if cy.ruleYAML.Pos.Line != 0 {
			r := l.rule(&cy.ruleYAML, f("choices"), false)
			if r.leads() || r.say != nil || len(r.set) > 0 || r.urgent != "" {
				c.rule = r
			}
		}
		words := []string{strconv.Itoa(i + 1)}
		for _, w := range cy.Words {
			norm := answer.Normalize(w.Value)
			if norm == "" {
				l.r.errorf(w.Pos, "%s: words: an empty word matches nothing", f("choices"))
				continue
			}
			if kw, ok := l.p.keywords[norm]; ok {
				l.r.errorf(w.Pos, "%s: words: %q is the global keyword %s, which works at every step; this choice would never see it", f("choices"), w.Value, actionName(kw.action))
				continue
			}
			words = append(words, norm)
		}
		for _, w := range words {
			if prev, taken := owner[w]; taken && prev != i {
				l.r.errorf(cy.Pos, "%s: %q means both choice %d (%s) and choice %d (%s)", f("choices"), w, prev+1, sy.Choices[prev].Value.Value, i+1, c.value)
			}
			owner[w] = i
		}
		s.choices = append(s.choices, c)
		s.words = append(s.words, words)
		if s.save == varCaseType && c.value != "" {
			if _, seen := l.produced[c.value]; !seen {
				l.produced[c.value] = cy.Value.Pos
			}
		}
	}
}

// rule compiles a branch. Conditions are allowed only in next: lists.
func (l *loader) rule(ry *ruleYAML, field string, allowIf bool) *rule {
	r := &rule{pos: ry.Pos, urgent: ry.Urgent.Value, end: ry.End}
	if ry.If != nil {
		if !allowIf {
			l.r.errorf(ry.If.Pos, "%s: if: only rules under next: have conditions", field)
		} else if err := compileCondition(ry.If, l.p.vars); err != nil {
			err.Msg = field + ": " + err.Msg
			l.r.add(err)
		} else {
			r.cond, r.condSource = ry.If.root, ry.If.Source
		}
	}
	r.say = l.text(ry.Say, field+": say")
	r.set = l.assignments(ry.Set, field)
	if ry.Goto.Value != "" {
		r.target = l.stepRef(ry.Goto, field+": goto")
		r.dangling = r.target == nil
		if ry.End {
			l.r.errorf(ry.Goto.Pos, "%s: goto and end: true together; keep one", field)
		}
	}
	return r
}

// assignments checks each set against its variable's kind.
func (l *loader) assignments(as assignments, field string) []assignment {
	var out []assignment
	for _, a := range as {
		name, value := a.Name.Value, a.Value.Value
		v := l.p.vars[name]
		switch {
		case !isName(name):
			l.r.errorf(a.Name.Pos, "%s: set: %q is not a variable name", field, name)
			continue
		case name == varChannel || name == varUrgentReason:
			l.r.errorf(a.Name.Pos, "%s: set: %q is set by the bot itself", field, name)
			continue
		case v == nil:
			continue
		case v.kind == kindYesNo && value != "yes" && value != "no":
			l.r.errorf(a.Value.Pos, "%s: set: %s is yes or no, not %q", field, name, value)
		case v.kind == kindChoice && !slices.Contains(v.values, value):
			l.r.errorf(a.Value.Pos, "%s: set: %s can be %s, not %q", field, name, strings.Join(v.values, ", "), value)
		case v.kind == kindNumber || v.kind == kindMoney:
			if _, err := strconv.Atoi(value); err != nil {
				l.r.errorf(a.Value.Pos, "%s: set: %s is a number, not %q", field, name, value)
			}
		}
		if name == varCaseType {
			if _, seen := l.produced[value]; !seen {
				l.produced[value] = a.Value.Pos
			}
		}
		out = append(out, assignment{name, value})
	}
	return out
}

func (l *loader) compileRefer(s *step, sy *stepYAML, f func(string) string) {
	ry := sy.Refer
	s.refer = &refer{
		matched:  l.text(ry.Matched, f("refer: matched")),
		urgent:   l.text(ry.Urgent, f("refer: urgent")),
		fallback: l.text(ry.Fallback, f("refer: fallback")),
	}
	if ry.Matched == nil {
		l.r.errorf(ry.Pos, "%s: missing; the text that gives the organization, like \"Call {org.name} at {org.phone}. Ref {ref}\"", f("refer: matched"))
	}
	if ry.Fallback == nil {
		l.r.errorf(ry.Pos, "%s: missing; the text for when no organization matches", f("refer: fallback"))
	}
	for _, need := range []struct {
		name string
		kind kind
	}{{varCaseType, kindChoice}, {varZIP, kindZIP}} {
		v := l.p.vars[need.name]
		if v == nil {
			l.r.errorf(ry.Pos, "%s: the flow never saves %q, which matching needs", f("refer"), need.name)
		} else if v.kind != need.kind && !(need.name == varCaseType && v.kind == kindText) {
			l.r.errorf(ry.Pos, "%s: %q must come from an expect: %s step", f("refer"), need.name, need.kind)
		}
	}
}

// checkWayOn makes sure every step leads somewhere whatever the answer.
func (l *loader) checkWayOn(s *step, sy *stepYAML, f func(string) string) {
	if s.end || s.refer != nil || len(s.next) > 0 {
		return
	}
	switch s.expect {
	case kindChoice:
		if len(s.choices) > 0 && !slices.ContainsFunc(s.choices, func(c *choice) bool { return c.rule == nil || !c.rule.leads() }) {
			return
		}
	case kindYesNo:
		if s.yes != nil && s.yes.leads() && s.no != nil && s.no.leads() {
			return
		}
	}
	l.r.errorf(sy.Pos, "%s: missing; this step has no way on: add next: <step id>, or end: true", f("next"))
}

// collectUndo records, for every asking step, what its answer can set.
func (l *loader) collectUndo() {
	for _, s := range l.p.order {
		if s.expect == kindNone {
			continue
		}
		seen := map[*step]bool{}
		var walk func(rules []*rule)
		walk = func(rules []*rule) {
			for _, r := range rules {
				for _, a := range r.set {
					if !slices.Contains(s.undoSets, a.name) {
						s.undoSets = append(s.undoSets, a.name)
					}
				}
				if r.urgent != "" && !slices.Contains(s.undoReasons, r.urgent) {
					s.undoReasons = append(s.undoReasons, r.urgent)
				}
				if t := r.target; t != nil && t.expect == kindNone && !seen[t] {
					seen[t] = true
					walk(t.next)
				}
			}
		}
		walk(s.rules())
	}
}

// checkLoops finds loops of steps that ask nothing, which would never stop.
func (l *loader) checkLoops() {
	const (
		unseen = iota
		visiting
		done
	)
	state := map[*step]int{}
	var visit func(s *step, path []string) bool
	visit = func(s *step, path []string) bool {
		if s.expect != kindNone || s.end || s.refer != nil {
			return false
		}
		switch state[s] {
		case visiting:
			l.r.errorf(s.pos, "steps %s → %s loop without asking anything", strings.Join(path, " → "), s.id)
			return true
		case done:
			return false
		}
		state[s] = visiting
		for _, r := range s.next {
			if r.target != nil && visit(r.target, append(path, s.id)) {
				return true
			}
		}
		state[s] = done
		return false
	}
	for _, s := range l.p.order {
		visit(s, nil)
	}
}

// compileEntries builds keyword dispatch: first words that open a conversation at
// a given step.
func (l *loader) compileEntries() {
	l.p.entries = map[string]*entry{}
	for _, ey := range l.pack.Entry {
		if ey.Goto.Value == "" {
			l.r.errorf(ey.Pos, "entry: goto: missing; name the step these words start at")
			continue
		}
		e := &entry{target: l.stepRef(ey.Goto, "entry: goto"), set: l.assignments(ey.Set, "entry")}
		if lang := ey.Language.Value; lang != "" {
			if !slices.Contains(l.p.Languages, lang) {
				l.r.errorf(ey.Language.Pos, "entry: language: %q is not one of the pack's languages (%s)", lang, strings.Join(l.p.Languages, ", "))
			}
			e.lang = lang
		}
		if len(ey.Words) == 0 {
			l.r.errorf(ey.Pos, "entry: words: missing; list the first words that start here, like [eviction]")
		}
		for _, w := range ey.Words {
			norm := answer.Normalize(w.Value)
			switch {
			case norm == "" || strings.Contains(norm, " "):
				l.r.errorf(w.Pos, "entry: words: %q must be one word: it is matched against the first word of a new conversation", w.Value)
			case l.p.isKeyword(norm):
				l.r.errorf(w.Pos, "entry: words: %q is a global keyword and cannot start a flow", w.Value)
			case l.p.entries[norm] != nil:
				l.r.errorf(w.Pos, "entry: words: %q is listed twice", w.Value)
			default:
				l.p.entries[norm] = e
			}
		}
	}
}

// checkReachable reports steps nothing leads to.
func (l *loader) checkReachable() {
	if l.p.start == nil || l.dangling {
		return
	}
	seen := map[*step]bool{}
	queue := []*step{l.p.start}
	for _, e := range l.p.entries {
		queue = append(queue, e.target)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s == nil || seen[s] {
			continue
		}
		seen[s] = true
		for _, r := range s.rules() {
			queue = append(queue, r.target)
		}
	}
	for _, s := range l.p.order {
		if !seen[s] {
			l.r.errorf(s.pos, "step %s is never reached: no goto, next or entry leads to it", s.id)
		}
	}
}

// rules returns every rule of a step: next rules, choices' branches, yes and no.
func (s *step) rules() []*rule {
	rs := slices.Clone(s.next)
	for _, c := range s.choices {
		if c.rule != nil {
			rs = append(rs, c.rule)
		}
	}
	for _, r := range []*rule{s.yes, s.no} {
		if r != nil {
			rs = append(rs, r)
		}
	}
	return rs
}

// compileDirectory checks directory.yaml and builds the Directory.
func (l *loader) compileDirectory() {
	dy, d := &l.directory, &l.p.Directory
	fb := dy.Fallback
	d.Fallback = Fallback{Name: fb.Name, Phone: fb.Phone, Description: fb.Description}
	if fb.Name == "" || fb.Phone == "" {
		pos := fb.Pos
		if pos.File == "" {
			pos = Pos{File: directoryFileName, Line: 1, Col: 1}
		}
		l.r.errorf(pos, "fallback: needs a name and a phone: where people go when no organization fits")
	}
	orgIDs := map[string]Pos{}
	for i := range dy.Organizations {
		oy := &dy.Organizations[i]
		o := &Organization{
			ID: oy.ID.Value, Name: oy.Name, Description: oy.Description, Phone: oy.Phone,
			Email: oy.Email.Value, Website: oy.Website, Hours: oy.Hours, ResponseTime: oy.ResponseTime,
			IncludeAnswers: oy.IncludeAnswers == nil || *oy.IncludeAnswers,
		}
		f := func(field string) string { return strings.TrimSpace("organization "+o.ID) + ": " + field }
		switch prev, dup := orgIDs[o.ID]; {
		case !isName(o.ID):
			l.r.errorf(oy.Pos, "organization: id: %q is not a name; use letters, digits, - and _", o.ID)
		case dup:
			l.r.errorf(oy.ID.Pos, "organization: id: %q is already used at %s", o.ID, prev)
		}
		orgIDs[o.ID] = oy.ID.Pos
		if o.Name == "" || o.Phone == "" {
			l.r.errorf(oy.Pos, "%sneeds a name and a phone", f(""))
		}
		if !validEmail(o.Email) {
			l.r.errorf(orPos(oy.Email.Pos, oy.Pos), "%s: %q is not an email address like intake@example.org", f("email"), o.Email)
		}
		o.Languages = l.languages(oy.Languages, oy.Pos, f("languages"))
		if oy.EmailTemplate.Value != "" {
			o.emailTemplate = l.emailTemplate(oy.EmailTemplate, f("email_template"))
		}
		if len(oy.Services) == 0 {
			l.r.errorf(oy.Pos, "%s: no services; list what the organization takes", f("services"))
		}
		serviceIDs := map[string]bool{}
		for j := range oy.Services {
			sy := &oy.Services[j]
			s := l.service(sy, o, f)
			if serviceIDs[s.ID] {
				l.r.errorf(sy.ID.Pos, "%s: id: %q is listed twice", f("services"), s.ID)
			}
			serviceIDs[s.ID] = true
			o.Services = append(o.Services, s)
			d.services = append(d.services, s)
		}
		d.Organizations = append(d.Organizations, o)
	}
	if len(dy.Organizations) == 0 {
		l.r.errorf(Pos{File: directoryFileName, Line: 1, Col: 1}, "organizations: none listed")
	}
}

func (l *loader) service(sy *serviceYAML, o *Organization, f func(string) string) *Service {
	s := &Service{ID: sy.ID.Value, Name: sy.Name, Org: o, Priority: sy.Priority, Languages: o.Languages}
	if s.ID == "" {
		l.r.errorf(sy.Pos, "%s: a service needs an id", f("services"))
	}
	if s.Priority == 0 {
		s.Priority = 1
	} else if s.Priority < 0 {
		l.r.errorf(sy.Pos, "%s: priority: %d; give 1 or more (1 is tried first)", f("services"), s.Priority)
	}
	if len(sy.Languages) > 0 {
		s.Languages = l.languages(sy.Languages, sy.Pos, f("services: languages"))
	}
	for _, ct := range sy.CaseTypes {
		s.CaseTypes = append(s.CaseTypes, ct.Value)
	}
	if len(sy.CaseTypes) == 0 {
		l.r.errorf(sy.Pos, "%s: case_types: missing; list the case types the service takes", f("services"))
	}
	for _, z := range sy.ZIPs {
		r, ok := parseZIPPattern(z.Value)
		if !ok {
			l.r.errorf(z.Pos, "%s: zips: %q is not a ZIP code, a pattern like 606xx, or a range like 600xx-629xx", f("services"), z.Value)
			continue
		}
		s.zips = append(s.zips, r)
	}
	if len(sy.ZIPs) == 0 {
		l.r.errorf(sy.Pos, "%s: zips: missing; list the ZIP codes served, like [606xx]", f("services"))
	}
	limit := strings.TrimSpace(sy.IncomeLimit.Value)
	switch {
	case limit == "":
		l.r.errorf(sy.Pos, "%s: income_limit: missing; give a percentage of the poverty guideline like 200%%, or none", f("services"))
	case strings.EqualFold(limit, "none"):
	default:
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(limit, "%")))
		if err != nil || n <= 0 || n > 10000 {
			l.r.errorf(sy.IncomeLimit.Pos, "%s: income_limit: %q is not a number; give a percentage of the poverty guideline like 200%%, or none", f("services"), limit)
		}
		s.IncomeLimit = n
	}
	return s
}

// languages checks a list of language codes against the pack's.
func (l *loader) languages(list []Scalar, pos Pos, field string) []string {
	if len(list) == 0 {
		l.r.errorf(pos, "%s: missing; list the languages served, like [en, es]", field)
	}
	var out []string
	for _, lang := range list {
		if !slices.Contains(l.p.Languages, lang.Value) {
			l.r.errorf(lang.Pos, "%s: %q is not one of the pack's languages (%s)", field, lang.Value, strings.Join(l.p.Languages, ", "))
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

// checkCaseTypes cross-checks the case types the flow produces with the ones the
// directory serves: each must have the other.
func (l *loader) checkCaseTypes() {
	hasRefer := slices.ContainsFunc(l.p.order, func(s *step) bool { return s.refer != nil })
	if !hasRefer {
		return
	}
	served := map[string]bool{}
	for i := range l.directory.Organizations {
		oy := &l.directory.Organizations[i]
		for j := range oy.Services {
			for _, ct := range oy.Services[j].CaseTypes {
				served[ct.Value] = true
				if _, ok := l.produced[ct.Value]; !ok {
					l.r.errorf(ct.Pos, "organization %s: case_types: the flow never produces %q (it produces: %s)%s",
						oy.ID.Value, ct.Value, strings.Join(sortedKeys(l.produced), ", "), suggest(ct.Value, sortedKeys(l.produced)))
				}
			}
		}
	}
	for _, ct := range sortedKeys(l.produced) {
		if !served[ct] {
			l.r.errorf(l.produced[ct], "case type %q: no service in %s takes it, so everyone choosing it gets the fallback; add it to a service", ct, directoryFileName)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
