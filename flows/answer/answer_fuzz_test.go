package answer

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The seed corpus for these targets is in testdata/fuzz/FuzzXxx. Each
// target checks properties of the result, not only that nothing panics.

func FuzzNormalize(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		out := Normalize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, out)
		}
		if again := Normalize(out); again != out {
			t.Fatalf("Normalize not idempotent: Normalize(%q) = %q, Normalize(%q) = %q", s, out, out, again)
		}
		if padded := Normalize(" \u00a0" + s + " ?\t"); padded != out {
			t.Fatalf("Normalize(padded %q) = %q; want %q", s, padded, out)
		}
		if strings.Contains(out, "  ") {
			t.Fatalf("Normalize(%q) = %q: has a double space", s, out)
		}
		if out != "" {
			first, _ := utf8.DecodeRuneInString(out)
			last, _ := utf8.DecodeLastRuneInString(out)
			if isTrimmed(first) || isTrimmed(last) {
				t.Fatalf("Normalize(%q) = %q: not trimmed", s, out)
			}
		}
		for _, r := range out {
			if r != ' ' && unicode.IsSpace(r) || unicode.IsControl(r) || 'A' <= r && r <= 'Z' ||
				r >= latinFoldFirst && r < latinFoldFirst+rune(len(latinFold)) && latinFold[r-latinFoldFirst] != "" {
				t.Fatalf("Normalize(%q) = %q: contains %U", s, out, r)
			}
		}
	})
}

func FuzzYesNo(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		yes, ok := YesNo(s)
		if !ok && yes {
			t.Fatalf("YesNo(%q) = true, false: yes without ok", s)
		}
		if yes2, ok2 := YesNo(Normalize(s)); yes2 != yes || ok2 != ok {
			t.Fatalf("YesNo(%q) = %v, %v but YesNo(Normalize) = %v, %v", s, yes, ok, yes2, ok2)
		}
	})
}

func FuzzNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Number(s)
		if !ok {
			if n != 0 {
				t.Fatalf("Number(%q) = %d, false; want 0 when not ok", s, n)
			}
			return
		}
		if n < 0 || n > 1_000_000 {
			t.Fatalf("Number(%q) = %d: out of range", s, n)
		}
		if back, ok := Number(strconv.Itoa(n)); back != n || !ok {
			t.Fatalf("Number(%q) = %d but Number(%q) = %d, %v", s, n, strconv.Itoa(n), back, ok)
		}
		if len(s) < 4*maxShortAnswer-4 {
			if n2, ok2 := Number(" " + s + " "); n2 != n || !ok2 {
				t.Fatalf("Number(%q) = %d but with spaces around = %d, %v", s, n, n2, ok2)
			}
		}
	})
}

func FuzzMoney(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for p := PerMonth; p <= PerYear; p++ {
			c, ok := Money(s, p)
			if !ok {
				if c != 0 {
					t.Fatalf("Money(%q, %d) = %d, false; want 0 when not ok", s, p, c)
				}
				continue
			}
			if c < 0 || c > 1_000_000_000 {
				t.Fatalf("Money(%q, %d) = %d: out of range", s, p, c)
			}
			dollars := fmt.Sprintf("$%d.%02d", c/100, c%100)
			if back, ok := Money(dollars, PerMonth); back != c || !ok {
				t.Fatalf("Money(%q, %d) = %d but Money(%q) = %d, %v", s, p, c, dollars, back, ok)
			}
		}
	})
}

// fuzzTodays are the days FuzzDate reads dates relative to: an ordinary
// day, the last day of a year, a leap day and the turn of a century.
var fuzzTodays = []time.Time{
	time.Date(2026, time.March, 11, 0, 0, 0, 0, time.UTC),
	time.Date(2025, time.December, 31, 0, 0, 0, 0, time.UTC),
	time.Date(2024, time.February, 29, 0, 0, 0, 0, time.UTC),
	time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC),
}

// mentionsNoYear reports whether s cannot contain a year: at most two runs
// of ASCII digits, none longer than two.
func mentionsNoYear(s string) bool {
	runs, length := 0, 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			if length == 0 {
				runs++
			}
			length++
			if length > 2 {
				return false
			}
		} else {
			length = 0
		}
	}
	return runs <= 2
}

