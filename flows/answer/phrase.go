package answer

import "strings"

// Phrases is a list of phrases to spot inside a message, the way a person in
// a hurry writes them: "he hit me", "hes going to kill me", "me pegó". A
// phrase matches where its words appear one after another as whole words of
// the message, after Normalize: case, accents and punctuation do not matter,
// and an apostrophe inside a word is dropped ("he's" is "hes", "i'm" is "im").
// A word of five letters or more also matches with one typo (one letter
// added, dropped, changed, or two neighbours swapped): "scraed" is "scared".
// Shorter words must be exact, so that "hit" never matches "hot".
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

// Len is the number of phrases.
func (p *Phrases) Len() int {
	if p == nil {
		return 0
	}
	return len(p.phrases)
}

// Match reports whether the normalized message norm holds one of the phrases,
// and which (its index among the non-empty phrases given to NewPhrases).
func (p *Phrases) Match(norm string) (index int, ok bool) {
	if p == nil || len(p.phrases) == 0 || len(norm) > 4*maxShortAnswer {
		return 0, false
	}
	words := phraseWords(norm)
	for i, phrase := range p.phrases {
		if hasPhrase(words, phrase) {
			return i, true
		}
	}
	return 0, false
}

// Words splits a normalized message into the words phrases are matched
// against (see Phrases).
func Words(norm string) []string { return phraseWords(norm) }

// phraseWords splits a normalized text into words of letters and digits,
// dropping apostrophes inside words.
func phraseWords(norm string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range norm {
		switch {
		case r == '\'' || r == '`':
			// "he's" → "hes": people type it both ways.
		case isWordRune(r):
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return words
}

// hasPhrase reports whether phrase occurs in words as consecutive words.
func hasPhrase(words, phrase []string) bool {
	for start := 0; start+len(phrase) <= len(words); start++ {
		match := true
		for j, w := range phrase {
			if !sameWord(words[start+j], w) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// sameWord compares a message's word with a phrase's: equal, or within one typo
// when the phrase's word is long enough (see Phrases).
func sameWord(got, want string) bool {
	if got == want {
		return true
	}
	if len(want) < minTypoLen || len(got) < minTypoLen-1 {
		return false
	}
	return oneTypo(got, want)
}

// oneTypo reports whether a and b (which differ) are one insertion, deletion,
// substitution or swap of neighbours apart.
func oneTypo(a, b string) bool {
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		i := 0
		for i < la && a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true // one letter changed
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

// matchWords is Match on a message already split by Words.
func (p *Phrases) matchWords(words []string) (index int, ok bool) {
	if p == nil {
		return 0, false
	}
	for i, phrase := range p.phrases {
		if hasPhrase(words, phrase) {
			return i, true
		}
	}
	return 0, false
}

// score adds up the words of every phrase found in words: a longer phrase
// ("locked me out") says more than a single word ("rent").
func (p *Phrases) score(words []string) int {
	total := 0
	for _, phrase := range p.phrases {
		if hasPhrase(words, phrase) {
			total += len(phrase)
		}
	}
	return total
}

// Mask returns words with every occurrence of the phrases blanked out, so that
// the phrases inside them no longer match: with "not in danger" masked, "in
// danger" is not found in "im not in danger".
func (p *Phrases) Mask(words []string) []string {
	if p == nil {
		return words
	}
	var out []string
	for _, phrase := range p.phrases {
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

// MatchWords is Match on a message split by Words (and perhaps masked).
func (p *Phrases) MatchWords(words []string) (index int, ok bool) { return p.matchWords(words) }
