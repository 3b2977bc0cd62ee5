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
	// A choice step's question may show its menu ({choices}) and the number of
	// each choice ({number.<value>}), so that the numbers follow the choices.
	var menu []string
	if s.expect == KindChoice {
		menu = []string{"choices"}
		for _, c := range sy.Choices {
			menu = append(menu, "number."+c.Value.Value)
		}
	}
	s.say = l.text(sy.Say, f("say"))
	s.ask = l.text(sy.Ask, f("ask"), menu...)
	s.optional = sy.Optional
	s.end = sy.End
	s.label = sy.Label

	l.misplaced(s, sy)
	if s.expect != KindNone {
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
		s.reask = l.text(sy.Reask, f("reask"), menu...)
		if sy.Reask == nil {
			key := "reask_" + s.expect.String()
			s.reask = l.p.messages[key]
			if s.reask == nil {
				l.r.errorf(sy.Pos, "%s: missing, and %s has no %q for %s answers; add one of them", f("reask"), messagesFileName, key, s.expect)
			}
		}
	}
	switch s.expect {
	case KindChoice:
		l.compileChoices(s, sy, f)
	case KindYesNo:
		if sy.Yes != nil {
			s.yes = l.rule(sy.Yes, f("yes"), false)
		}
		if sy.No != nil {
			s.no = l.rule(sy.No, f("no"), false)
		}
	case KindNumber:
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
	case KindMoney:
		per, ok := periods[sy.Per.Value]
		if !ok {
			l.r.errorf(sy.Per.Pos, "%s: %q is not a period; use one of: month, week, two_weeks, half_month, year, or once for an amount that is not income (a debt)", f("per"), sy.Per.Value)
		}
		s.per = per
	case KindText:
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
	l.compileUnderstanding(s, sy, f)
	l.checkWayOn(s, sy, f)
}

var periods = map[string]answer.Period{
	"": answer.PerMonth, "month": answer.PerMonth, "week": answer.PerWeek, "two_weeks": answer.PerTwoWeeks,
	"half_month": answer.PerHalfMonth, "year": answer.PerYear, "once": answer.Once,
}

