package main

import (
	"fmt"
	"net/url"

	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
)

// signature is X-Twilio-Signature for a request, as Twilio computes it; it is
// proven against twilio-go by twilioform's tests.
var signature = twilioform.Signature

// checkSigner pins signature to Twilio's documented example: were it wrong, every
// hotline request would get 403 and the run would measure nothing useful.
func checkSigner() error {
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
	const want = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	if got := signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != want {
		return fmt.Errorf("the request signer gives %s for Twilio's known vector, want %s", got, want)
	}
	return nil
}
