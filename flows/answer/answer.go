// Package answer parses people's free-text answers to screening questions,
// forgivingly, in English and Spanish.
//
// Answers arrive by SMS from people who are often stressed and typing on
// cheap phones, so every parser here accepts the many ways a person writes
// the same thing and says "not understood" (ok=false) rather than guessing
// when an answer is ambiguous: the flow can always ask again, but a wrong
// guess about a court date or an income silently harms the person.
//
// Everything in this package is pure (no I/O, clock or randomness), never
// panics on any input, and avoids allocations because it runs on every
// inbound message.
package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShortAnswer bounds the inputs of the parsers that look for one small
// thing (a number, an amount, a date): no real answer of that kind is longer,
// and the bound lets them tokenize into a fixed stack array instead of the
// heap.
const maxShortAnswer = 256

// latinFoldFirst is the first rune covered by latinFold.
const latinFoldFirst = 0xAA

// latinFold maps the lowercase Latin-1 and Latin Extended-A letters
// (U+00AA..U+017F) to their plain ASCII spelling, so that "sí", "si" and "SI"
// compare equal: people drop or add accents unpredictably on phone keyboards.
// Entries for runes that are not letters stay empty.
var latinFold [0x180 - latinFoldFirst]string

func init() {
	// Uppercase forms are listed too although Normalize lowercases first;
	// keeping them makes the table complete on its own.
	groups := [...]struct{ letters, ascii string }{
		{"ªÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"},
		{"Ææ", "ae"},
		{"ÇçĆćĈĉĊċČč", "c"},
		{"ÐðĎďĐđ", "d"},
		{"ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"},
		{"ĜĝĞğĠġĢģ", "g"},
		{"ĤĥĦħ", "h"},
		{"ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"},
		{"Ĳĳ", "ij"},
		{"Ĵĵ", "j"},
		{"Ķķĸ", "k"},
		{"ĹĺĻļĽľĿŀŁł", "l"},
		{"ÑñŃńŅņŇňŉŊŋ", "n"},
		{"ºÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"},
		{"Œœ", "oe"},
		{"ŔŕŖŗŘř", "r"},
		{"ŚśŜŝŞşŠšſ", "s"},
		{"ß", "ss"},
		{"ŢţŤťŦŧ", "t"},
		{"Þþ", "th"},
		{"ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"},
		{"Ŵŵ", "w"},
		{"ÝýÿŶŷŸ", "y"},
		{"ŹźŻżŽž", "z"},
	}
	for _, g := range groups {
		for _, r := range g.letters {
			latinFold[r-latinFoldFirst] = g.ascii
		}
	}
}

// isTrimmed reports whether r is trimmed from both ends of a normalized
// answer: sentence punctuation and quotes that people add around a one-word
// answer ("Yes!", "¿no?", “ok”) without changing what it means.
func isTrimmed(r rune) bool {
	switch r {
	case ' ', '.', ',', '!', '?', '¡', '¿', '"', '\'', ';', ':',
		'‘', '’', '‚', '‛', '“', '”', '„', '‟', '«', '»', '…':
		return true
	}
	return false
}

// Normalize lowercases s, folds accents and other diacritics of Latin letters
// (á→a, é→e, í→i, ó→o, ú→u, ü→u, ñ→n, also uppercase forms and common Latin-1
// letters), replaces invalid UTF-8 with nothing, turns any run of whitespace
// (incl. non-breaking space) into one space, and trims spaces and surrounding
// punctuation (. , ! ? ¡ ¿ " ' ; : and curly quotes) from both ends.
// "  ¡SÍ!  " → "si"; "Atrás." → "atras"; "STOP " → "stop".
//
// It also drops control and invisible formatting characters and combining
// marks (so a decomposed "e"+U+0301 folds like "é"), and turns curly quotes
// inside the text into straight ones ("don’t" → "don't"), because phones
// insert all of these without the person noticing. Normalize is idempotent.
// When the result is a substring of s it is returned without allocating.
func Normalize(s string) string {
	var stack [64]byte
	out := appendNormalized(stack[:0], s)
	// Most answers ("yes", "3", "60612 ") need at most trimming; returning a
	// slice of s then saves the only allocation.
	lead := 0
	for lead < len(s) {
		r, w := utf8.DecodeRuneInString(s[lead:])
		if !isTrimmed(r) {
			break
		}
		lead += w
	}
	if len(s)-lead >= len(out) && s[lead:lead+len(out)] == string(out) {
		return s[lead : lead+len(out)]
	}
	return string(out)
}

