package webhook_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzTwilioMessages posts arbitrary bodies, signed whenever they parse as a
// form, to the message webhook: the answer is TwiML or a 4xx, never a 5xx.
// Run longer: go test ./webhook -run '^$' -fuzz '^FuzzTwilioMessages$' -fuzztime 60s
func FuzzTwilioMessages(f *testing.F) {
	s := newServer(f, serverOptions{token: token})
	f.Add("MessageSid=SM1&From=%2B13125550100&To=%2B13125550100&Body=hi", true)
	f.Add("MessageSid=SM2&From=whatsapp%3A%2B13125550101&Body=%F0%9F%98%80&NumMedia=1", true)
	f.Add("MessageSid=SM3&From=%2B1&Body=%ff%fe%00&OptOutType=STOP", true)
	f.Add("MessageSid=&From=", true)
	f.Add("%zz=1&a=%", true)
	f.Add("MessageSid=SM4&From=%2B13125550102&Body=hi", false)
	f.Fuzz(func(t *testing.T, body string, signed bool) {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/twilio/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if form, err := url.ParseQuery(body); err == nil && signed {
			req.Header.Set("X-Twilio-Signature", sign(token, "https://hotline.example.org/twilio/messages", form))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		switch resp.StatusCode {
		case 200:
			messages(t, string(raw)) // must be TwiML
		case 400, 403, 413:
		default:
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, raw)
		}
	})
}

// FuzzChatMessages posts arbitrary bodies to the web chat API: a JSON answer with
// replies, or a 4xx with a JSON error; never a 5xx.
func FuzzChatMessages(f *testing.F) {
	s := newServer(f, serverOptions{token: token})
	f.Add(`{"text":"hi"}`)
	f.Add(`{"session":"AAAAAAAAAAAAAAAAAAAAAA","text":"1"}`)
	f.Add(`{"text":"\u0000\ud800"}`)
	f.Add(`{"text":1}`)
	f.Add(`[]`)
	f.Add(`{"text":"a"}{"text":"b"}`)
	f.Fuzz(func(t *testing.T, body string) {
		req, _ := http.NewRequest(http.MethodPost, s.url+"/chat/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("status %d, not JSON: %v", resp.StatusCode, err)
		}
		switch {
		case resp.StatusCode == 200 && out["replies"] != nil:
		case resp.StatusCode >= 400 && resp.StatusCode < 500 && out["error"] != nil:
		default:
			t.Fatalf("status %d %v for %q", resp.StatusCode, out, body)
		}
	})
}