// misplaced reports fields that do nothing for this kind of step.
func (l *loader) misplaced(s *step, sy *stepYAML) {
	only := func(given bool, field string, kinds ...Kind) {
		if given && !slices.Contains(kinds, s.expect) {
			names := make([]string, len(kinds))
			for i, k := range kinds {
				names[i] = "expect: " + k.String()
			}
			l.r.errorf(sy.Pos, "step %s: %s: only a step with %s uses it", s.id, field, strings.Join(names, " or "))
		}
	}
	answering := []Kind{KindChoice, KindYesNo, KindNumber, KindMoney, KindZIP, KindDate, KindPhone, KindText}
	only(sy.Ask != nil, "ask", answering...)
	only(sy.Reask != nil, "reask", answering...)
	only(sy.Tries != 0, "tries", answering...)
	only(sy.Optional, "optional", answering...)
	only(sy.Save.Value != "", "save", answering...)
	only(sy.Label != "", "label", answering...)
	only(len(sy.Choices) > 0, "choices", KindChoice)
	only(sy.Yes != nil, "yes", KindYesNo)
	only(sy.No != nil, "no", KindYesNo)
	only(sy.Min != nil, "min", KindNumber)
	only(sy.Max != nil, "max", KindNumber)
	only(sy.Per.Value != "", "per", KindMoney)
	only(sy.MaxLength != 0, "max_length", KindText)
	l.misplacedUnderstanding(sy, only)
	exclusive := 0
	for _, b := range []bool{s.expect != KindNone, sy.End, sy.Refer != nil} {
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
	values := map[string]int{}
	for i := range sy.Choices {
		cy := &sy.Choices[i]
		c := &choice{value: cy.Value.Value, label: cy.Label, code: cy.Code}
		if !isName(c.value) {
			l.r.errorf(orPos(cy.Value.Pos, cy.Pos), "%s: value: %q is not a name; use letters, digits and _ (it is what conditions compare with)", f("choices"), c.value)
		} else if prev, dup := values[c.value]; dup {
			l.r.errorf(cy.Value.Pos, "%s: value: %q is already choice %d's", f("choices"), c.value, prev+1)
		}
		values[c.value] = i
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
		if cy.Text != nil {
			c.text = l.text(cy.Text, f("choices: text"))
			l.onlyHotline(cy.Text, f("choices: text"))
		}
		s.choices = append(s.choices, c)
		s.words = append(s.words, words)
		if v := l.p.vars[s.save]; v != nil {
			if v.choices == nil {
				v.choices = map[string]*choice{}
			}
			if v.choices[c.value] == nil {
				v.choices[c.value] = c
			}
		}
	}
	l.checkMenu(s, sy, f)
}

// onlyHotline reports placeholders other than the hotline's in a text: a menu is
// the same for everyone, made once at load, so its lines cannot name an answer.
func (l *loader) onlyHotline(t *Text, field string) {
	for _, t := range t.texts() {
		for _, lang := range sortedKeys(t.ByLang) {
			sc := t.ByLang[lang]
			tpl, _ := parseTemplate(sc.Value)
			for _, part := range tpl {
				if part.ref != "" && !strings.HasPrefix(part.ref, "hotline.") {
					l.r.errorf(sc.Pos, "%s: {%s} cannot be in a menu, which is the same for everyone; only {hotline.name}, {hotline.phone} and {hotline.hours} can", field, part.ref)
				}
			}
		}
	}
}

// checkMenu makes sure a choice step's numbers cannot drift from its choices: a
// question that shows {choices} needs every choice's text, and a choice's number
// typed by hand in its texts must be {number.<value>} instead, which follows the
// choice when choices are reordered.
func (l *loader) checkMenu(s *step, sy *stepYAML, f func(string) string) {
	usesMenu := false
	for _, m := range []*message{s.ask, s.reask} {
		if m == nil {
			continue
		}
		for _, texts := range append([][]template{m.byLang}, m.variants...) {
			if slices.ContainsFunc(texts, func(t template) bool { return t.uses("choices") }) {
				usesMenu = true
			}
		}
	}
	if usesMenu {
		for i, cy := range sy.Choices {
			if cy.Text == nil {
				l.r.errorf(cy.Pos, "%s: text: missing; {choices} shows each choice's text, so choice %d needs one per language", f("choices"), i+1)
			}
		}
	} else if s.ask != nil {
		// A web: question that names no choice leaves them to the web
		// chat's buttons, which show each choice's text:.
		for _, texts := range s.ask.variants {
			if texts == nil || slices.ContainsFunc(texts, namesChoice) {
				continue
			}
			for i, cy := range sy.Choices {
				if cy.Text == nil {
					l.r.errorf(cy.Pos, "%s: text: missing; the ask's web: words name no choice, so the web chat shows the choices as buttons, and choice %d needs a text per language", f("choices"), i+1)
				}
			}
			break
		}
	}
	for _, t := range []struct {
		field string
		text  *Text
		m     *message
	}{{"say", sy.Say, s.say}, {"ask", sy.Ask, s.ask}, {"reask", sy.Reask, s.reask}} {
		if t.text == nil {
			continue
		}
		if t.text.Key != "" {
			// A shared message: its texts, as compiled, have no positions of their own.
			if t.m == nil {
				continue
			}
		typed:
			for _, texts := range append([][]template{t.m.byLang}, t.m.variants...) {
				for i, tpl := range texts {
					if n, ok := typedChoiceNumber(tpl.sample(), len(sy.Choices)); ok {
						l.r.errorf(t.text.Pos, "%s: the shared message %q has %q, a choice's number typed by hand (in its %s text), which would go on meaning the old choice if the choices were reordered; write the text here with {choices} or {number.<value>}",
							f(t.field), t.text.Key, n, l.p.Languages[i])
						break typed
					}
				}
			}
			continue
		}
		for _, text := range t.text.texts() {
			for _, lang := range sortedKeys(text.ByLang) {
				sc := text.ByLang[lang]
				if n, ok := typedChoiceNumber(sc.Value, len(sy.Choices)); ok {
					l.r.errorf(sc.Pos, "%s: %q is a choice's number typed by hand, which would go on meaning the old choice if the choices were reordered; write {choices} for the whole menu, or {number.<value>} (like {number.%s}) for one choice's number",
						f(t.field), n, sy.Choices[atoiOr(n, 1)-1].Value.Value)
				}
			}
		}
	}
}

// typedChoiceNumber finds a number from 1 to n written alone in a text (not part
// of a longer number, a word or a placeholder): a menu number typed by hand.
func typedChoiceNumber(text string, n int) (string, bool) {
	depth := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '{':
			depth++
			continue
		case c == '}' && depth > 0:
			depth--
			continue
		case depth > 0 || c < '0' || c > '9':
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		before := i > 0 && isNumberNeighbour(text, i-1, -1)
		after := j < len(text) && isNumberNeighbour(text, j, +1)
		if num := atoiOr(text[i:j], 0); !before && !after && num >= 1 && num <= n {
			return text[i:j], true
		}
		i = j - 1
	}
	return "", false
}

