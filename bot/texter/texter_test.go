package texter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "fedcba9876543210fedcba9876543210"

	hotline     = "+14155550100"
	person      = "+14155550123"
	callbackURL = "https://hotline.example.org/twilio/status"

	// noAnswer is long enough that only a ctx can end a call to a server that never answers.
	noAnswer = time.Minute
	// guard is how long a test waits for Send before calling it stuck; it is not a performance bar.
	guard = 10 * time.Second
)

// fakeTwilio is a local server speaking the wire format of Twilio's Messages API: the endpoint, the basic
// auth it demands, the form it reads, the JSON resource it answers with and its JSON error bodies.
type fakeTwilio struct {
	srv *httptest.Server

	// reply, when set, answers every request instead of the Messages API (canned errors, silence).
	reply http.HandlerFunc

	mu       sync.Mutex
	forms    []url.Values // the form of every request that reached the server
	arrived  chan struct{}
	nextSMID int
}

func newFakeTwilio(t *testing.T, reply http.HandlerFunc) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{reply: reply, arrived: make(chan struct{}, 16)}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	// Only loopback: the listener is chosen here rather than left to httptest's fallbacks.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	f.srv.Listener = l
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// sender returns a Twilio whose requests to api.twilio.com land on this server.
func (f *fakeTwilio) sender(t *testing.T, token string, timeout time.Duration) *Twilio {
	t.Helper()
	base, err := url.Parse(f.srv.URL)
	if err != nil {
		t.Fatalf("parse %q: %v", f.srv.URL, err)
	}
	hc := &http.Client{
		Timeout:   timeout,
		Transport: &RewriteTransport{Base: base, Next: f.srv.Client().Transport},
	}
	return NewTwilio(testSID, token, hc)
}

func (f *fakeTwilio) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "Could not parse the request body.")
		return
	}
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	f.nextSMID++
	smID := f.nextSMID
	f.mu.Unlock()
	select {
	case f.arrived <- struct{}{}:
	default:
	}

	if f.reply != nil {
		f.reply(w, r)
		return
	}

	path := "/2010-04-01/Accounts/" + testSID + "/Messages.json"
	if r.URL.Path != path {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if r.Method != http.MethodPost {
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != testSID || pass != testToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authentication Error - invalid username")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		twilioError(w, http.StatusBadRequest, 20001, "Unsupported Content-Type "+ct)
		return
	}
	if r.PostForm.Get("To") == "" {
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	}

	sid := fmt.Sprintf("SM%032x", smID)
	now := time.Date(2025, 3, 4, 17, 30, 0, 0, time.UTC).Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"account_sid":           testSID,
		"api_version":           "2010-04-01",
		"body":                  r.PostForm.Get("Body"),
		"date_created":          now,
		"date_sent":             nil,
		"date_updated":          now,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  r.PostForm.Get("From"),
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   sid,
		"status":                "queued",
		"subresource_uris": map[string]string{
			"media": "/2010-04-01/Accounts/" + testSID + "/Messages/" + sid + "/Media.json",
		},
		"to":  r.PostForm.Get("To"),
		"uri": "/2010-04-01/Accounts/" + testSID + "/Messages/" + sid + ".json",
	})
}

