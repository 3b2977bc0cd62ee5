package email

import (
	"github.com/hotline-legal/hotline/flows/answer"
)

// defaultCountry reads phone numbers written without a country code when
// Options.Country is "": the sample pack's country.
const defaultCountry = "US"

// linkPhones is text as a sentence in which every phone number is a tel:
// link, written as in text; the HTML part escapes the rest. The text part
// writes text unchanged (the sentence's String).
func linkPhones(text, country string) sentence {
	found := answer.PhonesIn(text, country)
	if len(found) == 0 {
		// Most values (a name, a date, an amount): no number.
		return sentence{{Text: text, plain: text}}
	}
	var s sentence
	plain := func(t string) {
		if t != "" {
			s = append(s, span{Text: t, plain: t})
		}
	}
	rest := 0
	for _, ph := range found {
		plain(text[rest:ph.Start])
		s = append(s, span{Text: text[ph.Start:ph.End], plain: text[ph.Start:ph.End], Tel: telURL(ph.E164)})
		rest = ph.End
	}
	plain(text[rest:])
	return s
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
