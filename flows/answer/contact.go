package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// ZIP reads a US ZIP code and returns its five digits: "60612", " 60612 ",
// "60612-1234", "606121234", "6 0 6 1 2", "zip 60612", "my zip is 60612".
// ok=false otherwise (4 or 6 digits, letters only, two different ZIPs).
//
// Digits separated only by spaces or dashes are read as one group, so a ZIP
// typed with spaces works; a group of 5 digits is a ZIP and of 9 a ZIP+4. A
// group of 1 to 3 digits is ignored ("60612 apt 4"), but any other length
// (4, 6-8, 10 or more: a typo or a phone number) makes the answer not
// understood, as do digits of other scripts. "00000" is refused because no
// ZIP is all zeros.
func ZIP(s string) (zip string, ok bool) {
	var digits [9]byte // the digits of the current group, as far as needed
	for i := 0; i < len(s); {
		c := s[i]
		if c < '0' || c > '9' {
			if c >= utf8.RuneSelf {
				r, w := utf8.DecodeRuneInString(s[i:])
				if unicode.IsDigit(r) {
					return "", false
				}
				i += w
			} else {
				i++
			}
			continue
		}
		// A group: digits, possibly separated by spaces and dashes.
		start, count, contiguous := i, 0, true
		last := i // just past the last digit seen
		for i < len(s) {
			c = s[i]
			if '0' <= c && c <= '9' {
				if count < len(digits) {
					digits[count] = c
				}
				if count < 5 && i != start+count {
					contiguous = false
				}
				count++
				i++
				last = i
				continue
			}
			if c == ' ' || c == '-' || c == '\t' {
				i++
				continue
			}
			break
		}
		i = last // separators after the group belong to no group
		switch {
		case count <= 3:
			continue
		case count != 5 && count != 9:
			return "", false
		}
		found := string(digits[:5]) // does not allocate: only compared
		if found == "00000" || zip != "" && found != zip {
			return "", false
		}
		if zip == "" {
			if contiguous {
				zip = s[start : start+5]
			} else {
				zip = string(digits[:5])
			}
		}
	}
	return zip, zip != ""
}

// maxPhoneInput is the longest phone answer Phone will parse: a number with
// country code, spaces, punctuation and an extension fits easily, and the
// bound keeps arbitrary text away from the third-party parser.
const maxPhoneInput = 64

// Phone reads a phone number and returns it in E.164 form, using region (an
// ISO 3166 code like "US") for numbers without a country code: "(312)
// 555-0188", "312-555-0188", "+1 312 555 0188", "3125550188". It returns
// ok=false for anything github.com/nyaruka/phonenumbers cannot parse or does
// not consider a valid number (always check IsValidNumber; Parse("12","US")
// succeeds). Length of input above 64 bytes → ok=false without parsing.
//
// phonenumbers v1.8.1 considers the fictional 555-01xx numbers used by
// intake tests and demos valid (+13125550188 is valid), so no special case
// is needed for them. The region is uppercased because the library only
// knows "US", not "us".
func Phone(s, region string) (e164 string, ok bool) {
	if len(s) > maxPhoneInput || len(region) > 3 {
		return "", false
	}
	// The parser is third-party code fed with arbitrary text from strangers;
	// a bug in it must cost one message, not the process.
	defer func() {
		if recover() != nil {
			e164, ok = "", false
		}
	}()
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	e164 = phonenumbers.Format(num, phonenumbers.E164)
	// E.164 allows at most 15 digits; phonenumbers' metadata accepts some longer
	// German numbers (+49 21000000000000) that no carrier would route to.
	if len(e164) < 2 || len(e164) > 16 || e164[0] != '+' || !allDigits(e164[1:]) {
		return "", false
	}
	return e164, true
}