func FuzzDate(f *testing.F) {
	elsewhere := time.FixedZone("UTC-10", -10*3600)
	f.Fuzz(func(t *testing.T, s string) {
		for _, today := range fuzzTodays {
			d, ok := Date(s, today)
			if !ok {
				if !d.IsZero() {
					t.Fatalf("Date(%q, %v) = %v, false; want the zero time when not ok", s, today, d)
				}
				continue
			}
			if d.Year() < 1900 || d.Year() > 2200 {
				t.Fatalf("Date(%q, %v) = %v: year out of range", s, today, d)
			}
			if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
				t.Fatalf("Date(%q, %v) = %v: not midnight UTC", s, today, d)
			}
			if mentionsNoYear(s) {
				if dist := d.Sub(today); dist > 367*24*time.Hour || dist < -367*24*time.Hour {
					t.Fatalf("Date(%q, %v) = %v: more than a year away although no year was given", s, today, d)
				}
			}
			// Only the calendar date of today matters.
			late := time.Date(today.Year(), today.Month(), today.Day(), 23, 59, 59, 0, elsewhere)
			if d2, ok2 := Date(s, late); !ok2 || !d2.Equal(d) {
				t.Fatalf("Date(%q, %v) = %v but Date(%q, %v) = %v, %v", s, today, d, s, late, d2, ok2)
			}
		}
	})
}

func FuzzZIP(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		zip, ok := ZIP(s)
		if !ok {
			if zip != "" {
				t.Fatalf("ZIP(%q) = %q, false; want empty when not ok", s, zip)
			}
			return
		}
		if len(zip) != 5 || !allDigits(zip) {
			t.Fatalf("ZIP(%q) = %q: not five ASCII digits", s, zip)
		}
		if again, ok := ZIP(zip); again != zip || !ok {
			t.Fatalf("ZIP(%q) = %q but ZIP(%q) = %q, %v", s, zip, zip, again, ok)
		}
	})
}

func FuzzPhone(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, region := range []string{"US", "MX", "GB", ""} {
			e164, ok := Phone(s, region)
			if !ok {
				if e164 != "" {
					t.Fatalf("Phone(%q, %q) = %q, false; want empty when not ok", s, region, e164)
				}
				continue
			}
			if len(e164) < 2 || len(e164) > 16 || e164[0] != '+' || !allDigits(e164[1:]) {
				t.Fatalf("Phone(%q, %q) = %q: not E.164", s, region, e164)
			}
			if again, ok := Phone(e164, region); again != e164 || !ok {
				t.Fatalf("Phone(%q, %q) = %q but Phone(%q) = %q, %v", s, region, e164, e164, again, ok)
			}
		}
	})
}

func FuzzText(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, max := range []int{0, 1, 5, 160} {
			clean, ok := Text(s, max)
			if !utf8.ValidString(clean) {
				t.Fatalf("Text(%q, %d) = %q: invalid UTF-8", s, max, clean)
			}
			for _, r := range clean {
				if unicode.IsControl(r) || r != ' ' && unicode.IsSpace(r) || r == utf8.RuneError {
					t.Fatalf("Text(%q, %d) = %q: contains %U", s, max, clean, r)
				}
			}
			if strings.Contains(clean, "  ") || strings.TrimSpace(clean) != clean {
				t.Fatalf("Text(%q, %d) = %q: spaces not collapsed and trimmed", s, max, clean)
			}
			runes := utf8.RuneCountInString(clean)
			if ok && (clean == "" || max > 0 && runes > max) {
				t.Fatalf("Text(%q, %d) = %q, true: empty or over %d runes", s, max, clean, max)
			}
			if !ok && clean != "" && (max <= 0 || runes <= max) {
				t.Fatalf("Text(%q, %d) = %q, false: but it is fine", s, max, clean)
			}
			if again, ok2 := Text(clean, max); again != clean || ok2 != ok {
				t.Fatalf("Text not idempotent: Text(%q, %d) = %q, %v; Text(that) = %q, %v", s, max, clean, ok, again, ok2)
			}
		}
	})
}

func FuzzIsSkip(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		skip := IsSkip(s)
		if IsSkip(Normalize(s)) != skip {
			t.Fatalf("IsSkip(%q) = %v but IsSkip(Normalize) = %v", s, skip, !skip)
		}
		if IsSkip("  ¿"+s+"?! ") != skip {
			t.Fatalf("IsSkip(%q) = %v but with punctuation around = %v", s, skip, !skip)
		}
	})
}

func FuzzChoice(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		// A fuzzed answer against the menu, and the answer itself as one
		// more option, which it must then pick unless another also matches.
		options := append(legalIssues[:len(legalIssues):len(legalIssues)], []string{Normalize(s)})
		index, ok := Choice(s, options)
		if !ok {
			if index != 0 {
				t.Fatalf("Choice(%q) = %d, false; want 0 when not ok", s, index)
			}
			if Normalize(s) != "" {
				if i, ok := Choice(s, legalIssues); ok && i >= 0 {
					// Fine: the answer also matched the menu, so the extra
					// option made it ambiguous.
					return
				}
				t.Fatalf("Choice(%q) with itself as an option = false", s)
			}
			return
		}
		if index < 0 || index >= len(options) {
			t.Fatalf("Choice(%q) = %d: out of range", s, index)
		}
		if index != len(options)-1 {
			t.Fatalf("Choice(%q) = %d; want %d, the option that is the answer itself", s, index, len(options)-1)
		}
		if i2, ok2 := Choice(Normalize(s), options); i2 != index || !ok2 {
			t.Fatalf("Choice(%q) = %d but Choice(Normalize) = %d, %v", s, index, i2, ok2)
		}
	})
}

