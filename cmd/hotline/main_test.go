package main

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/internal/testkit/hostilepack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedNow is 3 PM in Chicago on the day the tests pretend it is.
var fixedNow = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

// result is what one run of the command printed and returned.
type result struct {
	stdout, stderr string
	status         int
}

// runHotline runs the command as main would, with a fixed clock and a reader of
// zeros for references, so that output is the same on every run.
func runHotline(t *testing.T, stdin string, getenv map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		ctx:    context.Background(),
		getenv: func(k string) string { return getenv[k] },
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		now:    func() time.Time { return fixedNow },
		random: bytes.NewReader(make([]byte, 64<<10)),
	}
	status := 0
	if err := e.run(args); err != nil {
		status = exitStatus(err)
	}
	return result{stdout.String(), stderr.String(), status}
}

// copySamplePack writes the sample pack into a temporary folder, with edits.
func copySamplePack(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(defaultpack.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(defaultpack.FS, path)
		if err != nil {
			return err
		}
		if e, ok := edits[path]; ok {
			if !bytes.Contains(data, []byte(e[0])) {
				t.Fatalf("test setup: %s has no %q", path, e[0])
			}
			data = bytes.Replace(data, []byte(e[0]), []byte(e[1]), 1)
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCheck(t *testing.T) {
	r := runHotline(t, "", nil, "check", "--strict")
	if r.status != 0 || !strings.Contains(r.stdout, "the built-in sample pack is valid") {
		t.Fatalf("check on the sample pack: status %d\n%s%s", r.status, r.stdout, r.stderr)
	}

	tests := []struct {
		name string
		file string
		edit [2]string
		want string // the start of the problem's line, after the folder
	}{
		{"YAML syntax error", "flows/screening.yaml", [2]string{"    max: 20\n", "    max: [20\n"}, "flows/screening.yaml:260:1: YAML syntax: did not find expected ',' or ']'"},
		{"missing goto target", "flows/screening.yaml", [2]string{"    next: household\n", "    next: househld\n"}, `flows/screening.yaml:250:11: step opponent: next: there is no step "househld" (did you mean "household"?)`},
		{"unknown field", "directory.yaml", [2]string{"    hours: Tue-Fri 10am-6pm\n", "    hours: Tue-Fri 10am-6pm\n    fax: (312) 555-0145\n"}, `directory.yaml:79:5: unknown field "fax"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copySamplePack(t, map[string][2]string{tt.file: tt.edit})
			r := runHotline(t, "", nil, "check", dir)
			want := filepath.Join(dir, tt.want)
			if r.status != 1 || !strings.Contains(r.stdout, want) {
				t.Errorf("check %s: status %d, want 1 and a line starting %q; got:\n%s%s", tt.name, r.status, want, r.stdout, r.stderr)
			}
		})
	}

	t.Run("HOTLINE_FLOWS names the pack", func(t *testing.T) {
		dir := copySamplePack(t, map[string][2]string{"pack.yaml": {"name: Legal Aid Hotline (Example County sample)", "name: Other County Hotline"}})
		r := runHotline(t, "", map[string]string{"HOTLINE_FLOWS": dir}, "check")
		if r.status != 0 || !strings.Contains(r.stdout, dir+" is valid") {
			t.Errorf("check with HOTLINE_FLOWS: status %d\n%s%s", r.status, r.stdout, r.stderr)
		}
	})
	t.Run("an email.yaml from before the JSON hand-off", func(t *testing.T) {
		old, err := os.ReadFile(filepath.Join("..", "..", "pack", "testdata", "email-d3099ee.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		dir := copySamplePack(t, nil)
		if err := os.WriteFile(filepath.Join(dir, "email.yaml"), old, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runHotline(t, "", nil, "check", dir)
		want := `email.yaml:73:3: warning: missing "contact_heading"`
		if r.status != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("check: status %d, want 0 and a warning %q:\n%s%s", r.status, want, r.stdout, r.stderr)
		}
		if r := runHotline(t, "", nil, "check", "--strict", dir); r.status != 1 {
			t.Errorf("check --strict: status %d, want 1:\n%s%s", r.status, r.stdout, r.stderr)
		}
	})
	t.Run("a folder that is not there", func(t *testing.T) {
		r := runHotline(t, "", nil, "check", filepath.Join(t.TempDir(), "nope"))
		if r.status != 1 || !strings.Contains(r.stderr, "no such file or directory") {
			t.Errorf("status %d, stderr %q", r.status, r.stderr)
		}
	})
}

// TestChat plays the two scripts through `hotline chat` and compares the
// whole terminal output with golden files (go test ./cmd/hotline -update rewrites them).
func TestChat(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		args   []string
		want   []string
	}{
		{
			name:   "chat_en",
			script: []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"},
			want:   []string{"Tenant Rights Clinic", "(312) 555-0111", "call them today", "To: intake.tenants@example.org", "Subject: [Hotline referral H-33333] URGENT · hearing Mon Nov 30 · Housing (eviction) · ZIP 60612", "Acme Properties"},
		},
		{
			name:   "chat_es",
			script: []string{"hola", "2", "si", "no", "60614", "4", "3 mil", "Banco XYZ", "1", "2000", "Ana", "si", "si", "si"},
			args:   []string{"--lang", "es"},
			want:   []string{"State Bar Lawyer Referral Service", "(312) 555-0199", "Gracias, Ana", "No email"},
		},
		{
			name:   "chat_agent",
			script: []string{"hi", "1", "AGENT", "yes", "agent"},
			want:   []string{"(312) 555-0100", "[notice to the coordinator: needs a person (asked) H-33333]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runHotline(t, strings.Join(tt.script, "\n")+"\n", nil, append([]string{"chat"}, tt.args...)...)
			if r.status != 0 {
				t.Fatalf("status %d: %s", r.status, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the chat output lacks %q", want)
				}
			}
			if tt.name == "chat_es" && strings.Contains(r.stdout, "Subject:") {
				t.Errorf("the Spanish fallback printed an email")
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/hotline -update to create it)", err)
			}
			if r.stdout != string(want) {
				t.Errorf("chat output differs from %s (go test ./cmd/hotline -update rewrites it):\n%s", golden, r.stdout)
			}
		})
	}
}

func TestChatFlags(t *testing.T) {
	r := runHotline(t, "hi\n", nil, "chat", "--today", "11/25")
	if r.status != 2 || !strings.Contains(r.stderr, "not a date") {
		t.Errorf("bad --today: status %d, stderr %q", r.status, r.stderr)
	}
	r = runHotline(t, "hi\n", nil, "chat", "--lang", "fr")
	if r.status != 2 || !strings.Contains(r.stderr, "en, es") {
		t.Errorf("bad --lang: status %d, stderr %q", r.status, r.stderr)
	}
	// With --today, the court date 4 days later (a Friday) is urgent whatever the real date.
	script := "hi\n1\nyes\nno\n60612\n1\nyes\n3/5\nAcme\n3\n2000\nMaria\nyes\nyes\nyes\n"
	r = runHotline(t, script, nil, "chat", "--today", "2027-03-01")
	if !strings.Contains(r.stdout, "URGENT") {
		t.Errorf("a court date 4 days after --today was not urgent:\n%s", r.stdout)
	}
}

func TestTestCommand(t *testing.T) {
	r := runHotline(t, "", nil, "test")
	if r.status != 0 || !regexp.MustCompile(`(?m)^(\d+) passed, 0 failed$`).MatchString(r.stdout) {
		t.Fatalf("test on the sample pack: status %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	n := regexp.MustCompile(`(\d+) passed`).FindStringSubmatch(r.stdout)[1]
	if len(n) < 2 {
		t.Errorf("only %s transcripts passed; the sample pack has at least 20", n)
	}

	dir := copySamplePack(t, map[string][2]string{"tests/organizations.yaml": {"referral: workers-center", "referral: tenant-clinic"}})
	r = runHotline(t, "", nil, "test", dir)
	if r.status != 1 {
		t.Errorf("a failing transcript: status %d, want 1", r.status)
	}
	for _, want := range []string{"FAIL  " + filepath.Join(dir, "tests/organizations.yaml"), `result: expected referral "tenant-clinic", got "workers-center"`, "1 failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestGraph(t *testing.T) {
	r := runHotline(t, "", nil, "graph")
	if r.status != 0 || !strings.HasPrefix(r.stdout, "flowchart TD\n") {
		t.Fatalf("graph: status %d\n%s", r.status, r.stdout)
	}
	for _, want := range []string{
		`s_zip -->|"not served(zip)"| s_out_of_area`,
		`s_court_papers -->|"yes"| s_court_date`,
		`s_consent -->|"no"| s_consent_end1([end])`,
		`s_refer{{"refer · refer"}}`,
		`entry1>"DESALOJO, EVICTED, EVICTION"] --> s_consent`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("graph lacks %q", want)
		}
	}
}

func TestUsage(t *testing.T) {
	if r := runHotline(t, "", nil); r.status != 2 || !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no command: status %d, stderr %q", r.status, r.stderr)
	}
	if r := runHotline(t, "", nil, "frobnicate"); r.status != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: status %d, stderr %q", r.status, r.stderr)
	}
	if r := runHotline(t, "", nil, "check", "a", "b"); r.status != 2 {
		t.Errorf("two packs: status %d", r.status)
	}
}

// TestCheckRefusesWhatLeavesThePack: `hotline check` and `hotline test` on a
// pack whose files are links (out of the folder or not) or a named pipe fail,
// with a line naming the file and saying why, and print nothing of what the
// links point at.
func TestCheckRefusesWhatLeavesThePack(t *testing.T) {
	for _, a := range hostilepack.Attacks() {
		t.Run(a.Name, func(t *testing.T) {
			dir := hostilepack.Folder(t, &a)
			for _, cmd := range []string{"check", "test"} {
				r := runHotline(t, "", nil, cmd, dir)
				out := r.stdout + r.stderr
				if r.status != 1 || !hasLine(out, dir, a.File, a.Why) {
					t.Errorf("%s: status %d, want 1 and a line naming %s and saying %q; got:\n%s", cmd, r.status, a.File, a.Why, out)
				}
				if hostilepack.Shows(out) {
					t.Errorf("%s shows what the link points at:\n%s", cmd, out)
				}
			}
		})
	}
	t.Run("tests folder linked to a folder outside", func(t *testing.T) {
		dir := hostilepack.Folder(t, nil)
		outside := filepath.Join(t.TempDir(), "tests")
		if err := os.Rename(filepath.Join(dir, "tests"), outside); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(dir, "tests")); err != nil {
			t.Fatal(err)
		}
		r := runHotline(t, "", nil, "check", dir)
		if want := filepath.Join(dir, "tests") + ": cannot read tests: it is a link"; r.status != 1 || !strings.Contains(r.stdout, want) {
			t.Errorf("check: status %d, want 1 and %q; got:\n%s%s", r.status, want, r.stdout, r.stderr)
		}
	})
}

// hasLine reports whether a line of out holds every one of words, once the path
// of the pack folder made by hostilepack.Folder is taken out of it: t.TempDir
// names folders after the test, and so repeats its words.
func hasLine(out, folder string, words ...string) bool {
	out = strings.ReplaceAll(out, filepath.Dir(folder), "…")
	for line := range strings.Lines(out) {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}
