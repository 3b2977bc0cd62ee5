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
	// Once is a single amount, not a rate: a debt, a deposit, back rent
	// ("$6,000", "6k", "i owe 6000"). Money and ReadMoney return the amount
	// itself for it, and refuse an answer that names any period.
	Once
	// PerHour is an hourly rate. Money never reads one; ReadMoney turns it
	// into a monthly amount with the hours a week stated or assumed (40).
	PerHour
	// PerPaycheck is an amount per paycheck. Money never reads one;
	// ReadMoney assumes a paycheck every two weeks.
	PerPaycheck
)

// perMonth returns the factor num/den that turns an amount per p into an
// amount per month, and false for Once, PerHour and PerPaycheck (which need
// more than a factor, or an assumption) and for a Period value outside the
// constants.
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
	unitHour        // an hourly rate, which only ReadMoney reads
	unitUnsupported // days, quarters, "bimonthly"...
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
	"dias": unitUnsupported, "diario": unitUnsupported, "hour": unitHour, "hours": unitHour,
	"hourly": unitHour, "hr": unitHour, "hrs": unitHour, "hora": unitHour,
	"horas": unitHour, "h": unitHour, "quarter": unitUnsupported, "quarterly": unitUnsupported,
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
//
// With assume Once the amount itself is returned, not a monthly amount, and
// an answer naming any period is refused ("6000" is 600000, "6000 a month"
// is not ok). Amounts per paycheck ("1200 a paycheck", "1200 per check",
// "1200 por cheque", "my paycheck is 1200") are refused like hourly rates,
// unless the answer also names a period ("my paycheck is 1200 every two
// weeks"), which wins; so are answers stating hours worked, and assume
// PerHour or PerPaycheck when no period is stated. ReadMoney reads all of
// those. "h" is an hour word ("$15/h"), so such answers are refused too.
func Money(s string, assume Period) (monthlyCents int64, ok bool) {
	r, ok := readMoney(s, assume, false, nil)
	return r.Cents, ok
}

// MoneyReading is what an amount of money was read as.
type MoneyReading struct {
	// Cents is the amount per month in cents, rounded half up once from
	// the exact written value; for Once it is the amount itself.
	Cents int64
	// Given is the amount as the person stated it, in cents rounded half
	// up: 1500 for "$15 an hour", 120000 for "1200 a paycheck".
	Given int64
	// Per is what Given is for: the period the answer names, or assume when
	// it names none. It is PerHour for an hourly rate and PerPaycheck for an
	// amount per paycheck, so the engine can say "$15 an hour" back.
	Per Period
	// Hours is the hours a week an hourly rate was multiplied by (40 when
	// assumed), 1..100; 0 unless Per is PerHour.
	Hours int
	// Unsure is true when something was assumed: full time (40 hours a
	// week) for an hourly rate, or a week for hours stated without a period
	// ("30 hours"), or a paycheck every two weeks. The engine should confirm
	// the reading with the person.
	Unsure bool
}

// ReadMoney reads an amount of money as people say it and returns the
// monthly amount with how it was read. Everything Money accepts, ReadMoney
// accepts with the same Cents, Per the stated period or assume, and Unsure
// false. In addition it reads:
//
//   - hourly rates: "$15 an hour", "15/hr", "$15/h", "15 hourly", "15 per hr",
//     "15 la hora", "15 por hora", "15 a la hora". Without hours, 40 a week
//     are assumed (Unsure): 15×40×52/12 = $2,600 a month. Hours a week may
//     be given anywhere in the answer: "15 an hour 30 hours a week",
//     "$15/hr, 30 hrs/wk", "30 hours a week at 15 an hour", "15 la hora 30
//     horas a la semana", "30 horas semanales" (Unsure false). Hours must be
//     a whole number 1..100; hours stated without a period ("30 hours") are
//     taken as a week (Unsure); hours per any other period ("8 hours a
//     day") are refused, as are "part time"/"medio tiempo"/"tiempo parcial"
//     without hours. "full time" is the assumed 40 (still Unsure).
//   - amounts per paycheck: "1200 a paycheck", "1200 per check", "1200 each
//     paycheck", "1200 every check", "my paycheck is 1200", "1200 por
//     cheque", "1200 cada cheque": a paycheck every two weeks is assumed
//     (×26/12, Unsure). A period named too ("1200 a paycheck, every two
//     weeks") wins and nothing is assumed. "check" and "cheque" alone count
//     only after "per", "each", "every", "por", "cada", "pay", or after "a"
//     or "an" that follows an amount, so "I get a check for 900 a month" or
//     "900 ssi check" stay monthly.
//   - assume PerHour or PerPaycheck make an amount without a period an
//     hourly rate or an amount per paycheck, with the same assumptions.
//   - assume Once: the amount itself ("$6,000", "6k", "6 grand", "i owe
//     6000"); an answer naming any period, a paycheck or hours is refused.
//
// An hourly rate together with a paycheck, or hours with an amount that is
// not hourly, is refused. The result is bounded like Money's: at most
// $10,000,000 (a month, or once).
func ReadMoney(s string, assume Period) (MoneyReading, bool) {
	return readMoney(s, assume, true, nil)
}

