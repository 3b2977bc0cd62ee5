package flows

import (
	"slices"
	"strings"

	"github.com/hotline-legal/hotline/flows/answer"
)

// carrierWords are the keywords carriers and Twilio act on themselves (the
// CTIA's standard opt-out, opt-in and help words): a pack must keep them, so
// that what the bot does matches what the carrier does.
var carrierWords = map[keywordAction][]string{
	keywordStop:  {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"},
	keywordStart: {"start", "unstop"},
	keywordHelp:  {"help", "info"},
}

// compileWords checks words.yaml and builds the keywords and the other words the
// engine recognises.
func (l *loader) compileWords() {
	wf := &l.words
	l.compileKeywords()
	w := &l.p.words
	w.stopVerbs = l.wordSet(wf.StopRequest.Verbs, "stop_request: verbs", false)
	w.stopAbout = l.wordSet(wf.StopRequest.About, "stop_request: about", false)
	if len(w.stopVerbs) == 0 || len(w.stopAbout) == 0 {
		l.r.errorf(orPos(wf.StopRequest.Pos, Pos{File: wordsFileName, Line: 1, Col: 1}),
			"stop_request: needs verbs and about: the words of sentences like \"stop texting me\", which are asked to confirm with STOP")
	}
	cont := l.wordList(wf.Resume.Continue, "resume: continue", true)
	over := l.wordList(wf.Resume.StartOver, "resume: start_over", true)
	w.resume = [][]string{append([]string{"1"}, cont...), append([]string{"2"}, over...)}
	for _, word := range cont {
		if slices.Contains(over, word) {
			l.r.errorf(wf.Resume.Pos, "resume: %q means both continue and start_over", word)
		}
	}
	w.yes = l.wordSet(wf.Answers.Yes, "answers: yes", false)
	w.no = l.wordSet(wf.Answers.No, "answers: no", false)
	w.skip = l.wordSet(wf.Answers.Skip, "answers: skip", false)
	for word := range w.yes {
		if w.no[word] {
			l.r.errorf(wf.Answers.Pos, "answers: %q is both a yes and a no", word)
		}
	}
	l.compilePhrases()
}

// compilePhrases builds the phrases people say things in their own words with:
// danger, a request for a person or a language, a question back, a household.
// Each list is optional; without it, the bot does without.
func (l *loader) compilePhrases() {
	wf, w := &l.words, &l.p.words
	w.danger = l.phrasesByLang(wf.Danger, "danger")
	w.notDanger = l.phrasesByLang(wf.NotDanger, "not_danger")
	w.askPerson = answer.NewPhrases(l.wordList(wf.AskPerson, "ask_person", false))
	w.unsafeContact = answer.NewPhrases(l.wordList(wf.UnsafeContact, "unsafe_contact", false))
	w.phoneWatched = answer.NewPhrases(l.wordList(wf.PhoneWatched, "phone_watched", false))
	w.switchTo = l.phrasesByLang(wf.SwitchLanguage, "switch_language")
	w.question = answer.NewPhrases(l.wordList(wf.Question, "question", false))
	if wf.Texting != nil {
		w.texting = l.phrasesByLang(wf.Texting, "texting")
	}
	m := &wf.Money
	oneWord := func(byLang map[string][]Scalar, field string) []string {
		list := l.wordList(byLang, field, false)
		for _, ws := range byLang {
			for _, w := range ws {
				if strings.Contains(answer.Normalize(w.Value), " ") {
					l.r.errorf(w.Pos, "%s: %q is more than one word; the money parser reads one word at a time", field, w.Value)
				}
			}
		}
		return list
	}
	w.money = answer.NewMoneyWords(oneWord(m.Hour, "money: hour"), oneWord(m.Paycheck, "money: paycheck"),
		oneWord(m.Week, "money: week"), oneWord(m.TwoWeeks, "money: two_weeks"), oneWord(m.HalfMonth, "money: half_month"),
		oneWord(m.Month, "money: month"), oneWord(m.Year, "money: year"))
	h := &wf.Household
	w.household = answer.HouseholdWords{
		Self:  l.wordList(h.Self, "household: self", false),
		Alone: l.wordList(h.Alone, "household: alone", false),
		One:   l.wordList(h.One, "household: one", false),
		Many:  l.wordList(h.Many, "household: many", false),
	}
}

// phrasesByLang compiles phrases given per language, indexed like
// Flow.Languages (nil where a language has none).
func (l *loader) phrasesByLang(byLang map[string][]Scalar, field string) []*answer.Phrases {
	l.languageWords(byLang, field, false, l.words.Pos)
	out := make([]*answer.Phrases, len(l.p.Languages))
	for i, lang := range l.p.Languages {
		list := l.wordList(map[string][]Scalar{lang: byLang[lang]}, field, false)
		if len(list) > 0 {
			out[i] = answer.NewPhrases(list)
		}
	}
	return out
}

// languageWords checks words given per language: every language a pack language,
// and, when every is set, each of the pack's languages given.
func (l *loader) languageWords(byLang map[string][]Scalar, field string, every bool, pos Pos) {
	for _, lang := range sortedKeys(byLang) {
		if !slices.Contains(l.p.Languages, lang) {
			p := pos
			if ws := byLang[lang]; len(ws) > 0 {
				p = ws[0].Pos
			}
			l.r.errorf(p, "%s: %q is not one of the pack's languages (%s)", field, lang, strings.Join(l.p.Languages, ", "))
		}
	}
	if !every {
		return
	}
	for _, lang := range l.p.Languages {
		if len(byLang[lang]) == 0 {
			l.r.errorf(orPos(pos, Pos{File: wordsFileName, Line: 1, Col: 1}), "%s: no %s words; list what a person writing %s would send", field, lang, lang)
		}
	}
}

// wordList returns the normalized words of every language, in order, once each.
func (l *loader) wordList(byLang map[string][]Scalar, field string, every bool) []string {
	l.languageWords(byLang, field, every, l.words.Pos)
	var out []string
	for _, lang := range sortedKeys(byLang) {
		for _, w := range byLang[lang] {
			norm := answer.Normalize(w.Value)
			switch {
			case norm == "":
				l.r.errorf(w.Pos, "%s: an empty word matches nothing", field)
			case !slices.Contains(out, norm):
				out = append(out, norm)
			}
		}
	}
	return out
}

// wordSet is wordList as a set.
func (l *loader) wordSet(byLang map[string][]Scalar, field string, every bool) map[string]bool {
	set := map[string]bool{}
	for _, w := range l.wordList(byLang, field, every) {
		set[w] = true
	}
	return set
}

// compileKeywords builds the global keywords of words.yaml. A word listed in one
// language only belongs to it (it sets the language of the reply when none is
// chosen yet); one listed in several belongs to none.
func (l *loader) compileKeywords() {
	kw := map[string]keyword{}
	pos := orPos(l.words.Pos, Pos{File: wordsFileName, Line: 1, Col: 1})
	for _, name := range sortedKeys(l.words.Keywords) {
		if _, ok := keywordNames[name]; !ok {
			l.r.errorf(pos, "keywords: %q is not a keyword; use one of: %s%s", name, strings.Join(sortedKeys(keywordNames), ", "), suggest(name, sortedKeys(keywordNames)))
		}
	}
	for _, name := range sortedKeys(keywordNames) {
		action := keywordNames[name]
		byLang := l.words.Keywords[name]
		field := "keywords: " + name
		if byLang == nil {
			upgraded, ok := l.upgradeKeyword(name, pos)
			if !ok {
				l.r.errorf(pos, "%s: missing; list the words that mean %s in each language", field, strings.ToUpper(name))
				continue
			}
			byLang = upgraded
		}
		l.languageWords(byLang, field, true, pos)
		langsOf := map[string][]string{}
		for _, lang := range sortedKeys(byLang) {
			for _, w := range byLang[lang] {
				norm := answer.Normalize(w.Value)
				if norm == "" {
					l.r.errorf(w.Pos, "%s: an empty word matches nothing", field)
					continue
				}
				if strings.Trim(norm, "0123456789") == "" {
					l.r.errorf(w.Pos, "%s: %q is a number, which answers menus and questions; a keyword must be a word", field, w.Value)
					continue
				}
				if prev, taken := kw[norm]; taken && prev.action != action {
					l.r.errorf(w.Pos, "%s: %q already means %s", field, w.Value, actionName(prev.action))
					continue
				}
				if !slices.Contains(langsOf[norm], lang) {
					langsOf[norm] = append(langsOf[norm], lang)
				}
				kw[norm] = keyword{action: action}
			}
		}
		for word, langs := range langsOf {
			if len(langs) == 1 {
				kw[word] = keyword{action: action, lang: langs[0]}
			}
		}
		for _, need := range carrierWords[action] {
			if _, ok := langsOf[need]; !ok {
				l.r.errorf(pos, "%s: %q is missing; carriers act on it themselves, so the bot must too", field, need)
			}
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
