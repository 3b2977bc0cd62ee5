package answer

import (
	"strconv"
	"strings"
)

// Period is how often an amount of money is received.
type Period int

const (
	// PerMonth is once a month; it is the zero value, so it is the default.
	PerMonth Period = iota
	// PerWeek is once a week.
	PerWeek
	// PerTwoWeeks is every two weeks: "biweekly", "cada dos semanas".
	// Spanish "quincenal" is NOT this; see PerHalfMonth.
	PerTwoWeeks
	// PerHalfMonth is twice a month: "semimonthly", "quincenal", "quincena".
	// It is 24 payments a year where PerTwoWeeks is 26, which matters for
	// income limits.
	PerHalfMonth
	// PerYear is once a year.
	PerYear
)

// perMonth returns the factor num/den that turns an amount per p into an
// amount per month, and false for a Period value outside the constants.
func (p Period) perMonth() (num, den int64, ok bool) {
	switch p {
	case PerMonth:
		return 1, 1, true
	case PerWeek:
		return 52, 12, true
	case PerTwoWeeks:
		return 26, 12, true
	case PerHalfMonth:
		return 2, 1, true
	case PerYear:
		return 1, 12, true
	}
	return 0, 0, false
}

// periodUnit is what a period word of an answer names. It extends Period
// with units Money recognizes only to refuse them: reading "15 an hour" as
// $15 a month would be badly wrong.
type periodUnit uint8

const (
	unitNone periodUnit = iota
	unitWeek
	unitMonth
	unitYear
	unitTwoWeeks
	unitHalfMonth
	unitUnsupported // hours, days, quarters, "bimonthly"...
)

// periodWords maps the normalized words of periods to their unit.
var periodWords = map[string]periodUnit{
	"week": unitWeek, "weeks": unitWeek, "weekly": unitWeek, "wk": unitWeek, "wks": unitWeek, "wkly": unitWeek,
	"semana": unitWeek, "semanas": unitWeek, "semanal": unitWeek, "semanales": unitWeek, "semanalmente": unitWeek,

	"month": unitMonth, "months": unitMonth, "monthly": unitMonth, "mo": unitMonth, "mos": unitMonth,
	"mth": unitMonth, "mnth": unitMonth, "mes": unitMonth, "meses": unitMonth, "mensual": unitMonth,
	"mensuales": unitMonth, "mensualmente": unitMonth,

	"year": unitYear, "years": unitYear, "yearly": unitYear, "yr": unitYear, "yrs": unitYear,
	"annual": unitYear, "annually": unitYear, "annum": unitYear, "ano": unitYear, "anos": unitYear,
	"anual": unitYear, "anuales": unitYear, "anualmente": unitYear,

	"biweekly": unitTwoWeeks, "fortnight": unitTwoWeeks, "fortnightly": unitTwoWeeks,
	"catorcena": unitTwoWeeks, "catorcenal": unitTwoWeeks,

	"semimonthly": unitHalfMonth, "quincena": unitHalfMonth, "quincenas": unitHalfMonth,
	"quincenal": unitHalfMonth, "quincenales": unitHalfMonth, "quincenalmente": unitHalfMonth,

	"day": unitUnsupported, "days": unitUnsupported, "daily": unitUnsupported, "dia": unitUnsupported,
	"dias": unitUnsupported, "diario": unitUnsupported, "hour": unitUnsupported, "hours": unitUnsupported,
	"hourly": unitUnsupported, "hr": unitUnsupported, "hrs": unitUnsupported, "hora": unitUnsupported,
	"horas": unitUnsupported, "quarter": unitUnsupported, "quarterly": unitUnsupported,
	"trimestral": unitUnsupported, "bimonthly": unitUnsupported, "bimensual": unitUnsupported,
	"bisemanal": unitUnsupported,
}

// dayWords are the period words for days, which Money accepts only in
// counts that make a supported period ("every 14 days").
var dayWords = map[string]bool{"day": true, "days": true, "dia": true, "dias": true}

// frequencyWords follow a count to say how often: "2 times", "dos veces",
// "2x". A number directly followed by one of them or by a period word is that
// count, not an amount ("every 2 weeks").
var frequencyWords = map[string]bool{"times": true, "veces": true, "x": true}

// periodFillers are the words between a count or "twice" and the period word
// ("twice a month", "dos veces al mes").
var periodFillers = map[string]bool{
	"a": true, "an": true, "per": true, "por": true, "al": true, "la": true, "el": true, "each": true,
	"every": true, "cada": true, "the": true, "in": true, "de": true, "del": true, "en": true,
}

// multiplierWords scale the number before them by a power of ten: "1.8k",
// "2 mil" (Spanish for 2000), "30 thousand". Millions and billions are here
// so that "1 billion" is refused as too much instead of being read as $1.
var multiplierWords = map[string]int{
	"hundred": 2, "k": 3, "thousand": 3, "grand": 3, "mil": 3,
	"million": 6, "millon": 6, "millones": 6, "billion": 9,
}

