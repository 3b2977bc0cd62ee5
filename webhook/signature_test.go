package webhook

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
)

// TestSignatureMatchesTwilioGo: the fast check accepts exactly the signatures
// twilio-go computes for the same URL, and refuses altered ones.
func TestSignatureMatchesTwilioGo(t *testing.T) {
	const token = "12345"
	// Twilio's documented example.
	sign, otherToken := newSigner(token), newSigner("other")
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	if !sign.matches("https://mycompany.com/myapp.php?foo=1&bar=2", form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") {
		t.Fatal("the documented example does not match")
	}
	v := client.NewRequestValidator(token)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		form := url.Values{}
		for j := 0; j < r.IntN(8); j++ {
			form.Set(fmt.Sprintf("K%c%d", 'A'+r.IntN(26), r.IntN(100)), fmt.Sprintf("v%d é %x", r.Int(), r.Int64()))
		}
		u := fmt.Sprintf("https://hotline.example.org/twilio/messages?x=%d", r.IntN(10))
		sig := twilioform.Signature(token, u, form)
		// twilio-go is the judge of what a right signature is.
		if !v.Validate(u, firstValues(form), sig) {
			t.Fatalf("twilioform's signer disagrees with twilio-go for %v", form)
		}
		if !sign.matches(u, form, sig) {
			t.Fatalf("a signature twilio-go accepts was refused for %v", form)
		}
		other := twilioform.Signature(token, u+"&y=1", form)
		if v.Validate(u, firstValues(form), other) || sign.matches(u, form, other) || otherToken.matches(u, form, sig) {
			t.Fatalf("a signature for another URL or token was accepted")
		}
	}
	for _, bad := range []string{"", "not base64!", "AAAA"} {
		if sign.matches("https://x", form, bad) {
			t.Errorf("signature %q accepted", bad)
		}
	}
}