func FuzzHousehold(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n, sure, ok := Household(s, householdWords)
		if !ok {
			if n != 0 || sure {
				t.Fatalf("Household(%q) = %d, %v, false; want 0, false when not ok", s, n, sure)
			}
		} else if n < 1 || n > 99 {
			t.Fatalf("Household(%q) = %d: out of range", s, n)
		}
		// Within the bound on what is read at all: a longer answer is refused
		// by its length before it is normalized (and may normalize shorter).
		if n2, sure2, ok2 := Household(Normalize(s), householdWords); len(s) <= 4*maxShortAnswer && (n2 != n || sure2 != sure || ok2 != ok) {
			t.Fatalf("Household(%q) = %d, %v, %v but Household(Normalize) = %d, %v, %v", s, n, sure, ok, n2, sure2, ok2)
		}
		if len(s) < 4*maxShortAnswer-4 {
			if n2, sure2, ok2 := Household(" "+s+" ", householdWords); n2 != n || sure2 != sure || ok2 != ok {
				t.Fatalf("Household(%q) = %d, %v, %v but with spaces around = %d, %v, %v", s, n, sure, ok, n2, sure2, ok2)
			}
		}
		// Without words, only numbers can be read.
		if n, sure, ok := Household(s, HouseholdWords{}); !ok && (n != 0 || sure) || ok && (n < 1 || n > 99) {
			t.Fatalf("Household(%q, no words) = %d, %v, %v", s, n, sure, ok)
		}
	})
}

func FuzzReadMoney(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []Period{PerMonth, PerWeek, PerTwoWeeks, PerHalfMonth, PerYear, Once, PerHour, PerPaycheck, Period(99)} {
			r, ok := ReadMoney(s, p)
			if !ok {
				if r != (MoneyReading{}) {
					t.Fatalf("ReadMoney(%q, %d) = %+v, false; want the zero reading when not ok", s, p, r)
				}
			}
			if c, mok := Money(s, p); mok && (!ok || r.Cents != c || r.Unsure || r.Hours != 0 || r.Per == PerHour || r.Per == PerPaycheck) {
				t.Fatalf("Money(%q, %d) = %d, true but ReadMoney = %+v, %v", s, p, c, r, ok)
			}
			if !ok {
				continue
			}
			if r.Cents < 0 || r.Cents > 1_000_000_000 || r.Given < 0 {
				t.Fatalf("ReadMoney(%q, %d) = %+v: out of range", s, p, r)
			}
			if (r.Per == PerHour) != (r.Hours >= 1 && r.Hours <= 100) || r.Per != PerHour && r.Hours != 0 {
				t.Fatalf("ReadMoney(%q, %d) = %+v: hours without an hourly rate or out of range", s, p, r)
			}
			if r.Unsure && r.Per != PerHour && r.Per != PerPaycheck || r.Per == PerPaycheck && !r.Unsure {
				t.Fatalf("ReadMoney(%q, %d) = %+v: Unsure wrong for Per", s, p, r)
			}
			if (p == Once) != (r.Per == Once) {
				t.Fatalf("ReadMoney(%q, %d) = %+v: Once only when assumed", s, p, r)
			}
			// Cents is Given times the period's factor, up to the rounding
			// of each: 2|Cents·den − Given·num| ≤ den + num.
			var num, den int64
			switch r.Per {
			case Once:
				num, den = 1, 1
			case PerHour:
				num, den = 52*int64(r.Hours), 12
			case PerPaycheck:
				num, den = 26, 12
			default:
				var known bool
				if num, den, known = r.Per.perMonth(); !known {
					t.Fatalf("ReadMoney(%q, %d) = %+v: unknown Per", s, p, r)
				}
			}
			if d := r.Cents*den - r.Given*num; 2*max(d, -d) > den+num {
				t.Fatalf("ReadMoney(%q, %d) = %+v: Cents is not Given × %d/%d", s, p, r, num, den)
			}
			if r2, ok2 := ReadMoney(Normalize(s), p); r2 != r || !ok2 {
				t.Fatalf("ReadMoney(%q, %d) = %+v but ReadMoney(Normalize) = %+v, %v", s, p, r, r2, ok2)
			}
		}
	})
}
