package answer

import (
	"regexp"
	"strings"
)

// PhoneAt is a phone number found in a text: where it is written
// (text[Start:End]) and its E.164 form.
type PhoneAt struct {
	Start, End int
	E164       string
}

// phoneLike finds what may be a phone number in a text: digits with the
// spaces, dots, dashes, parentheses and leading + that people write them with.
// Each candidate is then read by Phone, which decides whether it is a valid
// number.
var phoneLike = regexp.MustCompile(`\+?\(?[0-9][0-9 ().-]{5,}[0-9]`)

// minPhoneDigits and maxPhoneDigits bound the digits of a candidate worth
// reading: fewer is a ZIP code, an amount or a year, more is not a number.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
)

// PhonesIn finds the phone numbers written in a text, in order, read with the
// country region for numbers without one ("call my sister 312-555-0177 after
// 5": one). A text with fewer than seven digits is not searched at all.
func PhonesIn(text, region string) []PhoneAt {
	if digitCount(text) < minPhoneDigits {
		return nil
	}
	var found []PhoneAt
	for _, m := range phoneLike.FindAllStringIndex(text, -1) {
		if start, end, e164 := phoneInCandidate(text[m[0]:m[1]], region); e164 != "" {
			found = append(found, PhoneAt{Start: m[0] + start, End: m[0] + end, E164: e164})
		}
	}
	return found
}

// phoneInCandidate looks in a candidate for a phone number: the whole of it,
// else the longest part of it between spaces (so that "3 312-555-0177" or
// "312-555-0177 2" still finds the number). It returns where the number is
// and its E.164 form; "" when there is none.
func phoneInCandidate(c, region string) (start, end int, e164 string) {
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
			if n := digitCount(part); n >= minPhoneDigits && n <= maxPhoneDigits {
				if e, ok := Phone(part, region); ok {
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

// digitCount counts the ASCII digits of s.
func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}
