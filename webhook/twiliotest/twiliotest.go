// Package twiliotest builds what Twilio sends to the message webhook, for the load
// generator and the fault harness, which play Twilio.
package twiliotest

import "net/url"

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
