// Package twilioform plays Twilio for the tests, the load generator and the fault
// harness: the form Twilio posts for an inbound SMS, and the X-Twilio-Signature it
// signs a request with.
package twilioform

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// InboundSMS is the form of an inbound SMS with every field Twilio sends, so that
// parsing and signature checks work on bodies of a real size.
func InboundSMS(accountSid, from, to, body, sid string) url.Values {
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"IL"}, "SmsMessageSid": {sid}, "NumMedia": {"0"},
		"ToCity": {"CHICAGO"}, "FromZip": {"60612"}, "SmsSid": {sid}, "FromState": {"IL"},
		"SmsStatus": {"received"}, "FromCity": {"CHICAGO"}, "Body": {body}, "FromCountry": {"US"},
		"To": {to}, "ToZip": {"60601"}, "NumSegments": {"1"}, "MessageSid": {sid},
		"AccountSid": {accountSid}, "From": {from}, "ApiVersion": {"2010-04-01"},
	}
}

// Signature returns the X-Twilio-Signature Twilio sends with a POST to fullURL
// with these form values: HMAC-SHA1 with the auth token over the URL followed by
// each parameter's name and value, sorted by name, in base64. It is written apart
// from the webhook's own check, so that a test of one against the other means
// something; twilio-go's validator is the judge of both (see the tests).
func Signature(token, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(maps.Keys(form)) {
		b.WriteString(name)
		if v := form[name]; len(v) > 0 {
			b.WriteString(v[0])
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
