package twilioform

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// TestSignatureKnownVector pins Signature to Twilio's documented example, so that
// tests that sign with it check the server against the real algorithm.
func TestSignatureKnownVector(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	const want = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	if got := Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != want {
		t.Fatalf("Signature(Twilio's example) = %s, want %s", got, want)
	}
}

// TestSignatureMatchesTwilioGo: twilio-go accepts every signature made here, and
// refuses it for another URL or token.
func TestSignatureMatchesTwilioGo(t *testing.T) {
	const token = "12345"
	v, other := client.NewRequestValidator(token), client.NewRequestValidator("other")
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		form := url.Values{}
		params := map[string]string{}
		for range r.IntN(8) {
			k, val := fmt.Sprintf("K%c%d", 'A'+r.IntN(26), r.IntN(100)), fmt.Sprintf("v%d é %x", r.Int(), r.Int64())
			form.Set(k, val)
			params[k] = val
		}
		u := fmt.Sprintf("https://hotline.example.org/twilio/messages?x=%d", r.IntN(10))
		sig := Signature(token, u, form)
		if !v.Validate(u, params, sig) {
			t.Fatalf("twilio-go refuses Signature(%q, %v) = %s", u, form, sig)
		}
		if v.Validate(u+"&y=1", params, sig) || other.Validate(u, params, sig) {
			t.Fatalf("twilio-go accepts Signature(%q, %v) for another URL or token", u, form)
		}
	}
}

func TestInboundSMS(t *testing.T) {
	form := InboundSMS("AC1", "+13125550142", "+13125550100", "hi", "SM1")
	for name, want := range map[string]string{"From": "+13125550142", "To": "+13125550100", "Body": "hi", "MessageSid": "SM1", "AccountSid": "AC1"} {
		if got := form.Get(name); got != want {
			t.Errorf("InboundSMS: %s = %q, want %q", name, got, want)
		}
	}
}
