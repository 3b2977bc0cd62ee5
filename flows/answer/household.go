package answer

import "strings"

// HouseholdWords are the words Household counts people by. The pack supplies
// them per language; every entry must already be normalized (see Normalize)
// and may be a phrase of several words ("just me", "by myself", "con migo").
// Phrases match whole words only, and where entries of the lists overlap the
// longest match wins ("solo yo" in Alone over "yo" in Self).
//
// Words for everyone in the household ("people", "personas", "of us", "en
// total") belong in no list: a number in an answer that is not followed by
// a word of One or Many is read as the total ("3 people", "somos 4").
type HouseholdWords struct {
	// Self are the words that mean or imply the person answering, counted
	// once however often they occur: pronouns ("me", "i", "myself", "yo",
	// "conmigo") and first-person possessives ("my", "mi", "mis"), since
	// "my 3 kids" lists people besides the person. Spanish "mi" is both "my"
	// and, with its accent dropped, "mí" (me); either way it implies the
	// person, so it belongs here. Phrases naming the person by a role
	// ("single mom", "madre soltera") belong here too, or the role would be
	// counted as another person.
	Self []string
	// Alone are the phrases that mean the person lives alone: "just me",
	// "only me", "alone", "by myself", "solo yo", "sola", "solo". Alone
	// with nobody else named is 1, sure; with others named it counts as
	// Self ("solo yo y mi hija" is 2), and with a total it gives way to the
	// total ("solo 3": only 3).
	Alone []string
	// One are nouns for one other person each: "wife", "husband", "son",
	// "mom", "roommate", "esposa", "hijo", "mama". A number before one
	// counts it instead ("2 son" is 2).
	One []string
	// Many are plural nouns counted by the number before them ("3 kids",
	// "mis 3 hijos", "two daughters", "3 of my kids") or right after them
	// ("kids: 3", "hijos 2"): "kids", "children", "roommates", "adults",
	// "hijos", "ninos", "adultos". Without a number the answer cannot be
	// counted ("me and my kids").
	Many []string
}

// householdKind is what a token of an answer is to Household.
type householdKind uint8

const (
	hhOther  householdKind = iota // a word in no list
	hhPart                        // a later token of a phrase or number
	hhPunct                       // a symbol other than "&" and "+"
	hhSelf                        // a Self word
	hhAlone                       // an Alone phrase
	hhOne                         // a One noun
	hhMany                        // a Many noun
	hhNumber                      // a number, in digits or words
	hhAge                         // a number of years, months or weeks: "a 2 year old"
	hhJoin                        // "and", "&", "plus", "with", "y", "con"...
	hhWeak                        // "un", "una": an article that may mean one
)

// householdJoins join the people of a list. Those with value joinWith ("with",
// "con") join only forwards: "me with 3" is 4 people, "4 with me" is 4.
var householdJoins = map[string]uint8{
	"and": joinAnd, "&": joinAnd, "+": joinAnd, "plus": joinAnd, "n": joinAnd,
	"y": joinAnd, "e": joinAnd, "mas": joinAnd,
	"with": joinWith, "con": joinWith,
}

const (
	joinAnd  = 1
	joinWith = 2
)

// ageWords after a number make it an age ("my 2 year old", "mi bebe de 8
// meses"), not a count of people. "yo" counts only glued ("5yo"): "4 yo y mis
// 3 hijos" is "yo", I.
var ageWords = map[string]bool{
	"year": true, "years": true, "yr": true, "yrs": true, "ano": true, "anos": true, "anitos": true,
	"month": true, "months": true, "mo": true, "mos": true, "mes": true, "meses": true,
	"week": true, "weeks": true, "wk": true, "wks": true, "semana": true, "semanas": true,
}

// maxHousehold is the largest household Household returns.
const maxHousehold = 99

// maxHouseholdCount caps each number Household reads, so sums of up to
// maxShortAnswer of them cannot overflow; anything above maxHousehold fails.
const maxHouseholdCount = 1000

