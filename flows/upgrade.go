package flows

import (
	"slices"
	"strings"
)

// A pack written for an earlier version of Hotline lacks what a later one
// added (the STATUS keyword and the referral loop's messages, in issue 15).
// Loading it must not fail the day its server is upgraded: what it lacks is
// taken from the sample pack that ships with this version (Options.Sample),
// with a warning naming it and saying to add it, which `hotline check
// --strict` fails on. Only in the sample's languages: a pack in another
// language lacks it as an error, as before.

// sample is what Options.Sample holds of the added words and messages, read
// once when first needed.
type sample struct {
	read     bool
	words    wordsFile
	messages map[string]*Text
}

// sampleFiles reads the sample pack's words.yaml and messages.yaml. A
// problem in them leaves nothing to upgrade from (the sample is checked by
// its own tests): what the pack lacks is then an error, as before.
func (l *loader) sampleFiles() *sample {
	s := &l.sample
	if !s.read && l.o.Sample != nil {
		s.read = true
		_, _ = DecodeFile(l.o.Sample, wordsFileName, &s.words, true)
		_, _ = DecodeFile(l.o.Sample, messagesFileName, &s.messages, true)
	}
	return s
}

// sampleKeyword returns the sample's words of an added keyword, in every
// language of the pack, each placed at pos (where the pack's keywords are):
// a problem with them is the pack's to fix. ok is false for a keyword this
// version did not add, or a language the sample lacks.
func (l *loader) sampleKeyword(name string, pos Pos) (byLang map[string][]Scalar, ok bool) {
	if !slices.Contains(addedKeywords, name) {
		return nil, false
	}
	words := l.sampleFiles().words.Keywords[name]
	byLang = map[string][]Scalar{}
	for _, lang := range l.p.Languages {
		if len(words[lang]) == 0 {
			return nil, false
		}
		for _, w := range words[lang] {
			byLang[lang] = append(byLang[lang], Scalar{Pos: pos, Value: w.Value})
		}
	}
	return byLang, true
}

// describeWords lists keyword words by language, for a warning: "en: status;
// es: estado".
func (l *loader) describeWords(byLang map[string][]Scalar) string {
	parts := make([]string, 0, len(l.p.Languages))
	for _, lang := range l.p.Languages {
		words := make([]string, len(byLang[lang]))
		for i, w := range byLang[lang] {
			words[i] = w.Value
		}
		parts = append(parts, lang+": "+strings.Join(words, ", "))
	}
	return strings.Join(parts, "; ")
}

// sampleMessage returns the sample's text of a shared message this version
// added, placed in messages.yaml (a problem with it is the pack's to fix),
// when it has every language of the pack; nil otherwise.
func (l *loader) sampleMessage(name string) *Text {
	t := l.sampleFiles().messages[name]
	if t == nil || t.Key != "" {
		return nil
	}
	for _, v := range t.texts() {
		for _, lang := range l.p.Languages {
			if _, ok := v.ByLang[lang]; !ok {
				return nil
			}
		}
	}
	return placedIn(t, Pos{File: messagesFileName})
}

// placedIn returns a copy of t with every position set to pos.
func placedIn(t *Text, pos Pos) *Text {
	out := &Text{Pos: pos, Key: t.Key, ByLang: map[string]Scalar{}}
	for lang, s := range t.ByLang {
		out.ByLang[lang] = Scalar{Pos: pos, Value: s.Value}
	}
	for name, v := range t.Variants {
		if out.Variants == nil {
			out.Variants = map[string]*Text{}
		}
		out.Variants[name] = placedIn(v, pos)
	}
	return out
}

// requireLoopMessages checks that a pack that refers people has the
// referral loop's messages (loopMessages), taking the sample's for one a pack
// written before lacks (see sample).
func (l *loader) requireLoopMessages() {
	for _, m := range loopMessages {
		if l.messages[m.name] != nil {
			continue
		}
		pos := Pos{File: messagesFileName}
		t := l.sampleMessage(m.name)
		if t == nil {
			l.r.errorf(pos, "missing the shared message %q, %s; give it in every language", m.name, m.about)
			continue
		}
		if compiled := l.text(t, m.name, messagePlaceholders[m.name]...); compiled != nil {
			l.p.messages[m.name] = compiled
		}
		l.r.warnf(pos, "missing the shared message %q, %s, which this version of Hotline added: the sample pack's text is used for now; add it in every language (the sample's %s has it)",
			m.name, m.about, messagesFileName)
	}
}

// upgradeKeyword takes the sample's words of a keyword this version added
// that words.yaml lacks (see sample), with a warning; false when there are
// none to take.
func (l *loader) upgradeKeyword(name string, pos Pos) (map[string][]Scalar, bool) {
	byLang, ok := l.sampleKeyword(name, pos)
	if !ok {
		return nil, false
	}
	l.r.warnf(pos, "keywords: %s: missing, which this version of Hotline added (%s); the sample pack's words are used for now (%s): add them (the sample's %s has them)",
		name, keywordAbout[name], l.describeWords(byLang), wordsFileName)
	return byLang, true
}

// keywordAbout says what an added keyword does, for its warning.
var keywordAbout = map[string]string{
	"status": "STATUS says where the person's referral stands now",
}