// isNumberNeighbour reports whether the byte at i, next to digits (dir says on
// which side of them it is, -1 before, +1 after), makes them part of something
// else: a word, an amount, a phone number; or, with a digit beyond it, a
// decimal or a time ("1.5", "3:04"). "1." and "1)" in a list are numbers alone.
func isNumberNeighbour(text string, i, dir int) bool {
	c := text[i]
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || strings.IndexByte("$%-/+#_", c) >= 0:
		return true
	case strings.IndexByte(".,:", c) >= 0:
		k := i + dir
		return k >= 0 && k < len(text) && text[k] >= '0' && text[k] <= '9'
	}
	return false
}

func atoiOr(s string, or int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return or
	}
	return n
}

// rule compiles a branch. Conditions are allowed only in next: lists.
func (l *loader) rule(ry *ruleYAML, field string, allowIf bool) *rule {
	r := &rule{pos: ry.Pos, urgent: ry.Urgent.Value, end: ry.End}
	if ry.If != nil {
		if !allowIf {
			l.r.errorf(ry.If.Pos, "%s: if: only rules under next: have conditions", field)
		} else if err := compileCondition(ry.If, l.p.vars, l.p.functions); err != nil {
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
		case slices.Contains(reservedNames, name):
			l.r.errorf(a.Name.Pos, "%s: set: %q is the name of a placeholder ({%s}); choose another name", field, name, name)
			continue
		case v == nil:
			continue
		case v.kind == KindYesNo && value != "yes" && value != "no":
			l.r.errorf(a.Value.Pos, "%s: set: %s is yes or no, not %q", field, name, value)
		case v.kind == KindChoice && !slices.Contains(v.values, value):
			l.r.errorf(a.Value.Pos, "%s: set: %s can be %s, not %q", field, name, strings.Join(v.values, ", "), value)
		case v.kind == KindNumber || v.kind == KindMoney:
			if _, err := strconv.Atoi(value); err != nil {
				l.r.errorf(a.Value.Pos, "%s: set: %s is a number, not %q", field, name, value)
			}
		}
		out = append(out, assignment{name, value})
	}
	return out
}

func (l *loader) compileRefer(s *step, sy *stepYAML, f func(string) string) {
	ry := sy.Refer
	var matched, fallback []string
	if l.o.Referrer != nil {
		matched, fallback = l.o.Referrer.Placeholders()
	}
	s.refer = &refer{
		matched:  l.text(ry.Matched, f("refer: matched"), matched...),
		urgent:   l.text(ry.Urgent, f("refer: urgent"), matched...),
		fallback: l.text(ry.Fallback, f("refer: fallback"), fallback...),
	}
	if ry.Matched == nil {
		l.r.errorf(ry.Pos, "%s: missing; the text that gives the organization, like \"Call {org.name} at {org.phone}. Ref {ref}\"", f("refer: matched"))
	}
	if ry.Fallback == nil {
		l.r.errorf(ry.Pos, "%s: missing; the text for when no organization matches", f("refer: fallback"))
	}
}

// checkWayOn makes sure every step leads somewhere whatever the answer.
func (l *loader) checkWayOn(s *step, sy *stepYAML, f func(string) string) {
	if s.end || s.refer != nil || len(s.next) > 0 {
		return
	}
	switch s.expect {
	case KindChoice:
		if len(s.choices) > 0 && !slices.ContainsFunc(s.choices, func(c *choice) bool { return c.rule == nil || !c.rule.leads() }) {
			return
		}
	case KindYesNo:
		if s.yes != nil && s.yes.leads() && s.no != nil && s.no.leads() {
			return
		}
	}
	l.r.errorf(sy.Pos, "%s: missing; this step has no way on: add next: <step id>, or end: true", f("next"))
}

// collectUndo records, for every asking step, what its answer can set.
func (l *loader) collectUndo() {
	for _, s := range l.p.order {
		if s.expect == KindNone {
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
				if t := r.target; t != nil && t.expect == KindNone && !seen[t] {
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
		if s.expect != KindNone || s.end || s.refer != nil {
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
	for _, r := range []*rule{s.yes, s.no, s.unsafe} {
		if r != nil {
			rs = append(rs, r)
		}
	}
	return rs
}

// namesChoice reports whether a text names the choices: the whole menu
// ({choices}) or one's number ({number.<value>}).
func namesChoice(t template) bool {
	for _, p := range t {
		if p.ref == "choices" || strings.HasPrefix(p.ref, "number.") {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