// zeroWords mean an amount of zero.
var zeroWords = map[string]bool{
	"zero": true, "cero": true, "none": true, "nothing": true, "nada": true, "ninguno": true, "ninguna": true,
}

// incomeWords after "no" or "sin" mean no income: "no income", "sin ingresos".
var incomeWords = map[string]bool{
	"income": true, "ingresos": true, "ingreso": true, "money": true, "dinero": true, "earnings": true,
}

const (
	// maxDollars bounds a stated amount before the period is applied: $10M a
	// month is $120M a year, so anything above this fails whatever the period.
	maxDollars = 200_000_000
	// maxMonthlyCents is the largest result, $10,000,000 a month.
	maxMonthlyCents = 1_000_000_000
	// microsPerDollar is the precision amounts are compared and converted
	// at. Every amount Money accepts is an exact number of micro-dollars, so
	// the result is rounded once, not at each step.
	microsPerDollar = 1_000_000
	// maxMicros is maxDollars in micro-dollars.
	maxMicros = maxDollars * microsPerDollar
)

// Money reads an amount of money and the period it is for, and returns it in
// cents per month (rounded half up to the cent). Accepts: "1800", "$1,800",
// "$1,800.50", "1800 dollars", "1.8k", "2k", "2000/mo", "2000 per month",
// "$2000 a month", "500 a week", "500/wk", "500 weekly", "500 every two
// weeks", "1000 biweekly", "900 twice a month", "30000 a year", "30k/yr",
// "30,000 annually", "$30000 per year", Spanish: "2000 al mes", "500 por
// semana", "500 a la semana", "30000 al año", "30000 por año", "30000 anual",
// "1.800" (dot followed by exactly three digits = thousands separator, as
// Spanish speakers write), "1.800,50" (Spanish decimal comma), "0", "$0",
// "none", "nothing", "no income", "zero", "nada", "ninguno", "cero", "sin
// ingresos" → 0. When no period is stated, assume is used. Conversions: week
// ×52/12, two weeks ×26/12, half month ×2, year ÷12. ok=false for no amount,
// negative, two different amounts, words without a number, or more than
// $10,000,000 a month. Spelled-out amounts beyond zero are not required.
//
// "every 7/14/15 days" ("cada 15 días") is a week, two weeks and half a
// month. Periods Money cannot convert exactly ("15 an hour", "100 a day",
// "every 3 weeks", "twice a week", "bimonthly") and answers naming two
// different periods give ok=false, as do amounts with more than six decimal
// places and an assume outside the Period constants when no period is
// stated. The result is computed from the exact written value and rounded
// once.
func Money(s string, assume Period) (monthlyCents int64, ok bool) {
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

	var amount int64 // in micro-dollars
	found := false
	unit := unitNone
	record := func(v int64) bool {
		if found && v != amount {
			return false
		}
		amount, found = v, true
		return true
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokForeignDigit:
			return 0, false
		case tokNumber:
			if isNegative(a, toks, i) || isExponent(a, toks, i) {
				return 0, false
			}
			if isCount(a, toks, i) {
				continue // read with the period word that follows it
			}
			lit := readLiteral(a, toks, i)
			i = lit.next - 1
			exp := 0 // the power of ten of a multiplier word after the number
			if i+1 < len(toks) && toks[i+1].kind == tokWord {
				if e, isMultiplier := multiplierWords[toks[i+1].text(a)]; isMultiplier {
					exp = e
					i++
				}
			}
			v, valid := micros(lit, exp)
			if !valid || !record(v) {
				return 0, false
			}
		case tokWord:
			w := t.text(a)
			if zeroWords[w] || noIncome(a, toks, i) {
				if !record(0) {
					return 0, false
				}
				continue
			}
			u := periodUnitAt(a, toks, i)
			if u == unitNone {
				continue
			}
			if u == unitUnsupported || unit != unitNone && u != unit {
				return 0, false
			}
			unit = u
		}
	}
	if !found {
		return 0, false
	}

	period := assume
	switch unit {
	case unitWeek:
		period = PerWeek
	case unitMonth:
		period = PerMonth
	case unitYear:
		period = PerYear
	case unitTwoWeeks:
		period = PerTwoWeeks
	case unitHalfMonth:
		period = PerHalfMonth
	}
	num, den, known := period.perMonth()
	if !known {
		return 0, false
	}
	// amount micro-dollars × num/den, in cents, rounded half up. amount ≤
	// 2e14 and num ≤ 52 keep this far from overflowing.
	q := microsPerDollar / 100 * den
	cents := (amount*num + q/2) / q
	if cents > maxMonthlyCents {
		return 0, false
	}
	return cents, true
}

