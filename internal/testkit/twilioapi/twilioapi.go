// Package twilioapi plays Twilio's Messages REST API for tests: a real HTTP
// server on 127.0.0.1 speaking its wire format (the account's Messages.json
// resource, HTTP basic auth with the account SID and auth token, the form it
// reads, the JSON message it answers with and its JSON error bodies), driven
// through the real twilio-go client (bot/texter) with a transport that sends
// api.twilio.com's requests here. Nothing else can stand in for Twilio in a
// test: its REST API cannot run here.
//
// The server records every message it takes, checks what a real account
// would refuse (a number that is not E.164, an SMS number paired with a
// WhatsApp one, a body over 1,600 characters), and can be told to fail the
// next requests with a status and a Twilio error code, to answer with any
// page (a proxy's), or to hang: without an answer, with or without taking
// the message first (Twilio took it, but its answer was lost).
package twilioapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hotline-legal/hotline/bot/texter"
)

// The account the server serves: Client and Texter sign with them; a request
// for another account, or with another token, is refused as Twilio refuses
// it (404 20404, 401 20003).
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "fedcba9876543210fedcba9876543210"
)

// Always, as a count, repeats an answer until Accept.
const Always = -1

// Message is one message the server took, as the client posted it.
type Message struct {
	// SID is the message's SID, as answered: "SM" and 32 hex digits.
	SID                            string
	From, To, Body, StatusCallback string
	// Form is every field posted, for tests that check nothing else was.
	Form url.Values
}

// answer is what the server does with a request instead of taking it.
type answer struct {
	status      int  // HTTP status; 0 with hang
	code        int  // Twilio's error code, for a JSON error
	raw         bool // answer contentType and body as they are
	contentType string
	body        string
	hang        bool // no answer until the client gives up or the test ends
	take        bool // with hang: take the message first
}

// Server is a Twilio Messages API on loopback. Its methods are safe for
// concurrent use. The zero value is not usable: call New.
type Server struct {
	// URL is where the server listens, like http://127.0.0.1:41234: the
	// host that Client's requests to api.twilio.com land on.
	URL string

	srv  *httptest.Server
	stop chan struct{} // closed by Close (when the test ends): held requests end

	closeOnce sync.Once

	mu       sync.Mutex
	plan     []answer
	always   *answer // repeated once plan is spent, until Accept
	messages []Message
	requests int
	nextSID  int
}

// New starts a server for a test; it is closed when the test ends, held
// requests first.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Open starts a server outside a test (the fault harness's, a tool): the
// caller closes it with Close.
func Open() (*Server, error) {
	s := &Server{stop: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Loopback only, chosen here rather than left to httptest's fallbacks.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("twilioapi: listen: %w", err)
	}
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the server, held requests first. It is safe to call more
// than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		// Held requests are let go first: Close waits for every handler.
		close(s.stop)
		s.srv.Close()
	})
}

