package answer

import "strings"

// Phrases is a list of phrases to spot inside a message, the way a person in
// a hurry writes them: "he hit me", "hes going to kill me", "me pegó". A
// phrase matches where its words appear one after another as whole words of
// the message, after Normalize: case, accents and punctuation do not matter,
// and an apostrophe inside a word is dropped ("he's" is "hes", "i'm" is "im").
// A word of three letters or more also matches its plural and singular
// ("debt" and "debts", "papel" and "papeles"), and a Spanish infinitive or
// gerund with a pronoun attached ("desalojar" and "desalojarme").
// A word of five letters or more also matches with one typo, the kind people
// make: one letter added, dropped, or two neighbours swapped ("scraed" is
// "scared"), or one letter changed for a key next to it, another vowel or a
// letter that sounds alike ("custady", "divorsio"). The first letter must be
// right and the message's word five letters long too, so that "please" is not
// "lease", "talking" not "stalking", "shared" not "scared" and "fire" not
// "fired". Shorter words must be exact, so that "hit" never matches "hot".
//
// A Phrases is built once (NewPhrases) and is safe for concurrent use.
type Phrases struct {
	phrases [][]string
}

// minTypoLen is the shortest phrase word that may match with a typo: below
// it one changed letter makes a different everyday word too often.
const minTypoLen = 5

// NewPhrases compiles phrases (any case, accents allowed). Empty phrases are
// left out.
func NewPhrases(phrases []string) *Phrases {
	p := &Phrases{}
	for _, s := range phrases {
		if words := phraseWords(Normalize(s)); len(words) > 0 {
			p.phrases = append(p.phrases, words)
		}
	}
	return p
}

// Match reports whether the normalized message norm holds one of the phrases,
// and which (its index among the non-empty phrases given to NewPhrases).
func (p *Phrases) Match(norm string) (index int, ok bool) {
	if p == nil || len(p.phrases) == 0 || len(norm) > 4*maxShortAnswer {
		return 0, false
	}
	return p.MatchWords(phraseWords(norm))
}

// Phrase returns the phrase of index (as Match and MatchWords give it), its
// words normalized and joined by single spaces.
func (p *Phrases) Phrase(index int) string {
	return strings.Join(p.phrases[index], " ")
}

// Words splits a normalized message into the words phrases are matched
// against (see Phrases).
func Words(norm string) []string { return phraseWords(norm) }

// phraseWords splits a normalized text into words of letters and digits,
// dropping apostrophes inside words. The words are slices of norm where they
// hold no apostrophe.
func phraseWords(norm string) []string {
	words := make([]string, 0, 16)
	start, apostrophe := -1, false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := norm[start:end]
		if apostrophe {
			w = strings.NewReplacer("'", "", "`", "").Replace(w)
		}
		if w != "" {
			words = append(words, w)
		}
		start, apostrophe = -1, false
	}
	for i, r := range norm {
		switch {
		case r == '\'' || r == '`':
			// "he's" → "hes": people type it both ways.
			if start < 0 {
				start = i
			}
			apostrophe = true
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
	}
	flush(len(norm))
	return words
}

// hasPhrase reports whether phrase occurs in words as consecutive words.
func hasPhrase(words, phrase []string) bool { return phraseAt(words, phrase) >= 0 }

// sameWord compares a message's word with a phrase's: equal, the same word in
// another number or with a pronoun attached, or within one typo when both
// words are long enough (see Phrases).
func sameWord(got, want string) bool {
	if got == want {
		return true
	}
	if len(got) < minStemLen || len(want) < minStemLen || got[0] != want[0] {
		return false
	}
	if plural(got, want) || plural(want, got) || enclitic(got, want) {
		return true
	}
	if len(want) < minTypoLen || len(got) < minTypoLen {
		return false
	}
	return oneTypo(got, want)
}

// minStemLen is the shortest word that matches its plural: "me" is not "mes".
const minStemLen = 3

// plural reports whether long is short with a plural ending: "debts",
// "deudas", "papeles", "buses".
func plural(long, short string) bool {
	rest, ok := strings.CutPrefix(long, short)
	if !ok {
		return false
	}
	return rest == "s" || rest == "es" && !isVowel(short[len(short)-1])
}

// enclitic reports whether got is the Spanish infinitive or gerund want with
// object pronouns attached, as Spanish writes them: "desalojarme",
// "matarnos", "divorciarme", "amenazandome".
func enclitic(got, want string) bool {
	if len(want) < 4 || !(want[len(want)-1] == 'r' || strings.HasSuffix(want, "ndo")) {
		return false
	}
	rest, ok := strings.CutPrefix(got, want)
	if !ok {
		return false
	}
	switch rest {
	case "me", "te", "se", "nos", "le", "les", "lo", "la", "los", "las", "melo", "mela", "selo", "sela":
		return true
	}
	return false
}

// oneTypo reports whether a and b (which differ, and start alike) are one
// insertion, deletion, likely substitution (likelySwap) or swap of neighbours
// apart.
func oneTypo(a, b string) bool {
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		i := 0
		for i < la && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return likelySwap(a[i], b[i]) // one letter changed
		}
		// Two neighbours swapped: "scraed".
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la == lb+1:
		return oneDeleted(a, b)
	case lb == la+1:
		return oneDeleted(b, a)
	}
	return false
}

