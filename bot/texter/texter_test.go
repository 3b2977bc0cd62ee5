package texter_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/hotline-legal/hotline/bot/texter"
	"github.com/hotline-legal/hotline/internal/testkit/twilioapi"
)

// The tests run outside the package: the Twilio stand-in (internal/testkit/twilioapi) makes its senders with
// this package, and everything they test is exported.

const (
	hotline     = "+14155550100"
	person      = "+14155550123"
	callbackURL = "https://hotline.example.org/twilio/status"

	// noAnswer is long enough that only a ctx can end a call to a server that never answers.
	noAnswer = time.Minute
	// guard is how long a test waits for Send before calling it stuck; it is not a performance bar.
	guard = 10 * time.Second
)

// sender returns a Twilio sender to srv with the auth token token, whose HTTP client gives up after timeout.
func sender(srv *twilioapi.Server, token string, timeout time.Duration) *texter.Twilio {
	hc := srv.Client()
	hc.Timeout = timeout
	return texter.NewTwilio(twilioapi.AccountSID, token, hc)
}

func TestSend(t *testing.T) {
	tests := []struct {
		name                           string
		from, to, body, statusCallback string
		want                           url.Values
	}{
		{
			name: "sms with status callback",
			from: hotline, to: person, body: "Are you still there? Reply to continue.", statusCallback: callbackURL,
			want: url.Values{
				"From": {hotline}, "To": {person}, "Body": {"Are you still there? Reply to continue."},
				"StatusCallback": {callbackURL},
			},
		},
		{
			name: "no status callback sends no StatusCallback field",
			from: hotline, to: person, body: "Reminder",
			want: url.Values{"From": {hotline}, "To": {person}, "Body": {"Reminder"}},
		},
		{
			name: "whatsapp numbers pass through unchanged",
			from: "whatsapp:" + hotline, to: "whatsapp:" + person, body: "Reminder", statusCallback: callbackURL,
			want: url.Values{
				"From": {"whatsapp:" + hotline}, "To": {"whatsapp:" + person}, "Body": {"Reminder"},
				"StatusCallback": {callbackURL},
			},
		},
		{
			name: "body with form metacharacters, accents, emoji and a newline",
			from: hotline, to: person, body: "¿Sigue ahí? 1 + 1 = 2 & 100% 👍\nResponda SÍ",
			want: url.Values{
				"From": {hotline}, "To": {person}, "Body": {"¿Sigue ahí? 1 + 1 = 2 & 100% 👍\nResponda SÍ"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := twilioapi.New(t)
			tw := sender(srv, twilioapi.AuthToken, 5*time.Second)

			sid, err := tw.Send(context.Background(), tt.from, tt.to, tt.body, tt.statusCallback)
			if err != nil {
				t.Fatalf("Send(%q, %q, %q, %q) = %v, want nil error", tt.from, tt.to, tt.body, tt.statusCallback, err)
			}
			if want := fmt.Sprintf("SM%032x", 1); sid != want {
				t.Errorf("Send(...) = %q, want %q", sid, want)
			}
			got := srv.Messages()
			if len(got) != 1 || srv.Requests() != 1 {
				t.Fatalf("server took %d messages in %d requests, want 1", len(got), srv.Requests())
			}
			if !reflect.DeepEqual(got[0].Form, tt.want) {
				t.Errorf("server got form %v, want %v", got[0].Form, tt.want)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name  string
		token string
		to    string // "" for person
		// twilio tells the server what to answer; nil leaves the Messages API to answer itself.
		twilio func(*twilioapi.Server)
		// wantCode and wantStatus describe the *client.TwilioRestError expected; 0 means none is.
		wantCode, wantStatus int
		wantPermanent        bool
		wantRetryable        bool
		wantRequests         int
	}{
		{
			name:     "400 invalid To",
			token:    twilioapi.AuthToken,
			to:       "555-0123",
			wantCode: 21211, wantStatus: 400, wantPermanent: true, wantRequests: 1,
		},
		{
			name:     "400 unsubscribed recipient",
			token:    twilioapi.AuthToken,
			twilio:   func(s *twilioapi.Server) { s.Fail(1, 400, 21610) },
			wantCode: 21610, wantStatus: 400, wantPermanent: true, wantRequests: 1,
		},
		{
			name:     "400 SMS to a WhatsApp number",
			token:    twilioapi.AuthToken,
			to:       "whatsapp:" + person,
			wantCode: 21910, wantStatus: 400, wantPermanent: true, wantRequests: 1,
		},
		{
			name:     "401 wrong auth token",
			token:    "00000000000000000000000000000000",
			wantCode: 20003, wantStatus: 401, wantPermanent: true, wantRequests: 1,
		},
		{
			// twilio-go refuses credentials that are not alphanumeric before sending anything, with an
			// error of its own that looks like Twilio's.
			name:     "auth token twilio-go refuses locally",
			token:    "not/alphanumeric",
			wantCode: 21224, wantStatus: 400, wantPermanent: true, wantRequests: 0,
		},
		{
			name:     "429 too many requests",
			token:    twilioapi.AuthToken,
			twilio:   func(s *twilioapi.Server) { s.Fail(1, 429, 20429) },
			wantCode: 20429, wantStatus: 429, wantRetryable: true, wantRequests: 1,
		},
		{
			name:     "500 internal error",
			token:    twilioapi.AuthToken,
			twilio:   func(s *twilioapi.Server) { s.Fail(1, 500, 20500) },
			wantCode: 20500, wantStatus: 500, wantRetryable: false, wantRequests: 1,
		},
		{
			name:     "503 service unavailable",
			token:    twilioapi.AuthToken,
			twilio:   func(s *twilioapi.Server) { s.Fail(1, 503, 20503) },
			wantCode: 20503, wantStatus: 503, wantRetryable: false, wantRequests: 1,
		},
		{
			// Not Twilio's answer: whether the message went is unknown, so it is not retryable either.
			name:  "502 html page from a proxy",
			token: twilioapi.AuthToken,
			twilio: func(s *twilioapi.Server) {
				s.Respond(1, 502, "text/html", "<html><body>502 Bad Gateway</body></html>")
			},
			wantRequests: 1,
		},
		{
			name:         "201 without a message sid",
			token:        twilioapi.AuthToken,
			twilio:       func(s *twilioapi.Server) { s.Respond(1, 201, "application/json", `{"status":"queued"}`) },
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := twilioapi.New(t)
			if tt.twilio != nil {
				tt.twilio(srv)
			}
			tw := sender(srv, tt.token, 5*time.Second)
			to := tt.to
			if to == "" {
				to = person
			}

			sid, err := tw.Send(context.Background(), hotline, to, "Reminder", callbackURL)
			if err == nil {
				t.Fatalf("Send(...) = %q, nil, want an error", sid)
			}
			if sid != "" {
				t.Errorf("Send(...) = %q, %v, want no sid with an error", sid, err)
			}
			if !strings.HasPrefix(err.Error(), "texter: send: ") {
				t.Errorf("Send(...) error = %q, want it prefixed %q", err, "texter: send: ")
			}
			var rest *client.TwilioRestError
			isRest := errors.As(err, &rest)
			switch {
			case tt.wantCode == 0 && isRest:
				t.Errorf("Send(...) = %v, want an error that is not a *client.TwilioRestError", err)
			case tt.wantCode != 0 && !isRest:
				t.Errorf("Send(...) = %v (%T), want a *client.TwilioRestError", err, errors.Unwrap(err))
			case isRest && (rest.Code != tt.wantCode || rest.Status != tt.wantStatus):
				t.Errorf("Send(...) = code %d status %d, want code %d status %d",
					rest.Code, rest.Status, tt.wantCode, tt.wantStatus)
			}
			if got := texter.IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			if got := texter.IsRetryable(err); got != tt.wantRetryable {
				t.Errorf("IsRetryable(%v) = %v, want %v", err, got, tt.wantRetryable)
			}
			if got := srv.Requests(); got != tt.wantRequests {
				t.Errorf("server got %d requests, want %d", got, tt.wantRequests)
			}
			if got := srv.Messages(); len(got) != 0 {
				t.Errorf("server took %d messages, want none", len(got))
			}
		})
	}
}

// TestSendConnectionRefused: no connection to Twilio could be made, so nothing was sent: retryable, not permanent.
func TestSendConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := &url.URL{Scheme: "http", Host: l.Addr().String()}
	l.Close() // nothing listens there now
	tw := texter.NewTwilio(twilioapi.AccountSID, twilioapi.AuthToken,
		&http.Client{Timeout: 5 * time.Second, Transport: &texter.RewriteTransport{Base: base}})
	_, err = tw.Send(context.Background(), hotline, person, "Reminder", "")
	if err == nil {
		t.Fatal("Send to a closed port = nil, want an error")
	}
	if !texter.IsRetryable(err) || texter.IsPermanent(err) {
		t.Errorf("Send to a closed port = %v: IsRetryable %v, IsPermanent %v; want retryable only", err,
			texter.IsRetryable(err), texter.IsPermanent(err))
	}
	if got := texter.Describe(err); got != "could not reach Twilio" {
		t.Errorf("Describe(%v) = %q", err, got)
	}
}

// TestSendWhenTwilioDoesNotAnswer covers the two things that end a call Twilio never answers: the caller's ctx
// (twilio-go takes none, so Send must stop waiting by itself) and the HTTP client's timeout.
func TestSendWhenTwilioDoesNotAnswer(t *testing.T) {
	const anyRequests = -1
	isTimeout := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	tests := []struct {
		name          string
		clientTimeout time.Duration
		// ctx returns the context for Send, given the server the request goes to.
		ctx          func(t *testing.T, srv *twilioapi.Server) context.Context
		wantErr      string
		check        func(error) bool
		wantRequests int // or anyRequests
	}{
		{
			name:          "ctx cancelled before sending",
			clientTimeout: noAnswer,
			ctx: func(t *testing.T, _ *twilioapi.Server) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			wantErr:      "context.Canceled",
			check:        func(err error) bool { return err == context.Canceled },
			wantRequests: 0,
		},
		{
			name:          "ctx cancelled while waiting for Twilio",
			clientTimeout: noAnswer,
			ctx: func(t *testing.T, srv *twilioapi.Server) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				go func() {
					if srv.WaitForRequests(1, guard) {
						cancel()
					}
				}()
				return ctx
			},
			wantErr:      "context.Canceled",
			check:        func(err error) bool { return err == context.Canceled },
			wantRequests: 1,
		},
		{
			name:          "ctx deadline while waiting for Twilio",
			clientTimeout: noAnswer,
			ctx: func(t *testing.T, _ *twilioapi.Server) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			wantErr:      "context.DeadlineExceeded",
			check:        func(err error) bool { return err == context.DeadlineExceeded },
			wantRequests: anyRequests, // the deadline may pass before the request reaches the server
		},
		{
			name:          "HTTP client timeout with no ctx deadline",
			clientTimeout: 100 * time.Millisecond,
			ctx:           func(*testing.T, *twilioapi.Server) context.Context { return context.Background() },
			wantErr:       "a temporary network timeout",
			check: func(err error) bool {
				return isTimeout(err) && !texter.IsPermanent(err) && !errors.Is(err, context.Canceled)
			},
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := twilioapi.New(t)
			srv.Hang(twilioapi.Always)
			tw := sender(srv, twilioapi.AuthToken, tt.clientTimeout)
			ctx := tt.ctx(t, srv)

			done := make(chan error, 1)
			go func() {
				_, err := tw.Send(ctx, hotline, person, "Reminder", "")
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(guard):
				t.Fatalf("Send(...) still waiting after %v, want it to return %s", guard, tt.wantErr)
			}
			if !tt.check(err) {
				t.Errorf("Send(...) = %v, want %s", err, tt.wantErr)
			}
			// Whether Twilio took the message is unknown: a sender that must not text twice must not retry.
			if texter.IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true, want false: the outcome is unknown", err)
			}
			switch tt.wantRequests {
			case anyRequests:
			case 0:
				// Nothing should ever arrive, and a request started in the background could still be on its
				// way when Send returns: give it a moment to show up. This waits for a fault; it times nothing.
				if srv.WaitForRequests(1, 250*time.Millisecond) {
					t.Errorf("server got a request after Send(...) = %v, want none", err)
				}
			default:
				if got := srv.Requests(); got != tt.wantRequests {
					t.Errorf("server got %d requests, want %d", got, tt.wantRequests)
				}
			}
		})
	}
}