// Client returns a new HTTP client whose requests, to whatever host, land on
// this server, with a 5 s timeout (change it on the copy returned) and no
// redirects followed, as texter's own client.
func (s *Server) Client() *http.Client {
	base, _ := url.Parse(s.URL) // the server's own URL: it parses
	return &http.Client{
		Timeout:       5 * time.Second,
		Transport:     &texter.RewriteTransport{Base: base, Next: s.srv.Client().Transport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Texter returns the hotline's real Twilio sender (twilio-go), signed with
// AccountSID and AuthToken, sending here through Client.
func (s *Server) Texter() *texter.Twilio {
	return texter.NewTwilio(AccountSID, AuthToken, s.Client())
}

// Messages returns the messages taken so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until n messages were taken or timeout passes, and returns
// the messages taken by then.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Requests returns how many requests reached the server, taken or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// WaitForRequests waits until n requests reached the server or timeout
// passes, and reports whether they did.
func (s *Server) WaitForRequests(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if s.Requests() >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Fail answers the next n requests (Always: every one until Accept) with
// Twilio's JSON error of status and code, taking nothing: 400 and 21610 for
// a person who texted STOP to the hotline's number, 429 and 20429 for too
// many requests, 500 and 20500 for Twilio's own failure.
func (s *Server) Fail(n, status, code int) {
	s.add(n, answer{status: status, code: code})
}

// Respond answers the next n requests (or Always) with status and body as
// they are, taking nothing: a proxy's HTML page, or a 2xx that is not a
// message.
func (s *Server) Respond(n, status int, contentType, body string) {
	s.add(n, answer{status: status, raw: true, contentType: contentType, body: body})
}

// Hang holds the next n requests (or Always) without an answer until the
// client gives up (or the test ends), taking nothing.
func (s *Server) Hang(n int) { s.add(n, answer{hang: true}) }

// HangAfterTaking takes the next n messages (or Always), as Twilio does, but
// never answers: the client cannot tell that they went, and a sender that
// tries again sends them twice.
func (s *Server) HangAfterTaking(n int) { s.add(n, answer{hang: true, take: true}) }

// Accept ends what Fail, Respond, Hang and HangAfterTaking were told: from
// now on every well-formed request is taken and answered.
func (s *Server) Accept() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan, s.always = nil, nil
}

func (s *Server) add(n int, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == Always {
		s.always = &a
		return
	}
	for range n {
		s.plan = append(s.plan, a)
	}
}

// next returns what to do with a request instead of taking it, if anything.
func (s *Server) next() (answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	switch {
	case len(s.plan) > 0:
		a := s.plan[0]
		s.plan = s.plan[1:]
		return a, true
	case s.always != nil:
		return *s.always, true
	}
	return answer{}, false
}

// number is an E.164 number, for SMS or WhatsApp, as Twilio takes one.
var number = regexp.MustCompile(`^(whatsapp:)?\+[1-9][0-9]{6,14}$`)

// maxBody is Twilio's limit on a message's body, in characters.
const maxBody = 1600

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// The request is read whole first, as Twilio reads it, so that a test
	// that counts requests counts every one that arrived.
	parseErr := r.ParseForm()
	planned, ok := s.next()
	switch {
	case ok && planned.hang:
		if planned.take && parseErr == nil && s.check(r) == nil {
			s.take(r)
		}
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	case ok && planned.raw:
		w.Header().Set("Content-Type", planned.contentType)
		w.WriteHeader(planned.status)
		fmt.Fprint(w, planned.body)
		return
	case ok:
		writeError(w, planned.status, planned.code, "an error the test asked for")
		return
	case parseErr != nil:
		writeError(w, http.StatusBadRequest, 20001, "Could not parse the request body.")
		return
	}
	if e := s.check(r); e != nil {
		writeError(w, e.status, e.code, e.message)
		return
	}
	m := s.take(r)
	now := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC).Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"account_sid": AccountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": now, "date_sent": nil, "date_updated": now, "direction": "outbound-api",
		"error_code": nil, "error_message": nil, "from": m.From, "messaging_service_sid": nil,
		"num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD", "sid": m.SID,
		"status": "queued", "to": m.To,
		"subresource_uris": map[string]string{"media": "/2010-04-01/Accounts/" + AccountSID + "/Messages/" + m.SID + "/Media.json"},
		"uri":              "/2010-04-01/Accounts/" + AccountSID + "/Messages/" + m.SID + ".json",
	})
}

// refusal is an error Twilio answers a request with.
type refusal struct {
	status, code int
	message      string
}

// check returns what Twilio would refuse a parsed request for, or nil.
func (s *Server) check(r *http.Request) *refusal {
	form := r.PostForm
	from, to := form.Get("From"), form.Get("To")
	user, pass, authOK := r.BasicAuth()
	switch {
	case r.URL.Path != "/2010-04-01/Accounts/"+AccountSID+"/Messages.json":
		return &refusal{http.StatusNotFound, 20404, "The requested resource " + r.URL.Path + " was not found"}
	case r.Method != http.MethodPost:
		return &refusal{http.StatusMethodNotAllowed, 20004, "Method not allowed"}
	case !authOK || user != AccountSID || pass != AuthToken:
		return &refusal{http.StatusUnauthorized, 20003, "Authentication Error - invalid username"}
	case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
		return &refusal{http.StatusBadRequest, 20001, "Unsupported Content-Type " + r.Header.Get("Content-Type")}
	case to == "":
		return &refusal{http.StatusBadRequest, 21604, "A 'To' phone number is required."}
	case from == "":
		return &refusal{http.StatusBadRequest, 21603, "A 'From' phone number is required."}
	case form.Get("Body") == "":
		return &refusal{http.StatusBadRequest, 21602, "Message body is required."}
	case !number.MatchString(to):
		return &refusal{http.StatusBadRequest, 21211, "Invalid 'To' Phone Number: " + to}
	case !number.MatchString(from):
		return &refusal{http.StatusBadRequest, 21212, "Invalid From Number (caller ID): " + from}
	case strings.HasPrefix(from, "whatsapp:") != strings.HasPrefix(to, "whatsapp:"):
		return &refusal{http.StatusBadRequest, 21910, "Invalid From and To pair. From and To should be of the same channel"}
	case utf8.RuneCountInString(form.Get("Body")) > maxBody:
		return &refusal{http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit"}
	}
	return nil
}

// take records a message and returns it.
func (s *Server) take(r *http.Request) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSID++
	form := r.PostForm
	m := Message{
		SID: fmt.Sprintf("SM%032x", s.nextSID), From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body"),
		StatusCallback: form.Get("StatusCallback"), Form: maps.Clone(form),
	}
	s.messages = append(s.messages, m)
	return m
}

// writeError answers in Twilio's JSON error format.
func writeError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": message, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}
