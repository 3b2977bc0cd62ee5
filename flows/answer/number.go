package answer

import (
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token of a normalized answer is.
type tokenKind uint8

const (
	tokNumber       tokenKind = iota + 1 // a run of ASCII digits
	tokWord                              // a run of letters
	tokSymbol                            // any other single rune
	tokForeignDigit                      // a non-ASCII decimal digit, such as "٣"
)

// token is one piece of a normalized answer, as a byte range of it.
type token struct {
	kind tokenKind
	// glued is true when no space separates the token from the previous
	// one: "1,800" is three glued tokens, "1 800" two separate numbers.
	glued      bool
	start, end int
}

func (t token) text(n string) string { return n[t.start:t.end] }

// is reports whether t is the symbol or word sym.
func (t token) is(n, sym string) bool {
	return t.kind != tokNumber && t.end-t.start == len(sym) && n[t.start:t.end] == sym
}

// tokenize splits the normalized answer n into tokens, appending them to dst.
// It reports false, instead of growing dst, when dst is full: callers pass a
// stack array sized for maxShortAnswer, which every normalized input fits.
func tokenize(n string, dst []token) ([]token, bool) {
	glued := false
	for i := 0; i < len(n); {
		if n[i] == ' ' {
			glued = false
			i++
			continue
		}
		if len(dst) == cap(dst) {
			return dst, false
		}
		t := token{glued: glued && len(dst) > 0, start: i}
		glued = true
		r, w := utf8.DecodeRuneInString(n[i:])
		switch {
		case '0' <= r && r <= '9':
			t.kind = tokNumber
			for i++; i < len(n) && '0' <= n[i] && n[i] <= '9'; i++ {
			}
		case isLetter(r):
			t.kind = tokWord
			for i += w; i < len(n); i += w {
				r, w = utf8.DecodeRuneInString(n[i:])
				if !isLetter(r) {
					break
				}
			}
		case unicode.IsDigit(r):
			t.kind = tokForeignDigit
			i += w
		default:
			t.kind = tokSymbol
			i += w
		}
		t.end = i
		dst = append(dst, t)
	}
	return dst, true
}

// isLetter reports whether r is a letter; ASCII is checked without tables.
func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// isMinus reports whether t is a minus sign or a dash that could be one.
func isMinus(n string, t token) bool {
	return t.kind == tokSymbol && (t.is(n, "-") || t.is(n, "−") || t.is(n, "–") || t.is(n, "—"))
}

// isNegative reports whether the number at toks[i] has a minus sign: a dash
// glued before it (or before a glued "$") that does not itself follow a word
// or number, since "3-4" is a range and "-5" or "-$5" a negative; or a dash
// that starts the answer.
func isNegative(n string, toks []token, i int) bool {
	k := i - 1
	if k >= 0 && toks[k+1].glued && toks[k].is(n, "$") {
		k--
	}
	if k < 0 || !isMinus(n, toks[k]) {
		return false
	}
	if k == 0 {
		return true // a dash that starts the answer can only be a minus: "- 5"
	}
	return toks[k+1].glued && (!toks[k].glued || toks[k-1].kind == tokSymbol)
}

// isExponent reports whether the number at toks[i] is the exponent or second
// half of something like "1e9", "1e+9" or "0x10": a number glued to a word
// glued to a number. Those are not amounts people text, so the answer is
// rejected rather than read as two numbers.
func isExponent(n string, toks []token, i int) bool {
	k := i - 1
	if k >= 1 && toks[k+1].glued && (toks[k].is(n, "+") || toks[k].is(n, "-")) {
		k--
	}
	return k >= 1 && toks[k+1].glued && toks[k].kind == tokWord && toks[k].glued && toks[k-1].kind == tokNumber
}

// literal is a number as written: whole part, fraction digits, and where it
// ends in the token list.
type literal struct {
	whole   int64 // the whole part; meaningless when tooBig
	frac    int64 // the first nine fraction digits as an integer ("05" → 5)
	fracLen int   // how many fraction digits were written
	tooBig  bool  // the whole part exceeds maxLiteral
	bad     bool  // separators that make no sense ("1,000,00", "1.2.3")
	next    int   // index of the first token after the literal
}

// maxLiteral bounds the whole part so arithmetic on it cannot overflow; it is
// far beyond anything the parsers accept.
const maxLiteral = 1_000_000_000_000

// readLiteral reads the number starting at toks[i], a tokNumber, with any
// glued thousands groups and decimal fraction. A "." or "," followed by
// exactly three digits groups thousands ("1,800", and "1.800" as Spanish
// speakers write it) as long as the groups before it are valid (the first
// has one to three digits and no leading zero); otherwise it starts the
// fraction ("1.8", "1.800,50", "0.005").
func readLiteral(n string, toks []token, i int) literal {
	first := toks[i].text(n)
	lit := literal{next: i + 1}
	lit.whole, lit.tooBig = digitsValue(first)
	var groupSep byte
	for j := i + 1; j+1 < len(toks); j += 2 {
		sep, digits := toks[j], toks[j+1]
		if sep.kind != tokSymbol || !sep.glued || digits.kind != tokNumber || !digits.glued {
			break
		}
		c := n[sep.start]
		if c != '.' && c != ',' {
			break
		}
		d := digits.text(n)
		if len(d) == 3 && (groupSep == c || groupSep == 0 && len(first) <= 3 && first[0] != '0') {
			v, _ := digitsValue(d)
			lit.whole = lit.whole*1000 + v
			if lit.whole > maxLiteral {
				lit.tooBig = true
				lit.whole = maxLiteral
			}
			groupSep = c
			lit.next = j + 2
			continue
		}
		if c == groupSep {
			lit.bad = true // "1,000,00"
			return lit
		}
		lit.fracLen = len(d)
		if len(d) > 9 {
			d = d[:9] // keeps frac in range; callers refuse fractions this long
		}
		lit.frac, _ = digitsValue(d)
		lit.next = j + 2
		// Another separated group after the fraction ("1.5.3", "1,5.000")
		// is not a number anyone means.
		if k := j + 2; k+1 < len(toks) && toks[k].glued && toks[k+1].glued && toks[k+1].kind == tokNumber &&
			(toks[k].is(n, ".") || toks[k].is(n, ",")) {
			lit.bad = true
		}
		return lit
	}
	return lit
}

// digitsValue returns the value of a run of ASCII digits, saturating at
// maxLiteral (and then reporting tooBig) so huge inputs cannot overflow.
func digitsValue(d string) (v int64, tooBig bool) {
	for i := 0; i < len(d); i++ {
		v = v*10 + int64(d[i]-'0')
		if v > maxLiteral {
			return maxLiteral, true
		}
	}
	return v, false
}

// numberWords are the spelled-out numbers Number understands. "un" and "una"
// are weak: in "una familia de 4" they are an article, so they only count
// when no other number is given.
var numberWords = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
	"cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
	"nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
	"dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
}