// Household reads how many people live in a household, the person answering
// included, from an answer such as "3", "me and my 2 kids" or "mi esposo y
// yo". n is 1..99; ok=false when the answer cannot be counted.
//
// sure=true when the answer gives the number plainly: a number alone or with
// words in no list ("3", "three", "tres", "3 people", "3 personas", "we are
// 4", "somos 4", "4 including me", "4 con migo", "the two of us", "solo 3"),
// a number that agrees with the people listed ("4: me, my wife and 2 kids",
// or "4: my wife and 2 kids", the person being the fourth), or an Alone
// phrase with nobody else ("just me", "solo yo", "I live alone") → 1.
//
// sure=false when the number was counted from words, so the engine should
// confirm it: the listed people are summed, each One noun 1, each Many noun
// its number, plus 1 for the person when a Self or Alone word occurs ("me
// and 3 kids" = 4, "me and my 2 kids" = 3, "my 3 kids" = 4, "my wife and I"
// = 2, "me, my husband and 2 kids" = 4, "yo y mis 3 hijos" = 4, "mi esposo y
// yo" = 2, "just me and my son" = 2). Without a Self word the people are
// counted as given ("2 adults and 3 kids" = 5, "3 kids" = 3), because the
// person may be among them. A number joined to the person or to listed
// people by "and", "&", "+", "plus", "y" ("me and 3", "me + 3", "2 people
// and me") or following "with"/"con" ("me with 3") adds those people. A
// Self word alone ("me", "yo") is 1, unsure. A number directly followed by
// "year(s)", "yr(s)", "month(s)", "week(s)", "año(s)", "mes(es)",
// "semana(s)" or glued "yo" is an age: "my 2 year old" is one person; "my 2
// year old son" and "mi bebe de 8 meses" are the son and the baby. Numbers
// after "age(s)", "aged", "edad(es)" are ages too ("my 2 kids (ages 5 and
// 7)"). A Self phrase followed by "of"/"de" and a number adds that many
// ("single mom of 2" = 3, unsure).
//
// The number can be digits or a number word (English one..twenty, Spanish
// uno..veinte); "un"/"una" mean one only when nothing else is given ("una
// persona"), and "a"/"an" are only articles. ok=false for: nothing
// countable, a Many noun without a number ("me and my kids") unless a total
// is given ("4 with my kids"), two different totals ("3 or 4"), a total
// that disagrees with the people listed, negatives, fractions, digits of
// other scripts, and results outside 1..99.
func Household(s string, w HouseholdWords) (n int, sure bool, ok bool) {
	if len(s) > 4*maxShortAnswer {
		return 0, false, false
	}
	a := Normalize(s)
	if a == "" || len(a) > maxShortAnswer {
		return 0, false, false
	}
	var buf [maxShortAnswer]token
	toks, fits := tokenize(a, buf[:0])
	if !fits {
		return 0, false, false
	}
	var kinds [maxShortAnswer]householdKind
	var vals [maxShortAnswer]int16 // a number's value, a joiner's kind
	if !classifyHousehold(a, toks, w, kinds[:len(toks)], vals[:len(toks)]) {
		return 0, false, false
	}
	return countHousehold(a, toks, kinds[:len(toks)], vals[:len(toks)])
}

// classifyHousehold sets the kind of every token of the answer n and the
// value of its numbers and joiners. It returns false for answers that are
// refused whatever they say: negative, fractional, foreign or exponent
// numbers.
func classifyHousehold(n string, toks []token, w HouseholdWords, kinds []householdKind, vals []int16) bool {
	for i := 0; i < len(toks); {
		t := toks[i]
		switch t.kind {
		case tokForeignDigit:
			return false
		case tokSymbol:
			if j, isJoin := householdJoins[t.text(n)]; isJoin {
				kinds[i], vals[i] = hhJoin, int16(j)
			} else {
				kinds[i] = hhPunct
			}
			i++
		case tokNumber:
			if isNegative(n, toks, i) || isExponent(n, toks, i) {
				return false
			}
			lit := readLiteral(n, toks, i)
			if lit.bad || lit.fracLen > 0 {
				return false
			}
			v := lit.whole
			if lit.tooBig || v > maxHouseholdCount {
				v = maxHouseholdCount
			}
			kinds[i], vals[i] = hhNumber, int16(v)
			for j := i + 1; j < lit.next; j++ {
				kinds[j] = hhPart
			}
			if isAge(n, toks, lit.next) {
				kinds[i], kinds[lit.next] = hhAge, hhPart
				lit.next++
			}
			i = lit.next
		case tokWord:
			if kind, end := matchHouseholdWords(n, toks, i, w); kind != hhOther {
				kinds[i] = kind
				for j := i + 1; j < end; j++ {
					kinds[j] = hhPart
				}
				i = end
				continue
			}
			word := t.text(n)
			if v, isNumber := numberWords[word]; isNumber && !(word == "one" && i > 0 && toks[i-1].is(n, "no")) {
				kinds[i], vals[i] = hhNumber, int16(v)
				i++
				if isAge(n, toks, i) {
					kinds[i-1] = hhAge
					kinds[i] = hhPart
					i++
				}
				continue
			}
			if ageLeads[word] {
				// "(ages 5 and 7)": the numbers that follow are ages.
				for i++; i < len(toks) && isAgeListToken(n, toks[i]); i++ {
				}
				continue
			}
			if j, isJoin := householdJoins[word]; isJoin {
				kinds[i], vals[i] = hhJoin, int16(j)
			} else if weakNumberWords[word] {
				kinds[i] = hhWeak
			}
			i++
		default:
			i++
		}
	}
	return true
}

