package webhook_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkTwilioMessage is one signed inbound message through the whole handler
// (signature, bot, Redis, TwiML), without the network in front: one op is one
// message of a 13-message screening, over a private redis-server.
// Run: go test ./webhook -run '^$' -bench TwilioMessage -benchmem
func BenchmarkTwilioMessage(b *testing.B) {
	s := newServer(b, serverOptions{token: token})
	handler := s.handler
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := fmt.Sprintf("+1312%07d", i/len(englishScript))
		form := url.Values{"MessageSid": {fmt.Sprintf("SM%032x", i)}, "From": {from}, "To": {hotlineNo},
			"Body": {englishScript[i%len(englishScript)]}, "NumMedia": {"0"}}
		body := form.Encode()
		req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sign(token, "https://hotline.example.org/twilio/messages", form))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
		i++
	}
}