// appendNormalized appends the normalized form of s to dst; see Normalize.
func appendNormalized(dst []byte, s string) []byte {
	start := len(dst)
	space := false // a space is pending before the next visible rune
	emit := func(dst []byte, b ...byte) []byte {
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		return append(dst, b...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				dst = emit(dst, c+'a'-'A')
			case c == ' ' || '\t' <= c && c <= '\r':
				space = true
			case c < ' ' || c == 0x7f:
				// Control characters are invisible noise from the phone.
			default:
				dst = emit(dst, c)
			}
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		switch {
		case r == utf8.RuneError && w == 1:
			// Invalid UTF-8 carries no meaning we could recover.
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Cf, r):
			// Combining marks are accents of decomposed letters; format
			// characters (zero-width space, direction marks) are invisible.
		case r == '‘' || r == '’' || r == '‚' || r == '‛':
			dst = emit(dst, '\'')
		case r == '“' || r == '”' || r == '„' || r == '‟':
			dst = emit(dst, '"')
		default:
			// Lowercase before folding: some uppercase letters outside the
			// table lowercase into it (ẞ → ß → ss), and folding last keeps
			// Normalize idempotent.
			r = unicode.ToLower(r)
			if r >= latinFoldFirst && r < latinFoldFirst+rune(len(latinFold)) && latinFold[r-latinFoldFirst] != "" {
				f := latinFold[r-latinFoldFirst]
				dst = emit(dst, f[0])
				if len(f) > 1 {
					dst = append(dst, f[1:]...)
				}
				continue
			}
			var enc [utf8.UTFMax]byte
			n := utf8.EncodeRune(enc[:], r)
			dst = emit(dst, enc[:n]...)
		}
	}
	// Trim punctuation and the spaces between it from both ends.
	lo, hi := start, len(dst)
	for lo < hi {
		r, w := utf8.DecodeRune(dst[lo:hi])
		if !isTrimmed(r) {
			break
		}
		lo += w
	}
	for hi > lo {
		r, w := utf8.DecodeLastRune(dst[lo:hi])
		if !isTrimmed(r) {
			break
		}
		hi -= w
	}
	n := copy(dst[start:], dst[lo:hi])
	return dst[:start+n]
}

// Text cleans a free-text answer: removes control characters and invalid
// UTF-8, collapses runs of whitespace into one space, trims. ok=false when the
// result is empty or longer than max runes (max <= 0 means no limit). Keeps
// case and accents ("José García" stays).
//
// It also removes the bidirectional embedding, override and isolate controls
// and the byte order mark, because the text is later shown to staff and those
// invisible characters can make it display as something it is not. The
// cleaned text is returned even when it is too long, so the caller can tell
// the person how much to cut.
func Text(s string, max int) (clean string, ok bool) {
	if textIsClean(s) {
		clean = s
	} else {
		var b strings.Builder
		b.Grow(len(s))
		space := false
		for _, r := range s {
			switch {
			case r == utf8.RuneError:
				// Both invalid bytes and a literal U+FFFD: neither is text
				// the person meant to send.
			case unicode.IsSpace(r):
				space = b.Len() > 0
			case textDrops(r):
			default:
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteRune(r)
			}
		}
		clean = b.String()
	}
	if clean == "" {
		return "", false
	}
	if max > 0 && len(clean) > max && utf8.RuneCountInString(clean) > max {
		return clean, false
	}
	return clean, true
}

// textDrops reports whether Text removes r.
func textDrops(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
		return true
	}
	return false
}