// micros returns the amount lit × 10^exp in micro-dollars, and false when
// it is malformed, above maxDollars, or has more than six decimal places
// (which no one means as money, and which could not be rounded exactly).
func micros(lit literal, exp int) (int64, bool) {
	if lit.bad || lit.tooBig || lit.fracLen > 9 || lit.fracLen-exp > 6 {
		return 0, false
	}
	// whole ≤ maxLiteral = 1e12, so scaling it by at most 1e9 cannot
	// overflow before the comparison.
	whole := lit.whole
	for range exp {
		whole *= 10
		if whole > maxDollars {
			return 0, false
		}
	}
	if whole > maxDollars {
		return 0, false
	}
	// The value is (whole·10^fracLen + frac)·10^exp / 10^fracLen dollars;
	// scale it to micro-dollars. fracLen ≤ 9 keeps frac below 1e9.
	v := whole * microsPerDollar
	f := lit.frac
	for range exp + 6 - lit.fracLen {
		f *= 10
	}
	v += f
	if v > maxMicros {
		return 0, false
	}
	return v, true
}

// periodNouns are the period words that can follow a count ("2 weeks",
// "40 hours"); adjectives like "weekly" cannot.
var periodNouns = map[string]bool{
	"week": true, "weeks": true, "wk": true, "wks": true, "semana": true, "semanas": true,
	"month": true, "months": true, "mes": true, "meses": true, "year": true, "years": true, "yr": true,
	"yrs": true, "ano": true, "anos": true, "day": true, "days": true, "dia": true, "dias": true,
	"hour": true, "hours": true, "hr": true, "hrs": true, "hora": true, "horas": true,
}

// isCount reports whether the number at toks[i] counts periods or times
// ("every 2 weeks", "2 times a month", "2x", "40 hours") instead of being an
// amount. Only small numbers written without "$" qualify, so "$500 week"
// and "1,500 weeks" stay amounts.
func isCount(n string, toks []token, i int) bool {
	if i+1 >= len(toks) || toks[i+1].kind != tokWord || i > 0 && toks[i-1].is(n, "$") {
		return false
	}
	next := toks[i+1].text(n)
	if !frequencyWords[next] && !periodNouns[next] {
		return false
	}
	v, tooBig := digitsValue(toks[i].text(n))
	return !tooBig && v <= 52
}

// periodUnitAt returns the period that the word at toks[i] names, reading
// the words before it: "two weeks", "every other week", "bi-weekly" are two
// weeks; "twice a month", "2x a month", "semi-monthly" are half a month; any
// other count ("every 3 weeks", "twice a week") is unsupported.
func periodUnitAt(n string, toks []token, i int) periodUnit {
	u := periodWords[toks[i].text(n)]
	if u == unitNone {
		return unitNone
	}
	k := i - 1
	for k >= 0 && (toks[k].kind == tokSymbol || toks[k].kind == tokWord && periodFillers[toks[k].text(n)]) {
		k--
	}
	if k < 0 {
		return u
	}
	switch {
	case isTwo(n, toks, k) || toks[k].is(n, "other") || toks[k].is(n, "otra") || toks[k].is(n, "bi"):
		if u == unitWeek {
			return unitTwoWeeks
		}
		return unitUnsupported
	case toks[k].is(n, "twice") || toks[k].is(n, "semi"):
		if u == unitMonth {
			return unitHalfMonth
		}
		return unitUnsupported
	case toks[k].kind == tokWord && frequencyWords[toks[k].text(n)]:
		if k > 0 && isTwo(n, toks, k-1) && u == unitMonth {
			return unitHalfMonth
		}
		return unitUnsupported
	case toks[k].kind == tokNumber && isCount(n, toks, k):
		count, _ := digitsValue(toks[k].text(n))
		if count == 1 {
			return u
		}
		if dayWords[toks[i].text(n)] {
			// "cada 15 días" is how many Spanish speakers say quincenal.
			switch count {
			case 7:
				return unitWeek
			case 14:
				return unitTwoWeeks
			case 15:
				return unitHalfMonth
			}
		}
		return unitUnsupported
	}
	return u
}

// isTwo reports whether toks[k] is the count two ("two", "dos", or a 2 that
// isCount).
func isTwo(n string, toks []token, k int) bool {
	t := toks[k]
	if t.kind == tokNumber {
		v, _ := digitsValue(t.text(n))
		return v == 2 && isCount(n, toks, k)
	}
	return t.is(n, "two") || t.is(n, "dos")
}

// noIncome reports whether the word at toks[i] is an income word after "no",
// "sin" or "without", with at most one word between ("no tengo ingresos").
func noIncome(n string, toks []token, i int) bool {
	if !incomeWords[toks[i].text(n)] {
		return false
	}
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		if toks[k].is(n, "no") || toks[k].is(n, "sin") || toks[k].is(n, "without") {
			return true
		}
	}
	return false
}

// FormatMoney writes cents as dollars with thousands separators: 216667 → "$2,166.67",
// 200000 → "$2,000".
func FormatMoney(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	digits := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteByte('$')
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if rest := cents % 100; rest != 0 {
		b.WriteByte('.')
		if rest < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(rest, 10))
	}
	return b.String()
}
