// Package handoffserver is an organization's case-management endpoint for
// tests: a real HTTP server on 127.0.0.1 (httptest) that takes Hotline's
// signed JSON hand-offs, answers each with the status it is told to (or not
// at all, until the client gives up), records every request, and checks
// what it took against the signature and docs/handoff-v1.schema.json, as an
// organization would.
package handoffserver

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Hang, given to Answer, answers nothing: the request is held until the
// client gives up (or the test ends).
const Hang = 0

// Request is one request the server got.
type Request struct {
	Method string
	Header http.Header
	Body   []byte
	// Status is what the server answered; Hang for nothing.
	Status int
}

// Server is a hand-off receiver. Its zero value is not usable: call Start.
type Server struct {
	// URL is where to POST, like http://127.0.0.1:41234/hotline.
	URL string

	srv  *httptest.Server
	stop chan struct{}
	mu   sync.Mutex
	plan []int
	got  []Request
	// header is added to every answer but a 2xx (SetHeader).
	header http.Header
	// held counts the requests held unanswered now (Hang); release ends
	// them (Release).
	held    int
	release chan struct{}
}

// Start starts a server that answers 200 unless told otherwise; it is closed
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{stop: make(chan struct{}), header: http.Header{}, release: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/hotline"
	t.Cleanup(func() {
		close(s.stop) // a held request ends now
		s.srv.Close()
	})
	return s
}

// Answer sets the statuses of the next requests, in turn (Hang for none);
// after them, 200.
func (s *Server) Answer(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = append(s.plan, statuses...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	status := http.StatusOK
	if len(s.plan) > 0 {
		status, s.plan = s.plan[0], s.plan[1:]
	}
	s.got = append(s.got, Request{Method: r.Method, Header: r.Header.Clone(), Body: body, Status: status})
	header, release := s.header.Clone(), s.release
	if status == Hang {
		s.held++
	}
	s.mu.Unlock()
	if status == Hang {
		select {
		case <-r.Context().Done():
		case <-s.stop:
		case <-release:
			// Released: answered 503, as a server that gave up itself.
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
		return
	}
	if status >= 300 {
		for name, values := range header {
			w.Header()[name] = values
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/elsewhere")
	}
	w.WriteHeader(status)
	if status >= 300 {
		// What a server says of a refusal, echoing the person's data, as a
		// careless one might: it must reach nothing but the coordinator.
		fmt.Fprintf(w, "refused: %s\nsecond line\n", bytes.TrimSpace(body[:min(len(body), 40)]))
	}
}

// SetHeader adds a header to every answer from now on but a 2xx (like
// Retry-After with a 429).
func (s *Server) SetHeader(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header.Set(name, value)
}

// Held returns how many requests are held unanswered (Hang) now: come,
// and neither answered nor given up on by the client.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// WaitHeld waits until n requests are held unanswered, or within (bounded)
// runs out, and returns how many are.
func (s *Server) WaitHeld(n int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for s.Held() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return s.Held()
}

// Release answers every request held now with 503; later ones are held
// again.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.got...)
}

// Taken returns the requests answered with a 2xx.
func (s *Server) Taken() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Status >= 200 && r.Status < 300 {
			out = append(out, r)
		}
	}
	return out
}

// WaitFor waits until n requests have come, or within (bounded) runs out, and
// returns them.
func (s *Server) WaitFor(n int, within time.Duration) []Request {
	deadline := time.Now().Add(within)
	for len(s.Requests()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return s.Requests()
}

// Verify checks a request as an organization must: the signature over the
// exact body under secret (in constant time), the headers, and the body
// against the schema. It returns every problem, nil for none.
func Verify(t testing.TB, r Request, secret string) []string {
	t.Helper()
	var problems []string
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(r.Body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-Hotline-Signature")), []byte(want)) {
		problems = append(problems, fmt.Sprintf("X-Hotline-Signature %q, want %q", r.Header.Get("X-Hotline-Signature"), want))
	}
	for name, value := range map[string]string{"Content-Type": "application/json", "User-Agent": "hotline"} {
		if got := r.Header.Get(name); got != value {
			problems = append(problems, fmt.Sprintf("%s %q, want %q", name, got, value))
		}
	}
	if r.Method != http.MethodPost {
		problems = append(problems, "method "+r.Method+", want POST")
	}
	if err := Validate(t, r.Body); err != nil {
		problems = append(problems, err.Error())
	}
	return problems
}

// SchemaPath is docs/handoff-v1.schema.json in this repository.
func SchemaPath(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("handoffserver: cannot find the repository")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "handoff-v1.schema.json")
}

// Validate checks body against docs/handoff-v1.schema.json (JSON Schema
// draft 2020-12, formats asserted).
func Validate(t testing.TB, body []byte) error {
	t.Helper()
	f, err := os.Open(SchemaPath(t))
	if err != nil {
		t.Fatalf("handoffserver: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("handoffserver: the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("handoff-v1.schema.json", doc); err != nil {
		t.Fatalf("handoffserver: %v", err)
	}
	schema, err := c.Compile("handoff-v1.schema.json")
	if err != nil {
		t.Fatalf("handoffserver: the schema does not compile: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	if err := schema.Validate(inst); err != nil {
		return fmt.Errorf("the body does not follow the schema: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}