// ReadMoneyWith is ReadMoney that also knows a pack's own words for periods,
// hours and paychecks (w; nil for none), beside the parser's English and
// Spanish ones: a pack in another language, or with a region's words, tells
// "15 par heure" from $15 a month.
func ReadMoneyWith(s string, assume Period, w *MoneyWords) (MoneyReading, bool) {
	return readMoney(s, assume, true, w)
}

// MoneyWords are a pack's own words for money answers (NewMoneyWords).
type MoneyWords struct {
	period   map[string]periodUnit
	paycheck map[string]bool
}

// NewMoneyWords compiles a pack's words, each one word already passed
// through Normalize: those that mean an hour ("heure"), a paycheck, a week,
// two weeks, half a month, a month and a year. A word the parser knows keeps
// its own meaning.
func NewMoneyWords(hour, paycheck, week, twoWeeks, halfMonth, month, year []string) *MoneyWords {
	w := &MoneyWords{period: map[string]periodUnit{}, paycheck: map[string]bool{}}
	for unit, words := range map[periodUnit][]string{unitHour: hour, unitWeek: week, unitTwoWeeks: twoWeeks,
		unitHalfMonth: halfMonth, unitMonth: month, unitYear: year} {
		for _, word := range words {
			w.period[word] = unit
		}
	}
	for _, word := range paycheck {
		w.paycheck[word] = true
	}
	return w
}

// unitOf is the period a word names: the parser's, else the pack's.
func (w *MoneyWords) unitOf(word string) periodUnit {
	if u := periodWords[word]; u != unitNone || w == nil {
		return u
	}
	return w.period[word]
}

// isHour reports whether a word names hours worked.
func (w *MoneyWords) isHour(word string) bool {
	return hourWords[word] || w != nil && w.period[word] == unitHour && periodWords[word] == unitNone
}

// isPaycheck reports whether a word names a paycheck by itself.
func (w *MoneyWords) isPaycheck(word string) bool {
	return paycheckWords[word] || w != nil && w.paycheck[word]
}

// readMoney is Money (extended false) and ReadMoney (extended true). The two
// differ only on answers Money refuses, so ReadMoney agrees with Money
// wherever Money is ok.
func readMoney(s string, assume Period, extended bool, words *MoneyWords) (MoneyReading, bool) {
	if len(s) > 4*maxShortAnswer {
		return MoneyReading{}, false
	}
	a := Normalize(s)
	if a == "" || len(a) > maxShortAnswer {
		return MoneyReading{}, false
	}
	var buf [maxShortAnswer]token
	toks, fits := tokenize(a, buf[:0])
	if !fits {
		return MoneyReading{}, false
	}

	var amount int64 // in micro-dollars
	found := false
	unit := unitNone
	paycheck := false    // a paycheck word: an amount per paycheck
	hours := 0           // hours worked stated in the answer, 0 if none
	hoursWeekly := false // the hours were stated per week
	partTime := false    // "part time": the rate's hours cannot be assumed
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
			return MoneyReading{}, false
		case tokNumber:
			if isNegative(a, toks, i) || isExponent(a, toks, i) {
				return MoneyReading{}, false
			}
			if extended {
				// "30 hours (a week)": hours worked, not an amount. Money
				// refuses every answer with an hour word, so reading them
				// here changes nothing it accepts.
				h, next, weekly, isHours, valid := hoursAt(a, toks, i, words)
				if isHours {
					if !valid || hours != 0 && (h != hours || weekly != hoursWeekly) {
						return MoneyReading{}, false
					}
					hours, hoursWeekly = h, weekly
					i = next - 1
					continue
				}
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
				return MoneyReading{}, false
			}
		case tokWord:
			w := t.text(a)
			if zeroWords[w] || noIncome(a, toks, i) {
				if !record(0) {
					return MoneyReading{}, false
				}
				continue
			}
			if isPaycheck(a, toks, i, words) {
				paycheck = true
				continue
			}
			if isPartTime(a, toks, i) {
				partTime = true
				continue
			}
			u := periodUnitAt(a, toks, i, words)
			if u == unitNone {
				continue
			}
			if u == unitUnsupported || u == unitHour && !extended || unit != unitNone && u != unit {
				return MoneyReading{}, false
			}
			unit = u
		}
	}
	if !found {
		return MoneyReading{}, false
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
	case unitHour:
		period = PerHour
	case unitNone:
		if paycheck {
			period = PerPaycheck
		}
	}
	switch {
	case assume == Once && (unit != unitNone || paycheck || hours != 0):
		return MoneyReading{}, false // a debt has no period
	case paycheck && unit == unitHour:
		return MoneyReading{}, false
	case hours != 0 && period != PerHour:
		return MoneyReading{}, false
	case !extended && (period == PerHour || period == PerPaycheck):
		return MoneyReading{}, false
	}

	r := MoneyReading{Per: period, Given: roundMicros(amount, 1, 1)}
	var num, den int64
	switch period {
	case Once:
		num, den = 1, 1
	case PerHour:
		r.Hours = hours
		if hours == 0 {
			if partTime {
				return MoneyReading{}, false
			}
			r.Hours = 40
		}
		r.Unsure = !hoursWeekly
		num, den = 52*int64(r.Hours), 12
	case PerPaycheck:
		r.Unsure = true
		num, den = 26, 12
	default:
		var known bool
		if num, den, known = period.perMonth(); !known {
			return MoneyReading{}, false
		}
	}
	r.Cents = roundMicros(amount, num, den)
	if r.Cents > maxMonthlyCents {
		return MoneyReading{}, false
	}
	return r, true
}