// weakNumberWords are articles that also mean one; see numberWords.
var weakNumberWords = map[string]bool{"un": true, "una": true}

// maxNumber is the largest whole number Number accepts.
const maxNumber = 1_000_000

// Number reads a whole number given as digits or words: "3", " 3 ", "3
// people", "three", "Three.", "tres", "we are 4" , "4 of us", English
// one..twenty and Spanish uno/una..veinte (with and without accents:
// "dieciséis"). It returns ok=false for no number, for two different numbers
// ("3 or 4"), negatives, decimals ("2.5"), and numbers above 1,000,000.
//
// The same number written twice ("3 (three)") is fine. Thousands separators
// are read as in Money ("1,000" and "1.000" are 1000). Digits of other
// scripts ("٣") are rejected rather than guessed at, as is scientific or
// hex notation ("1e9", "0x10"). "no one" is not one.
func Number(s string) (n int, ok bool) {
	if len(s) > 4*maxShortAnswer {
		return 0, false
	}
	a := Normalize(s)
	if a == "" || len(a) > maxShortAnswer {
		return 0, false
	}
	var buf [maxShortAnswer]token
	toks, fits := tokenize(a, buf[:0])
	if !fits {
		return 0, false
	}
	found, weak := false, false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		v := -1
		switch t.kind {
		case tokForeignDigit:
			return 0, false
		case tokNumber:
			if isNegative(a, toks, i) || isExponent(a, toks, i) {
				return 0, false
			}
			lit := readLiteral(a, toks, i)
			if lit.bad || lit.fracLen > 0 || lit.tooBig || lit.whole > maxNumber {
				return 0, false
			}
			v = int(lit.whole)
			i = lit.next - 1
		case tokWord:
			w := t.text(a)
			if weakNumberWords[w] {
				weak = true
				continue
			}
			word, isNumber := numberWords[w]
			if !isNumber || w == "one" && i > 0 && toks[i-1].is(a, "no") {
				continue
			}
			v = word
		}
		if v < 0 {
			continue
		}
		if found && v != n {
			return 0, false
		}
		n, found = v, true
	}
	if !found && weak {
		return 1, true
	}
	return n, found
}