// textIsClean reports whether Text would return s unchanged, so that the
// common case costs no allocation.
func textIsClean(s string) bool {
	prevSpace := true // also rejects a leading space
	for _, r := range s {
		switch {
		case r == utf8.RuneError, textDrops(r):
			return false
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case unicode.IsSpace(r):
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// skipAnswers are the normalized answers that mean "skip this question".
var skipAnswers = map[string]bool{
	"skip": true, "skip it": true, "skip this": true, "skip this one": true,
	"skip this question": true, "skip question": true,
	"none": true, "n/a": true, "na": true, "n.a": true, "n a": true, "not applicable": true, "no aplica": true,
	"no one": true, "noone": true, "nobody": true, "pass": true, "pasar": true, "paso": true,
	"omitir": true, "saltar": true, "ninguno": true, "ninguna": true, "nadie": true,
	"no se": true, "no lo se": true, "i don't know": true, "i dont know": true, "don't know": true,
	"dont know": true, "i do not know": true, "idk": true, "dunno": true,
	"prefer not to say": true, "i prefer not to say": true, "prefiero no decir": true, "prefiero no decirlo": true,
}

// politeTails are words people add after a skip ("skip please", "pass,
// thanks") that do not change the meaning.
var politeTails = [...]string{" please", " pls", " thanks", " thank you", " por favor", " gracias"}

// IsSkip reports whether s asks to skip an optional question: skip, none,
// n/a, na, no one, nobody, pass, omitir, saltar, ninguno, ninguna, nadie, no
// se, i don't know, don't know, idk (any case, accents and surrounding
// punctuation ignored). A trailing "please", "thanks", "por favor" or
// "gracias" is ignored too.
func IsSkip(s string) bool {
	n := Normalize(s)
	if skipAnswers[n] {
		return true
	}
	for _, tail := range politeTails {
		if rest, found := strings.CutSuffix(n, tail); found {
			return skipAnswers[strings.TrimRight(rest, " ,.!")]
		}
	}
	return false
}

// polarity is the meaning of a yes/no word.
type polarity uint8

const (
	polNone polarity = iota
	polYes
	polNo
)

// yesNoAnswers are whole answers, stored squeezed (see squeeze) so that
// "yesss" and "siii" match too.
var yesNoAnswers = map[string]polarity{}

// yesNoLeads are the words that keep their meaning when more words follow
// ("yes it is", "no thanks"). Words like "right", "true", "s" or "n" are
// deliberately absent: "right now" or "n/a" is not an answer.
var yesNoLeads = map[string]polarity{}

func init() {
	yes := []string{"yes", "y", "ye", "yeah", "yea", "yah", "yep", "yup", "yes please", "sure", "ok", "okay",
		"correct", "right", "true", "si", "s", "claro", "correcto", "correcta", "de acuerdo", "vale",
		"affirmative", "absolutely", "of course", "definitely", "por supuesto", "claro que si", "exacto",
		"exactamente", "cierto", "asi es", "okey", "oki", "sip", "👍"}
	no := []string{"no", "n", "nope", "nah", "not", "false", "incorrect", "incorrecto", "incorrecta",
		"negative", "no thanks", "no thank you", "no gracias", "of course not", "claro que no", "falso",
		"not really", "absolutely not", "definitely not", "nop", "nel", "👎"}
	leads := []string{"yes", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "correct", "si", "claro",
		"correcto", "correcta", "absolutely", "definitely", "👍",
		"no", "nope", "nah", "not", "incorrect", "incorrecto", "incorrecta", "👎"}
	var buf [64]byte
	for _, w := range yes {
		yesNoAnswers[string(squeeze(buf[:0], w))] = polYes
	}
	for _, w := range no {
		yesNoAnswers[string(squeeze(buf[:0], w))] = polNo
	}
	for _, w := range leads {
		yesNoLeads[string(squeeze(buf[:0], w))] = yesNoAnswers[string(squeeze(buf[:0], w))]
	}
}

// squeeze appends s to dst with runs of the same rune collapsed to one and
// emoji skin-tone modifiers removed, so that emphatic spellings ("nooo",
// "yesss", "👍🏽👍🏽") match their plain form. It gives up (returns dst
// unchanged plus what fits) when dst would need to grow beyond its capacity,
// which callers detect by comparing lengths; no word we look up is that long.
func squeeze(dst []byte, s string) []byte {
	var prev rune = -1
	for _, r := range s {
		if r >= 0x1F3FB && r <= 0x1F3FF || r == prev {
			continue
		}
		prev = r
		if len(dst)+utf8.RuneLen(r) > cap(dst) {
			return dst[:0]
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// uncertainTails start the rest of an answer whose first word looks like yes
// or no but which actually says "I don't know": "no se", "no lo sé", "not
// sure", "no idea", "no estoy segura".
var uncertainTails = [...]string{"se", "lo se", "sure", "idea", "estoy seguro", "estoy segura",
	"know", "i don't know", "i dont know", "idk", "or", "o"}

// YesNo reads yes or no in English or Spanish: yes, y, yeah, yep, yup, yes
// please, sure, ok, okay, correct, right, true, si, sí, s, claro, correcto, de
// acuerdo, vale; no, n, nope, nah, not, false, incorrect. Also a leading
// yes/no word followed by more words: "yes it is", "no thanks", "si claro",
// "no gracias". Thumbs up emoji 👍 is yes. ok=false otherwise.
//
// Repeated letters are forgiven ("siii", "nooo"), 👎 is no, and answers that
// start with no but mean "I don't know" ("no sé", "not sure") or that contain
// both ("yes or no", "si no") are not understood.
func YesNo(s string) (yes bool, ok bool) {
	n := Normalize(s)
	var buf [64]byte
	if sq := squeeze(buf[:0], n); len(sq) > 0 {
		if p := yesNoAnswers[string(sq)]; p != polNone {
			return p == polYes, true
		}
	}
	first, rest, found := strings.Cut(n, " ")
	if !found {
		return false, false
	}
	first = strings.TrimRightFunc(first, isTrimmed)
	p := yesNoLeads[string(squeeze(buf[:0], first))]
	if p == polNone {
		return false, false
	}
	rest = strings.TrimLeftFunc(rest, isTrimmed)
	for _, tail := range uncertainTails {
		if strings.HasPrefix(rest, tail) && (len(rest) == len(tail) || !isWordByte(rest[len(tail)])) {
			return false, false
		}
	}
	// "yes no", "no, yes": both answers at once is not an answer.
	next, _, _ := strings.Cut(rest, " ")
	next = strings.TrimRightFunc(next, isTrimmed)
	if q := yesNoLeads[string(squeeze(buf[:0], next))]; q != polNone && q != p {
		return false, false
	}
	return p == polYes, true
}

// isWordByte reports whether b can be part of a word in a normalized string
// (ASCII letters and digits, and any byte of a multi-byte rune).
func isWordByte(b byte) bool {
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b >= utf8.RuneSelf
}

// choicePrefixes are words people put before the number of an option.
var choicePrefixes = [...]string{"option ", "opcion ", "number ", "numero ", "num ", "choice ", "#", "no. ", "nro ", "nro. "}

// Choice picks one of several options from an answer. options[i] holds the
// words and phrases that mean option i, already passed through Normalize (e.g.
// {"1","housing","eviction","desalojo","landlord"}). It first looks for an
// exact match of the normalized answer with an option word; then, for words
// that are not all digits, for a whole-word or whole-phrase occurrence inside
// the answer ("I'm getting evicted by my landlord" contains "landlord");
// digits-only words match only exactly (so "my landlord gave me 3 days" does
// not pick option 3). Also accepts "#2", "2.", "2)", "option 2", "opcion 2",
// "number 2" as the exact word "2". If more than one option matches, ok=false
// (ambiguous).
func Choice(s string, options [][]string) (index int, ok bool) {
	n := Normalize(s)
	if n == "" {
		return 0, false
	}
	numbered := optionNumber(n)

	index = -1
	for i, words := range options {
		for _, w := range words {
			if w != "" && (w == n || w == numbered) {
				if index >= 0 && index != i {
					return 0, false
				}
				index = i
				break
			}
		}
	}
	if index >= 0 {
		return index, true
	}

	for i, words := range options {
		for _, w := range words {
			if w == "" || allDigits(w) || !containsPhrase(n, w) {
				continue
			}
			if index >= 0 && index != i {
				return 0, false
			}
			index = i
			break
		}
	}
	if index >= 0 {
		return index, true
	}
	return 0, false
}

// optionNumber returns the digits of an answer that names an option by its
// number ("#2", "2)", "(2)", "option 2"), or "" when n is not such an answer.
func optionNumber(n string) string {
	for _, p := range choicePrefixes {
		if rest, found := strings.CutPrefix(n, p); found {
			n = rest
			break
		}
	}
	n = strings.TrimPrefix(n, "(")
	n = strings.TrimSuffix(n, ")")
	n = strings.TrimSuffix(n, ".")
	n = strings.TrimSpace(n)
	if !allDigits(n) {
		return ""
	}
	return n
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// containsPhrase reports whether phrase occurs in s as whole words: the
// characters around the occurrence are not letters or digits, so "no" is not
// found in "nothing".
func containsPhrase(s, phrase string) bool {
	for from := 0; from+len(phrase) <= len(s); {
		i := strings.Index(s[from:], phrase)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(phrase)
		if !wordRuneBefore(s, i) && !wordRuneAfter(s, end) {
			return true
		}
		_, w := utf8.DecodeRuneInString(s[i:])
		from = i + w
	}
	return false
}

// wordRuneBefore reports whether the rune ending at s[i] is a letter or digit.
func wordRuneBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

// wordRuneAfter reports whether the rune starting at s[i] is a letter or digit.
func wordRuneAfter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

// isWordRune reports whether r is a letter or digit.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