// roundMicros returns amount micro-dollars × num/den in cents, rounded half
// up. amount ≤ maxMicros = 2e14 and num ≤ 52×100 keep it far from
// overflowing.
func roundMicros(amount, num, den int64) int64 {
	q := microsPerDollar / 100 * den
	return (amount*num + q/2) / q
}

// hourWords are the nouns that make a number before them hours worked.
var hourWords = map[string]bool{"hour": true, "hours": true, "hr": true, "hrs": true, "h": true, "hora": true, "horas": true}

// hoursAt reports whether the number at toks[i] is hours worked: a number
// directly followed by an hour noun ("30 hours", "30hrs"), not after "$".
// It returns the hours, the index of the first token after them (and after
// a following week: "30 hours a week", "30 hrs/wk", "30 horas a la
// semana", "30 horas semanales"), and whether a week was named. valid is
// false for hours that are not a whole number 1..100 or are per another
// period ("8 hours a day").
func hoursAt(n string, toks []token, i int, words *MoneyWords) (h, next int, weekly, isHours, valid bool) {
	if i > 0 && toks[i-1].is(n, "$") {
		return 0, 0, false, false, false
	}
	lit := readLiteral(n, toks, i)
	next = lit.next
	if next >= len(toks) || toks[next].kind != tokWord || !words.isHour(toks[next].text(n)) {
		return 0, 0, false, false, false
	}
	if lit.bad || lit.tooBig || lit.fracLen > 0 || lit.whole < 1 || lit.whole > 100 {
		return 0, 0, false, true, false
	}
	h = int(lit.whole)
	next++
	k := next
	for k < len(toks) && (toks[k].kind == tokSymbol && !toks[k].is(n, "$") ||
		toks[k].kind == tokWord && periodFillers[toks[k].text(n)]) {
		k++
	}
	if k < len(toks) && toks[k].kind == tokWord {
		switch words.unitOf(toks[k].text(n)) {
		case unitNone:
		case unitWeek:
			return h, k + 1, true, true, true
		default:
			return 0, 0, false, true, false
		}
	}
	return h, next, false, true, true
}

// paycheckWords name a paycheck; the weak ones ("check", "cheque") only in
// the contexts isPaycheck describes.
var paycheckWords = map[string]bool{"paycheck": true, "paychecks": true, "paystub": true}

// weakPaycheckWords are "check" and "cheque", which also name other checks.
var weakPaycheckWords = map[string]bool{"check": true, "checks": true, "cheque": true, "cheques": true}

// paycheckLeads before a weak paycheck word make it a paycheck.
var paycheckLeads = map[string]bool{"per": true, "each": true, "every": true, "por": true, "cada": true, "pay": true}

// amountTails are words that end an amount, before "a check".
var amountTails = map[string]bool{"dollars": true, "dolares": true, "bucks": true, "dlls": true, "usd": true}

// isPaycheck reports whether the word at toks[i] says the amount is per
// paycheck: "paycheck" anywhere, or "check"/"cheque" after "per", "each",
// "every", "por", "cada" or "pay", or after "a"/"an" following an amount
// ("1200 a check", "1.2k a check", "1200 dollars a check").
func isPaycheck(n string, toks []token, i int, words *MoneyWords) bool {
	w := toks[i].text(n)
	if words.isPaycheck(w) {
		return true
	}
	if !weakPaycheckWords[w] || i == 0 || toks[i-1].kind != tokWord {
		return false
	}
	prev := toks[i-1].text(n)
	if paycheckLeads[prev] {
		return true
	}
	if (prev != "a" && prev != "an") || i < 2 {
		return false
	}
	before := toks[i-2]
	return before.kind == tokNumber || before.kind == tokWord &&
		(multiplierWords[before.text(n)] != 0 || amountTails[before.text(n)])
}

// isPartTime reports whether the word at toks[i] starts "part time",
// "part-time", "parttime", "medio tiempo" or "tiempo parcial".
func isPartTime(n string, toks []token, i int) bool {
	w := toks[i].text(n)
	if w == "parttime" {
		return true
	}
	k := i + 1
	if k < len(toks) && toks[k].is(n, "-") {
		k++
	}
	if k >= len(toks) {
		return false
	}
	return w == "part" && toks[k].is(n, "time") || w == "medio" && toks[k].is(n, "tiempo") ||
		w == "tiempo" && toks[k].is(n, "parcial")
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
func periodUnitAt(n string, toks []token, i int, words *MoneyWords) periodUnit {
	u := words.unitOf(toks[i].text(n))
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