// oneDeleted reports whether short is long with one byte left out.
func oneDeleted(long, short string) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return long[i+1:] == short[i:]
}

// likelySwap reports whether a person who meant one of the letters a and b
// could well have typed the other: keys next to each other on a QWERTY
// keyboard, two vowels, or letters that sound alike in English or Spanish
// (c/s/z/k/q, b/v, g/j, i/y, m/n). Any other change is more often another
// word: "shared" is not a typo of "scared".
func likelySwap(a, b byte) bool {
	if isVowel(a) && isVowel(b) {
		return true
	}
	if 'a' <= a && a <= 'z' && strings.IndexByte(keyNeighbours[a-'a'], b) >= 0 {
		return true
	}
	for _, pair := range soundAlike {
		if pair[0] == a && pair[1] == b || pair[0] == b && pair[1] == a {
			return true
		}
	}
	return false
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// keyNeighbours are the keys around each letter's on a QWERTY keyboard.
var keyNeighbours = [26]string{
	"qwsz", "vghn", "xdfv", "serfcx", "wrsd", "drtgvc", "ftyhbv", "gyujnb", "uojk", "huikmn", "jiolm", "kop", "njk",
	"bhjm", "ipkl", "ol", "wa", "etdf", "awedxz", "ryfg", "yihj", "cfgb", "qeas", "zsdc", "tugh", "asx",
}

// soundAlike are letters written for each other by ear, in English or Spanish.
var soundAlike = [...]string{"cs", "cz", "sz", "ck", "kq", "bv", "gj", "iy", "mn"}

// MatchWords is Match on a message split by Words (and perhaps masked).
func (p *Phrases) MatchWords(words []string) (index int, ok bool) {
	if p == nil {
		return 0, false
	}
	in := initialsOf(words)
	for i, phrase := range p.phrases {
		if !in.has(phrase[0][0]) {
			continue
		}
		if hasPhrase(words, phrase) {
			return i, true
		}
	}
	return 0, false
}

// score adds up the words of every phrase found in words: a longer phrase
// ("locked me out") says more than a single word ("rent"). first is the
// place in words where the first phrase found starts (len(words) if none).
func (p *Phrases) score(words []string) (total, first int) {
	first = len(words)
	in := initialsOf(words)
	for _, phrase := range p.phrases {
		if !in.has(phrase[0][0]) {
			continue
		}
		if at := phraseAt(words, phrase); at >= 0 {
			total += len(phrase)
			first = min(first, at)
		}
	}
	return total, first
}

// phraseAt is where phrase first occurs in words as consecutive words, or -1.
func phraseAt(words, phrase []string) int {
	first := phrase[0][0] // every word matched starts alike (see sameWord)
	for start := 0; start+len(phrase) <= len(words); start++ {
		if w := words[start]; w == "" || w[0] != first {
			continue
		}
		match := true
		for j, w := range phrase {
			if !sameWord(words[start+j], w) {
				match = false
				break
			}
		}
		if match {
			return start
		}
	}
	return -1
}

// Mask returns words with every occurrence of the phrases blanked out, so that
// the phrases inside them no longer match: with "not in danger" masked, "in
// danger" is not found in "im not in danger".
func (p *Phrases) Mask(words []string) []string {
	if p == nil {
		return words
	}
	var out []string
	in := initialsOf(words)
	for _, phrase := range p.phrases {
		if !in.has(phrase[0][0]) {
			continue
		}
		for start := 0; start+len(phrase) <= len(words); start++ {
			if !hasPhrase(words[start:start+len(phrase)], phrase) {
				continue
			}
			if out == nil {
				out = append([]string(nil), words...)
				words = out
			}
			for j := range phrase {
				out[start+j] = ""
			}
		}
	}
	return words
}

// initials is the set of first bytes of a message's words: a phrase whose
// first word starts with another byte cannot match (see sameWord), and is
// skipped without a look at the words.
type initials [4]uint64

func initialsOf(words []string) (in initials) {
	for _, w := range words {
		if w != "" {
			in[w[0]>>6] |= 1 << (w[0] & 63)
		}
	}
	return in
}

func (in *initials) has(c byte) bool { return in[c>>6]&(1<<(c&63)) != 0 }

// Leads reports whether the message (its words) starts with one of the
// phrases: "why do you need my name" starts with "why", "Casa Como Nueva" does
// not start with "como".
func (p *Phrases) Leads(words []string) bool {
	if p == nil {
		return false
	}
	for _, phrase := range p.phrases {
		if len(phrase) <= len(words) && phraseAt(words[:len(phrase)], phrase) == 0 {
			return true
		}
	}
	return false
}

// Whole reports whether the message (its words) is one of the phrases and
// nothing more: "english", not "Ingles Markets".
func (p *Phrases) Whole(words []string) bool {
	if p == nil {
		return false
	}
	for _, phrase := range p.phrases {
		if len(phrase) == len(words) && phraseAt(words, phrase) == 0 {
			return true
		}
	}
	return false
}