func TestIsPermanent(t *testing.T) {
	rest := func(status int) error { return &client.TwilioRestError{Code: 20000 + status, Status: status} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("connection refused"), false},
		{"cancelled", context.Canceled, false},
		{"network timeout", &url.Error{Op: "Post", URL: "https://api.twilio.com", Err: &net.DNSError{IsTimeout: true}}, false},
		{"400", rest(400), true},
		{"400 wrapped", fmt.Errorf("texter: send: %w", rest(400)), true},
		{"401", rest(401), true},
		{"404", rest(404), true},
		{"429", fmt.Errorf("texter: send: %w", rest(429)), false},
		{"499", rest(499), true},
		{"399", rest(399), false},
		{"500", rest(500), false},
		{"503", rest(503), false},
		{"status missing", &client.TwilioRestError{Code: 21211}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texter.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsRetryable(t *testing.T) {
	rest := func(status int) error { return &client.TwilioRestError{Code: 20000 + status, Status: status} }
	dial := &url.Error{Op: "Post", URL: "https://api.twilio.com", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"429", fmt.Errorf("texter: send: %w", rest(429)), true},
		{"500 (it may have made the message)", rest(500), false},
		{"503 wrapped", fmt.Errorf("texter: send: %w", rest(503)), false},
		{"400", rest(400), false},
		{"401", rest(401), false},
		{"status missing", &client.TwilioRestError{Code: 21211}, false},
		{"refused before sending", fmt.Errorf("texter: send: %w", dial), true},
		{"no such host", &url.Error{Op: "Post", URL: "https://api.twilio.com", Err: &net.OpError{Op: "dial", Err: &net.DNSError{IsNotFound: true}}}, true},
		// After the connection was made, the request may have reached Twilio.
		{"connection reset while reading", &url.Error{Op: "Post", URL: "https://api.twilio.com", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}, false},
		{"cancelled", context.Canceled, false},
		{"deadline", fmt.Errorf("texter: send: %w", context.DeadlineExceeded), false},
		{"plain error", errors.New("texter: send: Twilio's reply has no message sid"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texter.IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRewriteTransport(t *testing.T) {
	type seen struct{ host, path, query, method string }
	got := make(chan seen, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Host, r.URL.Path, r.URL.RawQuery, r.Method}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("parse %q: %v", srv.URL, err)
	}
	rt := &texter.RewriteTransport{Base: base, Next: srv.Client().Transport}

	tests := []struct {
		name, method, url string
		want              seen
	}{
		{
			name: "https api.twilio.com with query", method: http.MethodGet,
			url:  "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=20&To=%2B14155550123",
			want: seen{base.Host, "/2010-04-01/Accounts/AC1/Messages.json", "PageSize=20&To=%2B14155550123", http.MethodGet},
		},
		{
			name: "regional host, POST", method: http.MethodPost,
			url:  "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Messages.json",
			want: seen{base.Host, "/2010-04-01/Accounts/AC1/Messages.json", "", http.MethodPost},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(""))
			if err != nil {
				t.Fatalf("NewRequest: %v", err)
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip(%s %s) = %v, want nil error", tt.method, tt.url, err)
			}
			resp.Body.Close()
			if s := <-got; s != tt.want {
				t.Errorf("RoundTrip(%s %s) reached %+v, want %+v", tt.method, tt.url, s, tt.want)
			}
			if req.URL.String() != tt.url {
				t.Errorf("RoundTrip changed the caller's request URL to %s, want %s", req.URL, tt.url)
			}
		})
	}
}
