package config

import (
	"net/mail"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// keysList is every config file key, as Load passes them to parseFile.
func keysList() []string {
	var keys []string
	for _, s := range settings() {
		keys = append(keys, s.key)
	}
	return keys
}

// goodFile sets a value in every YAML style: plain, quoted, block, booleans and
// numbers as YAML types.
const goodFile = `# hotline.yaml
addr: 127.0.0.1:9000
public_url: https://hotline.example.org/
redis_url: "redis://127.0.0.1:6379/2"
redis_prefix: 'hl:'
twilio_account_sid: AC0123456789abcdef0123456789abcdef
insecure_skip_signature: false
email_from: Hotline <hotline@example.org>
coordinator_email: |
  intake@example.org
retention: 72h
reminder_delay: 0
quiet_hours: 22:00-07:00
max_body: 128KiB
log_level: debug
reload_interval: off
preview: yes
admin_token: 0123456789abcdef0123
secret: a-file-secret-0123456789abcdef0123
smtp_url:
flows: ~
`

func TestLoadFile(t *testing.T) {
	good := func(c *Config) {
		c.Addr = "127.0.0.1:9000"
		c.PublicURL = "https://hotline.example.org"
		c.Redis = &Redis{Single: redisOptions(t, "redis://127.0.0.1:6379/2")}
		c.RedisPrefix = "hl:"
		c.TwilioAccountSID = "AC0123456789abcdef0123456789abcdef"
		c.EmailFrom = mail.Address{Name: "Hotline", Address: "hotline@example.org"}
		c.CoordinatorEmail = &mail.Address{Address: "intake@example.org"}
		c.Retention = 72 * time.Hour
		c.ReminderDelay = 0
		c.QuietHours = QuietHours{Start: 22 * time.Hour, End: 7 * time.Hour, On: true}
		c.MaxBodyBytes = 128 << 10
		c.LogLevel = -4
		c.ReloadInterval = 0
		c.Preview = true
		c.AdminToken = "0123456789abcdef0123"
		c.Secret = "a-file-secret-0123456789abcdef0123"
	}
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		apply func(*Config) // what changes from the defaults, when it loads
		want  string        // the whole error, when it does not
	}{
		{name: "every style", file: goodFile, apply: good},
		{name: "empty", file: "", apply: func(*Config) {}},
		{name: "only comments", file: "# nothing yet\n", apply: func(*Config) {}},
		{name: "numbers and booleans as YAML types", file: "max_body: 2048\npreview: true\nadmin_token: 1234567890123456\ninsecure_skip_signature: 1\n", apply: func(c *Config) {
			c.MaxBodyBytes, c.Preview, c.AdminToken, c.InsecureSkipSignature = 2048, true, "1234567890123456", true
		}},
		{name: "empty value is unset", file: "addr: ''\nquiet_hours:\n", apply: func(*Config) {}},
		{name: "alias", file: "retention: &week 168h\nreferral_retention: *week\n", apply: func(c *Config) { c.ReferralRetention = 168 * time.Hour }},
		{name: "environment wins", file: goodFile,
			env: map[string]string{"HOTLINE_ADDR": ":9001", "HOTLINE_LOG_LEVEL": "error", "HOTLINE_PREVIEW": "no"},
			apply: func(c *Config) {
				good(c)
				c.Addr, c.LogLevel, c.Preview = ":9001", 8, false
			}},
		{name: "environment wins over a bad value", file: "addr: 8080\n", env: map[string]string{"HOTLINE_ADDR": ":8081"},
			apply: func(c *Config) { c.Addr = ":8081" }},
		{name: "empty environment leaves the file", file: "addr: :9000\n", env: map[string]string{"HOTLINE_ADDR": ""},
			apply: func(c *Config) { c.Addr = ":9000" }},

		{name: "unknown key with suggestion", file: "addr: :9000\nlog_level: info\n\nredis: redis://h\n",
			want: `config: hotline.yaml:4:1: unknown key "redis"; did you mean "redis_url"?`},
		{name: "misspelled key", file: "retension: 24h\n",
			want: `config: hotline.yaml:1:1: unknown key "retension"; did you mean "retention"?`},
		{name: "environment name as key", file: "HOTLINE_MAX_BODY: 1MiB\nREDIS_URL: redis://h\n",
			want: `config: hotline.yaml:1:1: unknown key "HOTLINE_MAX_BODY"; did you mean "max_body"?` + "\n" +
				`config: hotline.yaml:2:1: unknown key "REDIS_URL"; did you mean "redis_url"?`},
		{name: "unknown key without suggestion", file: "port: 8080\n",
			want: `config: hotline.yaml:1:1: unknown key "port"; the keys are ` + strings.Join(keysList(), ", ")},
		{name: "duplicate key", file: "addr: :9000\nlog_level: info\naddr: :9001\n",
			want: `config: hotline.yaml:3:1: duplicate key "addr" (first set on line 1); keep one`},
		{name: "syntax error", file: "addr: :9000\nlog_level: info\n  retention: 1h\n",
			want: `config: hotline.yaml:3:1: YAML syntax: mapping values are not allowed in this context`},
		{name: "unclosed list", file: "addr: :9000\nflows: [a\n",
			want: `config: hotline.yaml:2:1: YAML syntax: did not find expected ',' or ']'`},
		{name: "tab indent", file: "addr: :9000\n\tlog_level: info\n",
			want: `config: hotline.yaml:2:1: YAML syntax: found a tab character that violates indentation`},
		{name: "list value", file: "log_level: info\npreview: [yes]\n",
			want: `config: hotline.yaml:2:10: preview: expected a single value, got a list`},
		{name: "mapping value", file: "redis_url:\n  host: h\n",
			want: `config: hotline.yaml:2:3: redis_url: expected a single value, got a mapping (key: value lines)`},
		{name: "boolean for a size", file: "max_body: true\n",
			want: `config: hotline.yaml:1:11: max_body: "true" is not a size; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{name: "number for a duration", file: "retention: 168\n",
			want: `config: hotline.yaml:1:12: retention: "168" has no unit; write it like "168s" or "168m" or "168h" (expected 1h to 8760h (a year))`},
		{name: "list at the top", file: "- addr: :9000\n",
			want: `config: hotline.yaml:1:1: expected "key: value" lines, got a list`},
		{name: "a key that is a list", file: "[a, b]: c\n",
			want: `config: hotline.yaml:1:1: expected a key name, got a list`},
		{name: "two documents", file: "addr: :9000\n---\naddr: :9001\n",
			want: `config: hotline.yaml:2:1: a second YAML document (after ---); a config file holds one`},
		{name: "preview without token in the file", file: "log_level: info\npreview: true\n",
			want: `config: hotline.yaml:2:10: preview: the preview needs HOTLINE_ADMIN_TOKEN (admin_token in the file) of at least 16 characters, so that only coordinators can use it (make one with: openssl rand -hex 16)`},
		{name: "redis mode without URL in the file", file: "redis_mode: sentinel\n",
			want: `config: hotline.yaml:1:13: redis_mode: "sentinel" needs REDIS_URL; set REDIS_URL, or remove redis_mode to use the embedded in-memory Redis`},
		{name: "short admin token", file: "admin_token: hunter2\n",
			want: `config: hotline.yaml:1:14: admin_token: is too short; expected at least 16 characters (make one with: openssl rand -hex 16)`},
		{name: "file and environment problems together", file: "addr: 8080\nlog_levle: debug\n", env: map[string]string{"HOTLINE_RETENTION": "1d"},
			want: `config: hotline.yaml:2:1: unknown key "log_levle"; did you mean "log_level"?` + "\n" +
				`config: hotline.yaml:1:7: addr: "8080" is not host:port; write ":8080" or "127.0.0.1:8080"` + "\n" +
				`config: HOTLINE_RETENTION: "1d": durations have no days; write "24h" for 1 day`},
		{name: "syntax error and environment problem together", file: "addr: [\n", env: map[string]string{"HOTLINE_ADDR": "x"},
			want: `config: hotline.yaml:2:1: YAML syntax: did not find expected node content` + "\n" +
				`config: HOTLINE_ADDR: "x" is not host:port; write ":8080" or "127.0.0.1:8080"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.WriteFile("hotline.yaml", []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := Load(envOf(tt.env), "hotline.yaml")
			if tt.want != "" {
				if err == nil {
					t.Fatalf("Load(%q) = %+v, want error\n%s", tt.file, got, tt.want)
				}
				if err.Error() != tt.want {
					t.Errorf("Load(%q) error =\n%s\nwant\n%s", tt.file, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q) failed:\n%v", tt.file, err)
			}
			want := defaults()
			tt.apply(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%q) =\n%+v\nwant\n%+v", tt.file, got, want)
			}
		})
	}
}

func TestLoadFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		name, file, want string
	}{
		{"missing", "nothere.yaml", "config: nothere.yaml: cannot read the config file (no such file or directory)"},
		{"a folder", ".", "config: .: cannot read the config file (is a directory)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(envOf(nil), tt.file)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load(%q) error = %v, want %s", tt.file, err, tt.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ got, want string }{
		{"redis", "redis_url"},
		{"Addr", "addr"},
		{"max-body", "max_body"},
		{"HOTLINE_PUBLIC_URL", "public_url"},
		{"loglevel", "log_level"},
		{"quiet_hour", "quiet_hours"},
		{"shutdown", "shutdown_timeout"},
		{"port", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.got, keysList()); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.got, got, tt.want)
		}
	}
}

func TestParseFileValues(t *testing.T) {
	// Positions are the value's, so that an editor opens the wrong value itself.
	got, problems := parseFile("h.yaml", []byte("addr:   :9000\npreview: yes\nretention: &a 2h\nreferral_retention: *a\n"), keysList())
	if len(problems) != 0 {
		t.Fatalf("parseFile problems: %v", problems)
	}
	want := map[string]fileValue{
		"addr":               {text: ":9000", line: 1, col: 9},
		"preview":            {text: "yes", line: 2, col: 10},
		"retention":          {text: "2h", line: 3, col: 12},
		"referral_retention": {text: "2h", line: 4, col: 21},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseFile = %+v, want %+v", got, want)
	}
}

// FuzzParseFile checks that no config file, however broken, panics the reader.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(goodFile))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("addr: [\n"))
	f.Add([]byte("- x\n---\ny: 1\n"))
	keys := keysList()
	f.Fuzz(func(t *testing.T, src []byte) {
		values, problems := parseFile("f.yaml", src, keys)
		for k := range values {
			if !strings.Contains(strings.Join(keys, ","), k) {
				t.Errorf("parseFile returned unknown key %q", k)
			}
		}
		for _, p := range problems {
			if !strings.HasPrefix(p.Error(), "config: f.yaml:") {
				t.Errorf("problem without a position: %v", p)
			}
		}
	})
}