// ageLeads are words after which a list of numbers are ages: "my 2 kids
// (ages 5 and 7)", "edades 3 y 5".
var ageLeads = map[string]bool{"age": true, "ages": true, "aged": true, "edad": true, "edades": true}

// isAgeListToken reports whether t can be part of a list of ages after an
// age lead: digits, number words, joiners, commas and dots.
func isAgeListToken(n string, t token) bool {
	switch t.kind {
	case tokNumber:
		return true
	case tokSymbol:
		return t.is(n, ",") || t.is(n, ".") || householdJoins[t.text(n)] != 0
	case tokWord:
		w := t.text(n)
		_, isNumber := numberWords[w]
		return isNumber || householdJoins[w] != 0 || ageWords[w] || w == "old"
	}
	return false
}

// litStart returns the index of the number token that the hhPart tokens
// ending at kinds[i] belong to.
func litStart(kinds []householdKind, i int) int {
	for i > 0 && kinds[i] == hhPart {
		i--
	}
	return i
}

// isAge reports whether toks[i] is an age word following a number: see
// ageWords.
func isAge(n string, toks []token, i int) bool {
	if i >= len(toks) || toks[i].kind != tokWord {
		return false
	}
	w := toks[i].text(n)
	return ageWords[w] || w == "yo" && toks[i].glued
}

// matchHouseholdWords returns the kind of the longest entry of w's lists
// that the answer n has as whole words starting at the word toks[i], and the
// index of the token after it; hhOther when none matches. On equal length
// Alone wins over Self, Self over One, One over Many.
func matchHouseholdWords(n string, toks []token, i int, w HouseholdWords) (householdKind, int) {
	rest := n[toks[i].start:]
	kind, best := hhOther, 0
	for _, l := range [...]struct {
		kind  householdKind
		words []string
	}{{hhAlone, w.Alone}, {hhSelf, w.Self}, {hhOne, w.One}, {hhMany, w.Many}} {
		for _, p := range l.words {
			if len(p) > best && p[0] == rest[0] && strings.HasPrefix(rest, p) && !wordRuneAfter(rest, len(p)) {
				kind, best = l.kind, len(p)
			}
		}
	}
	if kind == hhOther {
		return hhOther, i
	}
	end := toks[i].start + best
	j := i
	for j < len(toks) && toks[j].end <= end {
		j++
	}
	if j == i || toks[j-1].end != end {
		return hhOther, i // the entry ends inside a token
	}
	return kind, j
}

