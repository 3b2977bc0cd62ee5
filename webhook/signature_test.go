package webhook

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/hotline-legal/hotline/internal/testkit/twilioform"
)

// TestSignatureMatchesTwilioGo: our signer, with the URL's port variants, accepts
// exactly the signatures twilio-go's validator accepts, for requests at URLs with
// and without ports signed over URLs with the port added, removed, changed, or
// another query.
func TestSignatureMatchesTwilioGo(t *testing.T) {
	const token = "12345"
	// Twilio's documented example.
	sign, otherToken := newSigner(token), newSigner("other")
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	if !sign.matches([]string{"https://mycompany.com/myapp.php"}, "?foo=1&bar=2", form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") {
		t.Fatal("the documented example does not match")
	}
	v := client.NewRequestValidator(token)
	r := rand.New(rand.NewPCG(1, 2))
	hosts := []string{"hotline.example.org", "hotline.example.org:443", "hotline.example.org:80", "hotline.example.org:8443"}
	accepted, refused := map[bool]int{}, map[bool]int{} // by whether the signing URL differs from the request's
	for i := 0; i < 300; i++ {
		form := url.Values{}
		for j := 0; j < r.IntN(8); j++ {
			form.Set(fmt.Sprintf("K%c%d", 'A'+r.IntN(26), r.IntN(100)), fmt.Sprintf("v%d é %x", r.Int(), r.Int64()))
		}
		scheme := []string{"https", "http"}[r.IntN(2)]
		path := fmt.Sprintf("/twilio/messages?x=%d&y=a%%20b", r.IntN(10))
		u := scheme + "://" + hosts[r.IntN(len(hosts))] + path
		for _, host := range hosts {
			signed := scheme + "://" + host + path
			for _, signedURL := range []string{signed, signed + "&z=1"} {
				sig := twilioform.Signature(token, signedURL, form)
				want := v.Validate(u, firstValues(form), sig)
				if got := sign.matches(portVariants(u), "", form, sig); got != want {
					t.Fatalf("at %s, a signature over %s: ours %v, twilio-go %v", u, signedURL, got, want)
				}
				if want {
					accepted[signedURL != u]++
				} else {
					refused[signedURL != u]++
				}
				if otherToken.matches(portVariants(u), "", form, sig) {
					t.Fatalf("a signature under another token was accepted")
				}
			}
		}
	}
	// The inputs reached every case: the URL itself, a port variant accepted, and
	// others refused.
	if accepted[false] == 0 || accepted[true] == 0 || refused[true] == 0 {
		t.Errorf("accepted %v, refused %v: some case was never tried", accepted, refused)
	}
	for _, bad := range []string{"", "not base64!", "AAAA", strings.Repeat("!", sigLen)} {
		if sign.matches([]string{"https://x"}, "", form, bad) {
			t.Errorf("signature %q accepted", bad)
		}
	}
}

func TestPortVariants(t *testing.T) {
	for in, want := range map[string]string{
		"https://h.example/t?a=1":        "https://h.example:443/t?a=1",
		"https://h.example:443/t":        "https://h.example/t",
		"http://h.example":               "http://h.example:80",
		"http://h.example:8080/x":        "http://h.example/x",
		"https://user:pw@h.example/t":    "https://user:pw@h.example:443/t",
		"https://[2001:db8::1]/t":        "https://[2001:db8::1]:443/t",
		"https://[2001:db8::1]:8443/t:1": "https://[2001:db8::1]/t:1",
		"not a URL":                      "",
	} {
		got := portVariants(in)
		if got[0] != in || want == "" && len(got) != 1 || want != "" && (len(got) != 2 || got[1] != want) {
			t.Errorf("portVariants(%q) = %q, want [%q %q]", in, got, in, want)
		}
	}
}

func firstValues(form url.Values) map[string]string {
	params := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	return params
}
