package handoff_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/bot/handoff"
)

// readmeExample returns the first ```lang block of the README after the
// "Verifying the signature" paragraph: the code an organization copies.
func readmeExample(t *testing.T, lang string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "**Verifying the signature.**")
	if !ok {
		t.Fatal("the README has no \"Verifying the signature\" paragraph")
	}
	m := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```").FindStringSubmatch(after)
	if m == nil {
		t.Fatalf("no %s example after \"Verifying the signature\" in the README", lang)
	}
	return m[1]
}

// TestReadmeVerifiesInGo runs the README's Go example, as an organization
// would paste it, against a body signed by Sign: it accepts the signature and
// refuses a body changed by one byte.
func TestReadmeVerifiesInGo(t *testing.T) {
	dir := t.TempDir()
	program := `package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
)

` + readmeExample(t, "go") + `
func main() {
	body, sig := os.Args[1], os.Args[2]
	for _, b := range []string{body, body + " "} {
		r := httptest.NewRequest(http.MethodPost, "/hotline", strings.NewReader(b))
		r.Header.Set("X-Hotline-Signature", sig)
		_, ok := verify(r, []byte("the-shared-key-of-at-least-32-bytes!"))
		fmt.Println(ok)
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o600); err != nil {
		t.Fatal(err)
	}
	body := `{"schema_version":1,"reference":"H-7F3K9","told":"Thank you, Maria."}`
	sig := handoff.Sign([]byte("the-shared-key-of-at-least-32-bytes!"), []byte(body))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "main.go", body, sig)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Go example does not run: %v\n%s\n%s", err, out, program)
	}
	if got := string(out); got != "true\nfalse\n" {
		t.Errorf("the README's Go example said %q; want it to accept the signed body and refuse a changed one", got)
	}
}

// TestReadmeVerifiesInPython runs the README's Python example the same way.
// Python 3 is on every machine this project builds on (Debian's); a machine
// without it fails here rather than skipping the check silently.
func TestReadmeVerifiesInPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to check the README's Python example: %v", err)
	}
	body := `{"schema_version":1,"reference":"H-7F3K9","told":"Gracias, José."}`
	sig := handoff.Sign([]byte("the-shared-key-of-at-least-32-bytes!"), []byte(body))
	script := readmeExample(t, "python") + `
import sys
body, sig = sys.argv[1].encode(), sys.argv[2]
key = b"the-shared-key-of-at-least-32-bytes!"
print(verify(body, sig, key), verify(body + b" ", sig, key), verify(body, None, key))
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", script, body, sig).CombinedOutput()
	if err != nil {
		t.Fatalf("the README's Python example does not run: %v\n%s", err, out)
	}
	if got := string(bytes.TrimSpace(out)); got != "True False False" {
		t.Errorf("the README's Python example said %q; want True False False", got)
	}
}