// twilioError answers in Twilio's JSON error format.
func twilioError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
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
			f := newFakeTwilio(t, nil)
			tw := f.sender(t, testToken, 5*time.Second)

			sid, err := tw.Send(context.Background(), tt.from, tt.to, tt.body, tt.statusCallback)
			if err != nil {
				t.Fatalf("Send(%q, %q, %q, %q) = %v, want nil error", tt.from, tt.to, tt.body, tt.statusCallback, err)
			}
			if want := fmt.Sprintf("SM%032x", 1); sid != want {
				t.Errorf("Send(...) = %q, want %q", sid, want)
			}
			got := f.requests()
			if len(got) != 1 {
				t.Fatalf("server got %d requests, want 1", len(got))
			}
			if !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("server got form %v, want %v", got[0], tt.want)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	canned := func(status int, contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	twilioJSON := func(status, code int, message string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { twilioError(w, status, code, message) }
	}
	tests := []struct {
		name  string
		token string
		reply http.HandlerFunc // nil: the Messages API itself answers
		// wantCode and wantStatus describe the *client.TwilioRestError expected; 0 means none is.
		wantCode, wantStatus int
		wantPermanent        bool
		wantRequests         int
	}{
		{
			name:  "400 invalid To",
			token: testToken,
			reply: canned(400, "application/json",
				`{"code":21211,"message":"The 'To' number is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`),
			wantCode: 21211, wantStatus: 400, wantPermanent: true, wantRequests: 1,
		},
		{
			name:     "400 unsubscribed recipient",
			token:    testToken,
			reply:    twilioJSON(400, 21610, "Attempt to send to unsubscribed recipient"),
			wantCode: 21610, wantStatus: 400, wantPermanent: true, wantRequests: 1,
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
			token:    testToken,
			reply:    twilioJSON(429, 20429, "Too Many Requests"),
			wantCode: 20429, wantStatus: 429, wantPermanent: false, wantRequests: 1,
		},
		{
			name:     "500 internal error",
			token:    testToken,
			reply:    twilioJSON(500, 20500, "An internal server error has occurred"),
			wantCode: 20500, wantStatus: 500, wantPermanent: false, wantRequests: 1,
		},
		{
			name:     "503 service unavailable",
			token:    testToken,
			reply:    twilioJSON(503, 20503, "Service is unavailable. Please try again"),
			wantCode: 20503, wantStatus: 503, wantPermanent: false, wantRequests: 1,
		},
		{
			name:         "502 html page from a proxy",
			token:        testToken,
			reply:        canned(502, "text/html", "<html><body>502 Bad Gateway</body></html>"),
			wantRequests: 1,
		},
		{
			name:         "201 without a message sid",
			token:        testToken,
			reply:        canned(201, "application/json", `{"status":"queued"}`),
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTwilio(t, tt.reply)
			tw := f.sender(t, tt.token, 5*time.Second)

			sid, err := tw.Send(context.Background(), hotline, person, "Reminder", callbackURL)
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
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			if got := len(f.requests()); got != tt.wantRequests {
				t.Errorf("server got %d requests, want %d", got, tt.wantRequests)
			}
		})
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
		// ctx returns the context for Send; arrived is signalled when the request reaches the server.
		ctx          func(t *testing.T, arrived <-chan struct{}) context.Context
		wantErr      string
		check        func(error) bool
		wantRequests int // or anyRequests
	}{
		{
			name:          "ctx cancelled before sending",
			clientTimeout: noAnswer,
			ctx: func(t *testing.T, _ <-chan struct{}) context.Context {
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
			ctx: func(t *testing.T, arrived <-chan struct{}) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				go func() {
					select {
					case <-arrived:
						cancel()
					case <-ctx.Done():
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
			ctx: func(t *testing.T, _ <-chan struct{}) context.Context {
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
			ctx:           func(*testing.T, <-chan struct{}) context.Context { return context.Background() },
			wantErr:       "a temporary network timeout",
			check: func(err error) bool {
				return isTimeout(err) && !IsPermanent(err) && !errors.Is(err, context.Canceled)
			},
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			f := newFakeTwilio(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			// Cleanups run last-registered first: the handler is released before the server waits for it.
			t.Cleanup(func() { close(release) })
			tw := f.sender(t, testToken, tt.clientTimeout)
			ctx := tt.ctx(t, f.arrived)

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
			switch tt.wantRequests {
			case anyRequests:
			case 0:
				// Nothing should ever arrive, and a request started in the background could still be on its
				// way when Send returns: give it a moment to show up. This waits for a fault; it times nothing.
				select {
				case <-f.arrived:
					t.Errorf("server got a request after Send(...) = %v, want none", err)
				case <-time.After(250 * time.Millisecond):
				}
			default:
				if got := len(f.requests()); got != tt.wantRequests {
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
			if got := IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
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
	rt := &RewriteTransport{Base: base, Next: srv.Client().Transport}

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