// countHousehold counts the people of a classified answer; see Household.
func countHousehold(n string, toks []token, kinds []householdKind, vals []int16) (int, bool, bool) {
	// Numbers count the One or Many noun that follows them, possibly after
	// a few other words ("3 of my kids", "2 young kids"), or the Many noun
	// right before them ("kids: 3").
	var counted [maxShortAnswer]int16 // a noun's count, 0 when none
	var attached [maxShortAnswer]bool // a number that counts a noun
	for i, k := range kinds {
		if k != hhNumber {
			continue
		}
		if j := nounAfter(kinds, i); j >= 0 && counted[j] == 0 {
			counted[j], attached[i] = vals[i], true
			if vals[i] == 0 {
				counted[j] = -1 // "0 kids": no one
			}
		}
	}
	for j, k := range kinds {
		if k != hhMany || counted[j] != 0 {
			continue
		}
		i := j + 1
		for i < len(kinds) && (kinds[i] == hhPart || kinds[i] == hhPunct && !toks[i].is(n, ",")) {
			i++
		}
		if i < len(kinds) && kinds[i] == hhNumber && !attached[i] {
			counted[j], attached[i] = vals[i], true
			if vals[i] == 0 {
				counted[j] = -1
			}
		}
	}

	self, alone, weak, uncountable := false, false, false, false
	members := 0
	total, haveTotal, additive := 0, false, false
	for i, k := range kinds {
		switch k {
		case hhSelf:
			self = true
		case hhAlone:
			self, alone = true, true
		case hhWeak:
			weak = true
		case hhOne:
			if counted[i] > 0 {
				members += int(counted[i])
			} else if counted[i] == 0 {
				members++
			}
		case hhMany:
			switch {
			case counted[i] > 0:
				members += int(counted[i])
			case counted[i] == 0:
				uncountable = true
			}
		case hhAge:
			if nounAfter(kinds, i) < 0 && !followsOne(n, toks, kinds, i) {
				members++ // "my 2 year old"; in "my 2 year old son" the son counts
			}
		case hhNumber:
			if attached[i] {
				continue
			}
			v, add := int(vals[i]), numberAdds(n, toks, kinds, vals, i)
			if haveTotal && (v != total || add != additive) {
				return 0, false, false
			}
			total, haveTotal, additive = v, true, add
		}
	}

	if haveTotal && !additive {
		if total < 1 || total > maxHousehold {
			return 0, false, false
		}
		if members == 0 || uncountable {
			return total, true, true
		}
		if members+1 == total || !self && members == total {
			return total, true, true
		}
		return 0, false, false
	}
	if haveTotal {
		members += total
	}
	if uncountable {
		return 0, false, false
	}
	if members == 0 {
		switch {
		case alone:
			return 1, true, true
		case self:
			return 1, false, true
		case weak && !haveTotal:
			return 1, true, true
		}
		return 0, false, false
	}
	if self {
		members++
	}
	if members > maxHousehold {
		return 0, false, false
	}
	return members, false, true
}

// nounAfter returns the index of the One or Many noun that the number (or
// age) at kinds[i] describes: the next one, with at most three words in no
// list, Self words ("3 of my kids") or articles between. It returns -1 when
// there is none.
func nounAfter(kinds []householdKind, i int) int {
	j := i + 1
	for j < len(kinds) && kinds[j] == hhPart {
		j++
	}
	for skipped := 0; j < len(kinds); j++ {
		switch kinds[j] {
		case hhOne, hhMany:
			return j
		case hhPart:
			continue
		case hhOther, hhSelf, hhWeak:
			if skipped++; skipped > 3 {
				return -1
			}
		default:
			return -1
		}
	}
	return -1
}

// followsOne reports whether the age at kinds[i] describes the One noun
// before it, with at most two words in no list or commas between: "mi bebe
// de 8 meses", "my son, 5 years".
func followsOne(n string, toks []token, kinds []householdKind, i int) bool {
	for j, skipped := i-1, 0; j >= 0 && skipped <= 2; j-- {
		switch {
		case kinds[j] == hhPart:
			continue
		case kinds[j] == hhOne:
			return true
		case kinds[j] == hhOther || kinds[j] == hhPunct && toks[j].is(n, ","):
			skipped++
		default:
			return false
		}
	}
	return false
}

// numberAdds reports whether the number at kinds[i], counting no noun, adds
// people to those listed instead of giving the total: it follows a Self
// word ("my 3"), or "of"/"de" after one ("single mom of 2"), or a joiner
// after the person or listed people ("me and 3", "my wife and 2", "me with
// 3"), or it is followed, after at most two words
// in no list, by "and" and a person ("2 people and me", "2 y yo").
func numberAdds(n string, toks []token, kinds []householdKind, vals []int16, i int) bool {
	if p := i - 1; p >= 0 {
		p = litStart(kinds, p)
		switch kinds[p] {
		case hhSelf:
			return true
		case hhOther:
			// "single mom of 2", "madre soltera de 3"
			if (toks[p].is(n, "of") || toks[p].is(n, "de")) && p > 0 && kinds[litStart(kinds, p-1)] == hhSelf {
				return true
			}
		case hhJoin:
			if q := p - 1; q >= 0 && isPerson(kinds[litStart(kinds, q)]) {
				return true
			}
		}
	}
	j := i + 1
	for j < len(kinds) && kinds[j] == hhPart {
		j++
	}
	for skipped := 0; j < len(kinds) && kinds[j] == hhOther && skipped < 2; skipped++ {
		j++
	}
	if j+1 < len(kinds) && kinds[j] == hhJoin && vals[j] == joinAnd && isPerson(kinds[j+1]) {
		return true
	}
	return false
}

// isPerson reports whether a token of kind k names people.
func isPerson(k householdKind) bool {
	switch k {
	case hhSelf, hhAlone, hhOne, hhMany, hhAge:
		return true
	}
	return false
}
