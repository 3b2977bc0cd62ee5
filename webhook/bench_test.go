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

// BenchmarkTwilioForged weighs what a request with a wrong signature costs the
// server against a real message: anyone can send the first kind, as fast as
// they like. "9000 params" is the 64 KB form of the review (issue 11), refused
// by its count of parameters; "99 params" is the largest form still checked, a
// 64 KB one just under the limit; "signed message" is one real message through
// the bot and Redis, for scale.
// Run: go test ./webhook -run '^$' -bench TwilioForged -benchmem
func BenchmarkTwilioForged(b *testing.B) {
	s := newServer(b, serverOptions{token: token})
	forged := strings.Repeat("A", 27) + "=" // a signature's length, so it is checked
	many := url.Values{}
	for i := range 9000 {
		many.Set(fmt.Sprintf("%04d", i), "1")
	}
	large := url.Values{}
	for i := range 99 {
		large.Set(fmt.Sprintf("P%02d", i), strings.Repeat("x", 640))
	}
	for _, bc := range []struct {
		name   string
		body   string
		sig    string
		status int
	}{
		{"9000 params", many.Encode(), forged, 0},
		{"99 params", large.Encode(), forged, http.StatusForbidden},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if len(bc.body) > 64<<10 {
				b.Fatalf("the body is %d bytes, over the server's limit", len(bc.body))
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(bc.body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", bc.sig)
				rec := httptest.NewRecorder()
				s.handler.ServeHTTP(rec, req)
				if rec.Code < 400 || rec.Code >= 500 || bc.status != 0 && rec.Code != bc.status {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
	b.Run("signed message", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			form := url.Values{"MessageSid": {fmt.Sprintf("SM%032x", i)}, "From": {"+13125550199"}, "To": {hotlineNo},
				"Body": {"help"}, "NumMedia": {"0"}}
			req := httptest.NewRequest(http.MethodPost, "/twilio/messages", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", sign(token, "https://hotline.example.org/twilio/messages", form))
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
			i++
		}
	})
}
