package email

import (
	"regexp"
	"strings"

	"github.com/hotline-legal/hotline/flows/answer"
)

// defaultCountry reads phone numbers written without a country code when
// Options.Country is "": the sample pack's country.
const defaultCountry = "US"

// phoneLike finds what may be a phone number in a text: digits with the
// spaces, dots, dashes, parentheses and leading + that people write them with.
// Each candidate is then read by answer.Phone (github.com/nyaruka/phonenumbers),
// which decides whether it is a valid number.
var phoneLike = regexp.MustCompile(`\+?\(?[0-9][0-9 ().-]{5,}[0-9]`)

// minPhoneDigits and maxPhoneDigits bound the digits of a candidate worth
// reading: fewer is a ZIP code, an amount or a year, more is not a number.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

// linkPhones is text as a sentence in which every phone number is a tel:
// link, written as in text; the HTML part escapes the rest. The text part
// writes text unchanged (the sentence's String).
func linkPhones(text, country string) sentence {
	if digits(text) < minPhoneDigits {
		// Most values (a name, a date, an amount): no number to look for,
		// and no regexp to run.
		return sentence{{Text: text, plain: text}}
	}
	var s sentence
	plain := func(t string) {
		if t != "" {
			s = append(s, span{Text: t, plain: t})
		}
	}
	rest := 0
	for _, m := range phoneLike.FindAllStringIndex(text, -1) {
		start, end, e164 := findPhone(text[m[0]:m[1]], country)
		if e164 == "" {
			continue
		}
		start, end = m[0]+start, m[0]+end
		plain(text[rest:start])
		s = append(s, span{Text: text[start:end], plain: text[start:end], Tel: telURL(e164)})
		rest = end
	}
	plain(text[rest:])
	return s
}

// findPhone looks in a candidate for a phone number: the whole of it, else
// the longest part of it between spaces (so that "3 312-555-0177" or
// "312-555-0177 2" still finds the number). It returns where the number is and
// its E.164 form; "" when there is none.
func findPhone(c, country string) (start, end int, e164 string) {
	cuts := []int{0}
	for i := 0; i < len(c); i++ {
		if c[i] == ' ' {
			cuts = append(cuts, i+1)
		}
	}
	if len(cuts) > 8 {
		cuts = cuts[:8] // a long run of numbers is not worth every split
	}
	// The longest parts first: from each start, the longest end.
	for _, from := range cuts {
		for to := len(c); to > from; {
			part := strings.TrimSpace(c[from:to])
			if n := digits(part); n >= minPhoneDigits && n <= maxPhoneDigits {
				if e, ok := answer.Phone(part, country); ok {
					return from, from + len(part), e
				}
			}
			i := strings.LastIndexByte(c[from:to], ' ')
			if i < 0 {
				break
			}
			to = from + i
		}
	}
	return 0, 0, ""
}

// digits counts the ASCII digits of s.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// linkFacts sets each fact's Spans, unless set already (a number known to be
// one, like the callback): its value with a tel: link on each phone number.
func linkFacts(facts []fact, country string) {
	for i := range facts {
		if facts[i].Spans == nil {
			facts[i].Spans = linkPhones(facts[i].Value, country)
		}
	}
}

// phoneFact is the fact label: value, where value is the phone number phone
// (E.164, or as written for people) as staff read it: a tel: link without a
// second parse when phone is plainly a number; else linkFacts looks at it.
func phoneFact(label, value, phone string) fact {
	f := fact{Label: label, Value: value}
	if tel := telURL(phone); tel != "" {
		f.Spans = sentence{{Text: value, plain: value, Tel: tel}}
	}
	return f
}
