package config

import (
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline/bot/mailer"
)

// envOf is a getenv over a map, so that tests never read the real environment.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string {
		if _, set := vars["HOTLINE_SECRET"]; name == "HOTLINE_SECRET" && !set && vars["REDIS_URL"] != "" {
			// REDIS_URL needs a secret (TestSecretRequired); the tests of other
			// settings give one.
			return testSecret
		}
		return vars[name]
	}
}

// testSecret is the HOTLINE_SECRET tests with REDIS_URL run with.
const testSecret = "test-secret-0123456789abcdef0123456789"

// defaults is what Load gives with nothing set.
func defaults() Config {
	return Config{
		Addr:                ":8080",
		RedisPrefix:         "hotline:",
		OutboxDir:           "./outbox",
		EmailFrom:           mail.Address{Name: "Legal Aid Hotline", Address: "hotline@localhost"},
		Retention:           168 * time.Hour,
		ReferralRetention:   720 * time.Hour,
		ReminderDelay:       2 * time.Hour,
		FollowUpAfter:       72 * time.Hour,
		QuietHours:          QuietHours{Start: 21 * time.Hour, End: 8 * time.Hour, On: true},
		MaxBodyBytes:        65536,
		LogLevel:            slog.LevelInfo,
		ShutdownTimeout:     15 * time.Second,
		ReloadInterval:      2 * time.Second,
		RetryFirst:          5 * time.Second,
		RetryMax:            15 * time.Minute,
		RetryFor:            24 * time.Hour,
		TwilioAPIURL:        &url.URL{Scheme: "https", Host: "api.twilio.com"},
		MetricsAddr:         "127.0.0.1:9464",
		ChatReferralsPerDay: 3,
	}
}

// inPackDir moves the test into a folder holding a pack ("pack"), a folder that
// is not one ("empty") and a file ("file.txt"), for HOTLINE_FLOWS and
// HOTLINE_OUTBOX_DIR.
func inPackDir(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, d := range []string{"pack", "empty"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join("pack", "pack.yaml"), "file.txt"} {
		if err := os.WriteFile(f, []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSettingsCoverEveryField(t *testing.T) {
	// A field added to Config without a setting would silently stay zero.
	// REDIS_URL and HOTLINE_REDIS_MODE are two settings read into one field, Redis.
	if got, want := len(settings()), reflect.TypeFor[Config]().NumField()+1; got != want {
		t.Errorf("settings() has %d entries, want %d (Config has %d fields)", got, want, want-1)
	}
	seen := map[string]bool{}
	for _, s := range settings() {
		want := strings.ToLower(strings.TrimPrefix(s.env, "HOTLINE_"))
		if s.key != want {
			t.Errorf("setting %s has key %q, want %q", s.env, s.key, want)
		}
		if seen[s.key] {
			t.Errorf("key %q listed twice", s.key)
		}
		seen[s.key] = true
	}
}

func TestLoadDefaults(t *testing.T) {
	got, err := Load(envOf(nil), "")
	if err != nil {
		t.Fatalf("Load(no settings) failed: %v", err)
	}
	if want := defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load(no settings) =\n%+v\nwant\n%+v", got, want)
	}
	// A nil getenv is no environment, not a crash.
	if got, err := Load(nil, ""); err != nil || !reflect.DeepEqual(got, defaults()) {
		t.Errorf("Load(nil getenv) = %+v, %v; want the defaults", got, err)
	}
}

func TestLoadGoodValues(t *testing.T) {
	inPackDir(t)
	tests := []struct {
		name  string
		env   map[string]string
		apply func(*Config) // what changes from the defaults
	}{
		{"addr port only", map[string]string{"HOTLINE_ADDR": ":9000"}, func(c *Config) { c.Addr = ":9000" }},
		{"addr host and port", map[string]string{"HOTLINE_ADDR": "127.0.0.1:8081"}, func(c *Config) { c.Addr = "127.0.0.1:8081" }},
		{"addr IPv6", map[string]string{"HOTLINE_ADDR": "[::1]:80"}, func(c *Config) { c.Addr = "[::1]:80" }},
		{"addr free port", map[string]string{"HOTLINE_ADDR": ":0"}, func(c *Config) { c.Addr = ":0" }},
		{"addr spaces trimmed", map[string]string{"HOTLINE_ADDR": "  :8081\n"}, func(c *Config) { c.Addr = ":8081" }},
		{"public URL", map[string]string{"HOTLINE_PUBLIC_URL": "https://hotline.example.org"}, func(c *Config) { c.PublicURL = "https://hotline.example.org" }},
		{"public URL trailing slash removed", map[string]string{"HOTLINE_PUBLIC_URL": "https://x.ngrok.app/base/"}, func(c *Config) { c.PublicURL = "https://x.ngrok.app/base" }},
		{"public URL http with port", map[string]string{"HOTLINE_PUBLIC_URL": "http://localhost:8080/"}, func(c *Config) { c.PublicURL = "http://localhost:8080" }},
		{"flows", map[string]string{"HOTLINE_FLOWS": "pack"}, func(c *Config) { c.Flows = "pack" }},
		{"redis URL", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/2"}, func(c *Config) {
			c.Redis = &Redis{Single: redisOptions(t, "redis://127.0.0.1:6379/2")}
		}},
		{"redis mode any case", map[string]string{"REDIS_URL": "redis://10.0.0.1:7000", "HOTLINE_REDIS_MODE": "Cluster"}, func(c *Config) {
			c.Redis = &Redis{Cluster: clusterOptions(t, "redis://10.0.0.1:7000")}
		}},
		{"redis mode single", map[string]string{"REDIS_URL": "redis://h", "HOTLINE_REDIS_MODE": "single"}, func(c *Config) {
			c.Redis = &Redis{Single: redisOptions(t, "redis://h")}
		}},
		{"redis mode sentinel", map[string]string{"REDIS_URL": "redis://h:26379?master_name=m", "HOTLINE_REDIS_MODE": "sentinel"}, func(c *Config) {
			c.Redis = &Redis{Sentinel: failoverOptions(t, "redis://h:26379?master_name=m")}
		}},
		{"redis mode auto finds sentinel", map[string]string{"REDIS_URL": "redis://h:26379?master_name=m"}, func(c *Config) {
			c.Redis = &Redis{Sentinel: failoverOptions(t, "redis://h:26379?master_name=m")}
		}},
		{"redis prefix", map[string]string{"HOTLINE_REDIS_PREFIX": "hl2:"}, func(c *Config) { c.RedisPrefix = "hl2:" }},
		{"redis prefix 64 characters", map[string]string{"HOTLINE_REDIS_PREFIX": strings.Repeat("a", 64)}, func(c *Config) { c.RedisPrefix = strings.Repeat("a", 64) }},
		{"account SID", map[string]string{"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789ABCDEF"}, func(c *Config) { c.TwilioAccountSID = "AC0123456789abcdef0123456789ABCDEF" }},
		{"auth token", map[string]string{"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "HOTLINE_PUBLIC_URL": "https://h.example.org"}, func(c *Config) {
			c.TwilioAuthToken, c.PublicURL = "0123456789abcdef0123456789abcdef", "https://h.example.org"
		}},
		{"skip signature 1", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "1"}, func(c *Config) { c.InsecureSkipSignature = true }},
		{"skip signature TRUE", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "TRUE"}, func(c *Config) { c.InsecureSkipSignature = true }},
		{"skip signature yes", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "yes"}, func(c *Config) { c.InsecureSkipSignature = true }},
		{"skip signature no", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "no"}, func(*Config) {}},
		{"skip signature 0", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "0"}, func(*Config) {}},
		{"skip signature false", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "false"}, func(*Config) {}},
		{"smtp", map[string]string{"SMTP_URL": "smtp://mail.example.org:587"}, func(c *Config) {
			c.SMTP = &mailer.SMTP{Host: "mail.example.org", Port: 587, TLS: mailer.TLSMandatory}
		}},
		{"smtps with login", map[string]string{"SMTP_URL": "smtps://me%40example.org:p%40ss@mail.example.org/"}, func(c *Config) {
			c.SMTP = &mailer.SMTP{Host: "mail.example.org", Port: 465, TLS: mailer.TLSImplicit, Username: "me@example.org", Password: "p@ss"}
		}},
		{"outbox dir", map[string]string{"HOTLINE_OUTBOX_DIR": "mail/out"}, func(c *Config) { c.OutboxDir = "mail/out" }},
		{"outbox dir exists", map[string]string{"HOTLINE_OUTBOX_DIR": "empty"}, func(c *Config) { c.OutboxDir = "empty" }},
		{"email from bare", map[string]string{"HOTLINE_EMAIL_FROM": "hotline@example.org"}, func(c *Config) { c.EmailFrom = mail.Address{Address: "hotline@example.org"} }},
		{"email from with name", map[string]string{"HOTLINE_EMAIL_FROM": `"Línea Legal" <hotline@example.org>`}, func(c *Config) {
			c.EmailFrom = mail.Address{Name: "Línea Legal", Address: "hotline@example.org"}
		}},
		{"coordinator email", map[string]string{"HOTLINE_COORDINATOR_EMAIL": "Intake <intake@example.org>"}, func(c *Config) {
			c.CoordinatorEmail = &mail.Address{Name: "Intake", Address: "intake@example.org"}
		}},
		{"retention", map[string]string{"HOTLINE_RETENTION": "72h"}, func(c *Config) { c.Retention = 72 * time.Hour }},
		{"retention least", map[string]string{"HOTLINE_RETENTION": "60m"}, func(c *Config) { c.Retention = time.Hour }},
		{"retention most", map[string]string{"HOTLINE_RETENTION": "8760h"}, func(c *Config) { c.Retention = 8760 * time.Hour }},
		{"referral retention", map[string]string{"HOTLINE_REFERRAL_RETENTION": "2160h"}, func(c *Config) { c.ReferralRetention = 2160 * time.Hour }},
		{"reminder delay", map[string]string{"HOTLINE_REMINDER_DELAY": "90m"}, func(c *Config) { c.ReminderDelay = 90 * time.Minute }},
		{"reminder delay least", map[string]string{"HOTLINE_REMINDER_DELAY": "1s"}, func(c *Config) { c.ReminderDelay = time.Second }},
		{"retry timings", map[string]string{"HOTLINE_RETRY_FIRST": "1s", "HOTLINE_RETRY_MAX": "1m", "HOTLINE_RETRY_FOR": "2h"}, func(c *Config) {
			c.RetryFirst, c.RetryMax, c.RetryFor = time.Second, time.Minute, 2*time.Hour
		}},
		{"Twilio API URL", map[string]string{"HOTLINE_TWILIO_API_URL": "http://127.0.0.1:9999/"}, func(c *Config) {
			c.TwilioAPIURL = &url.URL{Scheme: "http", Host: "127.0.0.1:9999"}
		}},
		{"trusted proxies", map[string]string{"HOTLINE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"}, func(c *Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}
		}},
		{"follow-up after", map[string]string{"HOTLINE_FOLLOWUP_AFTER": "48h"}, func(c *Config) { c.FollowUpAfter = 48 * time.Hour }},
		{"follow-up off", map[string]string{"HOTLINE_FOLLOWUP_AFTER": "0"}, func(c *Config) { c.FollowUpAfter = 0 }},
		{"reminder delay 0 disables", map[string]string{"HOTLINE_REMINDER_DELAY": "0"}, func(c *Config) { c.ReminderDelay = 0 }},
		{"reminder delay off disables", map[string]string{"HOTLINE_REMINDER_DELAY": "off"}, func(c *Config) { c.ReminderDelay = 0 }},
		{"quiet hours", map[string]string{"HOTLINE_QUIET_HOURS": "22:30-07:15"}, func(c *Config) {
			c.QuietHours = QuietHours{Start: 22*time.Hour + 30*time.Minute, End: 7*time.Hour + 15*time.Minute, On: true}
		}},
		{"quiet hours same day, written loosely", map[string]string{"HOTLINE_QUIET_HOURS": "9:00 - 17:00"}, func(c *Config) {
			c.QuietHours = QuietHours{Start: 9 * time.Hour, End: 17 * time.Hour, On: true}
		}},
		{"quiet hours off", map[string]string{"HOTLINE_QUIET_HOURS": "OFF"}, func(c *Config) { c.QuietHours = QuietHours{} }},
		{"max body bytes", map[string]string{"HOTLINE_MAX_BODY": "1024"}, func(c *Config) { c.MaxBodyBytes = 1024 }},
		{"max body KiB", map[string]string{"HOTLINE_MAX_BODY": "64KiB"}, func(c *Config) { c.MaxBodyBytes = 65536 }},
		{"max body MiB", map[string]string{"HOTLINE_MAX_BODY": "1 MiB"}, func(c *Config) { c.MaxBodyBytes = 1 << 20 }},
		{"max body most", map[string]string{"HOTLINE_MAX_BODY": "10mib"}, func(c *Config) { c.MaxBodyBytes = 10 << 20 }},
		{"log level debug", map[string]string{"HOTLINE_LOG_LEVEL": "debug"}, func(c *Config) { c.LogLevel = slog.LevelDebug }},
		{"log level WARN", map[string]string{"HOTLINE_LOG_LEVEL": "WARN"}, func(c *Config) { c.LogLevel = slog.LevelWarn }},
		{"log level error", map[string]string{"HOTLINE_LOG_LEVEL": "error"}, func(c *Config) { c.LogLevel = slog.LevelError }},
		{"shutdown timeout", map[string]string{"HOTLINE_SHUTDOWN_TIMEOUT": "5m"}, func(c *Config) { c.ShutdownTimeout = 5 * time.Minute }},
		{"reload interval", map[string]string{"HOTLINE_RELOAD_INTERVAL": "100ms"}, func(c *Config) { c.ReloadInterval = 100 * time.Millisecond }},
		{"reload interval 0 disables", map[string]string{"HOTLINE_RELOAD_INTERVAL": "0s"}, func(c *Config) { c.ReloadInterval = 0 }},
		{"preview with token", map[string]string{"HOTLINE_PREVIEW": "true", "HOTLINE_ADMIN_TOKEN": "0123456789abcdef"}, func(c *Config) {
			c.Preview, c.AdminToken = true, "0123456789abcdef"
		}},
		{"admin token without preview", map[string]string{"HOTLINE_ADMIN_TOKEN": "a long enough token"}, func(c *Config) { c.AdminToken = "a long enough token" }},
		{"hand-offs to private addresses", map[string]string{"HOTLINE_HANDOFF_ALLOW_PRIVATE": "1"}, func(c *Config) { c.HandoffAllowPrivate = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(envOf(tt.env), "")
			if err != nil {
				t.Fatalf("Load(%v) failed:\n%v", tt.env, err)
			}
			want := defaults()
			tt.apply(&want)
			if want.Redis != nil && want.Secret == "" {
				want.Secret = testSecret // envOf's
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%v) =\n%+v\nwant\n%+v", tt.env, got, want)
			}
		})
	}
}

func TestLoadBadValues(t *testing.T) {
	inPackDir(t)
	tests := []struct {
		name string
		env  map[string]string
		want string // the whole error
	}{
		{"addr port only", map[string]string{"HOTLINE_ADDR": "8080"},
			`config: HOTLINE_ADDR: "8080" is not host:port; write ":8080" or "127.0.0.1:8080"`},
		{"addr host only", map[string]string{"HOTLINE_ADDR": "localhost"},
			`config: HOTLINE_ADDR: "localhost" is not host:port; write ":8080" or "127.0.0.1:8080"`},
		{"addr no port", map[string]string{"HOTLINE_ADDR": "localhost:"},
			`config: HOTLINE_ADDR: "localhost:" has no port; write "localhost:8080"`},
		{"addr port too big", map[string]string{"HOTLINE_ADDR": ":65536"},
			`config: HOTLINE_ADDR: ":65536" has port "65536"; expected a number from 0 to 65535 (0 picks a free port)`},
		{"addr port a name", map[string]string{"HOTLINE_ADDR": ":http"},
			`config: HOTLINE_ADDR: ":http" has port "http"; expected a number from 0 to 65535 (0 picks a free port)`},
		{"addr a URL", map[string]string{"HOTLINE_ADDR": "http://x:80"},
			`config: HOTLINE_ADDR: "http://x:80" is not host:port; write ":8080" or "127.0.0.1:8080"`},
		{"public URL no scheme", map[string]string{"HOTLINE_PUBLIC_URL": "hotline.example.org"},
			`config: HOTLINE_PUBLIC_URL: "hotline.example.org" must start with https:// (or http://); write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"public URL other scheme", map[string]string{"HOTLINE_PUBLIC_URL": "ftp://example.org"},
			`config: HOTLINE_PUBLIC_URL: "ftp://example.org" must start with https:// (or http://); write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"public URL no host", map[string]string{"HOTLINE_PUBLIC_URL": "https:///base"},
			`config: HOTLINE_PUBLIC_URL: "https:///base" has no host; write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"public URL query", map[string]string{"HOTLINE_PUBLIC_URL": "https://example.org/?a=1"},
			`config: HOTLINE_PUBLIC_URL: "https://example.org/?a=1" must not have a query (?...): give the base URL only; the request's path and query are added to it`},
		{"public URL fragment", map[string]string{"HOTLINE_PUBLIC_URL": "https://example.org/#top"},
			`config: HOTLINE_PUBLIC_URL: "https://example.org/#top" must not have a fragment (#...); write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"public URL login", map[string]string{"HOTLINE_PUBLIC_URL": "https://u:secret@example.org"},
			`config: HOTLINE_PUBLIC_URL: "https://u:xxxxx@example.org" must not contain a user name or password; write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"public URL bad port", map[string]string{"HOTLINE_PUBLIC_URL": "https://example.org:0"},
			`config: HOTLINE_PUBLIC_URL: "https://example.org:0" has port 0; expected a number from 1 to 65535`},
		{"public URL unparsable", map[string]string{"HOTLINE_PUBLIC_URL": "https://example.org:x"},
			`config: HOTLINE_PUBLIC_URL: "https://example.org:x" is not a URL (invalid port ":x" after host); write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`},
		{"flows missing", map[string]string{"HOTLINE_FLOWS": "nowhere"},
			`config: HOTLINE_FLOWS: folder "nowhere" does not exist; a pack is a folder holding pack.yaml (copy flows/defaultpack to start one), or leave HOTLINE_FLOWS unset for the built-in sample`},
		{"flows a file", map[string]string{"HOTLINE_FLOWS": "file.txt"},
			`config: HOTLINE_FLOWS: "file.txt" is a file, not a folder; a pack is a folder holding pack.yaml (copy flows/defaultpack to start one), or leave HOTLINE_FLOWS unset for the built-in sample`},
		{"flows without pack.yaml", map[string]string{"HOTLINE_FLOWS": "empty"},
			`config: HOTLINE_FLOWS: folder "empty" has no pack.yaml; a pack is a folder holding pack.yaml (copy flows/defaultpack to start one), or leave HOTLINE_FLOWS unset for the built-in sample`},
		{"redis URL", map[string]string{"REDIS_URL": "localhost:6379"},
			`config: REDIS_URL: it is not a URL; write redis://host:port (rediss:// for TLS)`},
		{"redis mode", map[string]string{"REDIS_URL": "redis://h", "HOTLINE_REDIS_MODE": "master"},
			`config: HOTLINE_REDIS_MODE: "master" is not a mode; expected auto, single, sentinel or cluster`},
		{"redis mode without URL", map[string]string{"HOTLINE_REDIS_MODE": "cluster"},
			`config: HOTLINE_REDIS_MODE: "cluster" needs REDIS_URL; set REDIS_URL, or remove HOTLINE_REDIS_MODE to use the embedded in-memory Redis`},
		{"redis mode does not fit URL", map[string]string{"REDIS_URL": "redis://h:26379", "HOTLINE_REDIS_MODE": "sentinel"},
			`config: REDIS_URL: "redis://h:26379" has no master_name; in sentinel mode add ?master_name=NAME, the name the Sentinels know the primary by`},
		{"redis prefix brace", map[string]string{"HOTLINE_REDIS_PREFIX": "{hotline}:"},
			`config: HOTLINE_REDIS_PREFIX: "{hotline}:" has a brace, which Redis Cluster reads as a hash tag; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`},
		{"redis prefix space", map[string]string{"HOTLINE_REDIS_PREFIX": "hot line:"},
			`config: HOTLINE_REDIS_PREFIX: "hot line:" has a space; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`},
		{"redis prefix not ASCII", map[string]string{"HOTLINE_REDIS_PREFIX": "línea:"},
			`config: HOTLINE_REDIS_PREFIX: "línea:" has the character 'í'; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`},
		{"redis prefix newline", map[string]string{"HOTLINE_REDIS_PREFIX": "a\nb"},
			`config: HOTLINE_REDIS_PREFIX: "a\nb" has the character '\n'; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`},
		{"redis prefix too long", map[string]string{"HOTLINE_REDIS_PREFIX": strings.Repeat("a", 65)},
			`config: HOTLINE_REDIS_PREFIX: "` + strings.Repeat("a", 65) + `" is 65 characters long; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`},
		{"account SID short", map[string]string{"TWILIO_ACCOUNT_SID": "AC123"},
			`config: TWILIO_ACCOUNT_SID: "AC123" is not an account SID; expected "AC" followed by 32 hex digits, as shown on the Twilio console`},
		{"account SID not hex", map[string]string{"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdeg"},
			`config: TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdeg" is not an account SID; expected "AC" followed by 32 hex digits, as shown on the Twilio console`},
		{"account SID an API key", map[string]string{"TWILIO_ACCOUNT_SID": "SK0123456789abcdef0123456789abcdef"},
			`config: TWILIO_ACCOUNT_SID: "SK0123456789abcdef0123456789abcdef" is an API key SID, not an account SID; expected "AC" followed by 32 hex digits, as shown on the Twilio console`},
		{"skip signature", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "maybe"},
			`config: HOTLINE_INSECURE_SKIP_SIGNATURE: "maybe" is not yes or no; expected 1, true or yes to turn it on, or 0, false or no to leave it off`},
		{"skip signature on", map[string]string{"HOTLINE_INSECURE_SKIP_SIGNATURE": "on"},
			`config: HOTLINE_INSECURE_SKIP_SIGNATURE: "on" is not yes or no; expected 1, true or yes to turn it on, or 0, false or no to leave it off`},
		{"smtp scheme", map[string]string{"SMTP_URL": "mail.example.org:587"},
			`config: SMTP_URL: "mail.example.org:587" is not an SMTP URL; write smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465 (TLS)`},
		{"smtp no host", map[string]string{"SMTP_URL": "smtp://:587"},
			`config: SMTP_URL: "smtp://:587" has no host; write smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465 (TLS)`},
		{"smtp path", map[string]string{"SMTP_URL": "smtp://u:hunter22@mail.example.org/inbox"},
			`config: SMTP_URL: "smtp://u:xxxxx@mail.example.org/inbox" has a path; an SMTP URL ends after host:port; write smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465 (TLS)`},
		{"smtp query", map[string]string{"SMTP_URL": "smtp://mail.example.org?tls=no"},
			`config: SMTP_URL: "smtp://mail.example.org?tls=no" has a query other than ?tls=mandatory (the default) or ?tls=none; write smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465 (TLS)`},
		{"smtp port", map[string]string{"SMTP_URL": "smtp://mail.example.org:70000"},
			`config: SMTP_URL: "smtp://mail.example.org:70000" has port 70000; expected a number from 1 to 65535`},
		{"Twilio API URL with a path", map[string]string{"HOTLINE_TWILIO_API_URL": "https://api.twilio.com/2010-04-01"},
			`config: HOTLINE_TWILIO_API_URL: "https://api.twilio.com/2010-04-01" is not a base URL like https://api.twilio.com`},
		{"Twilio API URL with a fragment", map[string]string{"HOTLINE_TWILIO_API_URL": "https://api.twilio.com#edge"},
			`config: HOTLINE_TWILIO_API_URL: "https://api.twilio.com#edge" is not a base URL like https://api.twilio.com`},
		{"Twilio API URL with a login", map[string]string{"HOTLINE_TWILIO_API_URL": "https://AC1:hunter22@api.twilio.com"},
			`config: HOTLINE_TWILIO_API_URL: "https://AC1:xxxxx@api.twilio.com" is not a base URL like https://api.twilio.com`},
		{"outbox dir a file", map[string]string{"HOTLINE_OUTBOX_DIR": "file.txt"},
			`config: HOTLINE_OUTBOX_DIR: "file.txt" is a file; expected a folder for the .eml files (it is made if missing)`},
		{"email from", map[string]string{"HOTLINE_EMAIL_FROM": "hotline"},
			`config: HOTLINE_EMAIL_FROM: "hotline" is not an email address (missing '@' or angle-addr); write "Legal Aid Hotline <hotline@example.org>" or just "hotline@example.org"`},
		{"email from two addresses", map[string]string{"HOTLINE_EMAIL_FROM": "a@example.org, b@example.org"},
			`config: HOTLINE_EMAIL_FROM: "a@example.org, b@example.org" is not an email address (expected single address, got ", b@example.org"); write "Legal Aid Hotline <hotline@example.org>" or just "hotline@example.org"`},
		{"coordinator email", map[string]string{"HOTLINE_COORDINATOR_EMAIL": "intake at example.org"},
			`config: HOTLINE_COORDINATOR_EMAIL: "intake at example.org" is not an email address (no angle-addr); write "intake@example.org" or "Intake Team <intake@example.org>"`},
		{"retention no unit", map[string]string{"HOTLINE_RETENTION": "168"},
			`config: HOTLINE_RETENTION: "168" has no unit; write it like "168s" or "168m" or "168h" (expected 1h to 8760h (a year))`},
		{"retention days", map[string]string{"HOTLINE_RETENTION": "7d"},
			`config: HOTLINE_RETENTION: "7d": durations have no days; write "168h" for 7 days`},
		{"retention too short", map[string]string{"HOTLINE_RETENTION": "59m"},
			`config: HOTLINE_RETENTION: "59m" is out of range; expected 1h to 8760h (a year)`},
		{"retention off", map[string]string{"HOTLINE_RETENTION": "0"},
			`config: HOTLINE_RETENTION: "0" is out of range; expected 1h to 8760h (a year)`},
		{"referral retention too long", map[string]string{"HOTLINE_REFERRAL_RETENTION": "8761h"},
			`config: HOTLINE_REFERRAL_RETENTION: "8761h" is out of range; expected 1h to 8760h (a year)`},
		{"follow-up too long", map[string]string{"HOTLINE_FOLLOWUP_AFTER": "721h"},
			`config: HOTLINE_FOLLOWUP_AFTER: "721h" is out of range; expected 1m to 720h, or 0 for no follow-up`},
		{"reminder delay too short", map[string]string{"HOTLINE_REMINDER_DELAY": "500ms"},
			`config: HOTLINE_REMINDER_DELAY: "500ms" is out of range; expected 1s to 72h, or 0 for no reminders`},
		{"reminder delay too long", map[string]string{"HOTLINE_REMINDER_DELAY": "73h"},
			`config: HOTLINE_REMINDER_DELAY: "73h" is out of range; expected 1s to 72h, or 0 for no reminders`},
		{"reminder delay negative", map[string]string{"HOTLINE_REMINDER_DELAY": "-1h"},
			`config: HOTLINE_REMINDER_DELAY: "-1h" is out of range; expected 1s to 72h, or 0 for no reminders`},
		{"reminder delay words", map[string]string{"HOTLINE_REMINDER_DELAY": "two hours"},
			`config: HOTLINE_REMINDER_DELAY: "two hours" is not a duration; write it like "90m" or "2h" (expected 1s to 72h, or 0 for no reminders)`},
		{"quiet hours one time", map[string]string{"HOTLINE_QUIET_HOURS": "21:00"},
			`config: HOTLINE_QUIET_HOURS: "21:00" is not a time window; expected "HH:MM-HH:MM" in 24-hour time, like "21:00-08:00" (it may wrap midnight), or "off"`},
		{"quiet hours 12-hour clock", map[string]string{"HOTLINE_QUIET_HOURS": "9pm-8am"},
			`config: HOTLINE_QUIET_HOURS: "9pm-8am" is not a time window; expected "HH:MM-HH:MM" in 24-hour time, like "21:00-08:00" (it may wrap midnight), or "off"`},
		{"quiet hours 24:00", map[string]string{"HOTLINE_QUIET_HOURS": "21:00-24:00"},
			`config: HOTLINE_QUIET_HOURS: "21:00-24:00" is not a time window; expected "HH:MM-HH:MM" in 24-hour time, like "21:00-08:00" (it may wrap midnight), or "off"`},
		{"quiet hours empty window", map[string]string{"HOTLINE_QUIET_HOURS": "08:00-08:00"},
			`config: HOTLINE_QUIET_HOURS: "08:00-08:00" starts and ends at the same time; expected "HH:MM-HH:MM" in 24-hour time, like "21:00-08:00" (it may wrap midnight), or "off"`},
		{"max body too small", map[string]string{"HOTLINE_MAX_BODY": "1023"},
			`config: HOTLINE_MAX_BODY: "1023" is too small; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"max body too large", map[string]string{"HOTLINE_MAX_BODY": "11MiB"},
			`config: HOTLINE_MAX_BODY: "11MiB" is too large; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"max body huge", map[string]string{"HOTLINE_MAX_BODY": "99999999999999999999999"},
			`config: HOTLINE_MAX_BODY: "99999999999999999999999" is too large; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"max body decimal unit", map[string]string{"HOTLINE_MAX_BODY": "64KB"},
			`config: HOTLINE_MAX_BODY: "64KB": write KiB or MiB (1 KiB = 1024 bytes); expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"max body unknown unit", map[string]string{"HOTLINE_MAX_BODY": "64 pages"},
			`config: HOTLINE_MAX_BODY: "64 pages" has an unknown unit "pages"; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"max body negative", map[string]string{"HOTLINE_MAX_BODY": "-1"},
			`config: HOTLINE_MAX_BODY: "-1" is not a size; expected a number of bytes from 1KiB to 10MiB, like 65536, "64KiB" or "1MiB"`},
		{"log level", map[string]string{"HOTLINE_LOG_LEVEL": "verbose"},
			`config: HOTLINE_LOG_LEVEL: "verbose" is not a log level; expected debug, info, warn or error`},
		{"shutdown timeout too short", map[string]string{"HOTLINE_SHUTDOWN_TIMEOUT": "500ms"},
			`config: HOTLINE_SHUTDOWN_TIMEOUT: "500ms" is out of range; expected 1s to 5m`},
		{"shutdown timeout cannot be off", map[string]string{"HOTLINE_SHUTDOWN_TIMEOUT": "off"},
			`config: HOTLINE_SHUTDOWN_TIMEOUT: "off" is not a duration; write it like "90m" or "2h" (expected 1s to 5m)`},
		{"reload interval too short", map[string]string{"HOTLINE_RELOAD_INTERVAL": "10ms"},
			`config: HOTLINE_RELOAD_INTERVAL: "10ms" is out of range; expected 100ms to 1h, or 0 to never reload`},
		{"hand-offs to private addresses", map[string]string{"HOTLINE_HANDOFF_ALLOW_PRIVATE": "internal"},
			`config: HOTLINE_HANDOFF_ALLOW_PRIVATE: "internal" is not yes or no; expected 1, true or yes to turn it on, or 0, false or no to leave it off`},
		{"preview", map[string]string{"HOTLINE_PREVIEW": "enabled"},
			`config: HOTLINE_PREVIEW: "enabled" is not yes or no; expected 1, true or yes to turn it on, or 0, false or no to leave it off`},
		{"preview without token", map[string]string{"HOTLINE_PREVIEW": "1"},
			`config: HOTLINE_PREVIEW: the preview needs HOTLINE_ADMIN_TOKEN (admin_token in the file) of at least 16 characters, so that only coordinators can use it (make one with: openssl rand -hex 16)`},
		{"admin token short", map[string]string{"HOTLINE_PREVIEW": "1", "HOTLINE_ADMIN_TOKEN": "short-secret"},
			`config: HOTLINE_ADMIN_TOKEN: is too short; expected at least 16 characters (make one with: openssl rand -hex 16)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(envOf(tt.env), "")
			if err == nil {
				t.Fatalf("Load(%q) = %+v, want error\n%s", tt.env, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Load(%q) error =\n%s\nwant\n%s", tt.env, err, tt.want)
			}
			if !reflect.DeepEqual(got, Config{}) {
				t.Errorf("Load(%q) returned %+v with its error, want the zero Config", tt.env, got)
			}
		})
	}
}

func TestLoadReportsAllProblemsTogether(t *testing.T) {
	env := map[string]string{
		"HOTLINE_ADDR":         "8080",
		"REDIS_URL":            "redis://:hunter22@h:6379?bogus=1",
		"HOTLINE_RETENTION":    "forever",
		"HOTLINE_PREVIEW":      "yes",
		"TWILIO_ACCOUNT_SID":   "AC1",
		"HOTLINE_REDIS_PREFIX": "{x}",
	}
	_, err := Load(envOf(env), "")
	if err == nil {
		t.Fatal("Load(six bad values) succeeded")
	}
	want := []string{
		`config: HOTLINE_ADDR: "8080" is not host:port; write ":8080" or "127.0.0.1:8080"`,
		`config: HOTLINE_REDIS_PREFIX: "{x}" has a brace, which Redis Cluster reads as a hash tag; expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`,
		`config: TWILIO_ACCOUNT_SID: "AC1" is not an account SID; expected "AC" followed by 32 hex digits, as shown on the Twilio console`,
		`config: HOTLINE_RETENTION: "forever" is not a duration; write it like "90m" or "2h" (expected 1h to 8760h (a year))`,
		`config: REDIS_URL: "redis://:xxxxx@h:6379?bogus=1": unexpected option: bogus (read in single mode)`,
		`config: HOTLINE_PREVIEW: the preview needs HOTLINE_ADMIN_TOKEN (admin_token in the file) of at least 16 characters, so that only coordinators can use it (make one with: openssl rand -hex 16)`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("Load error =\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	const secret = "hunter2-topsecret"
	const token = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		env  map[string]string
		hide string // what the error must not show
		want string // a part of the error showing the redaction
	}{
		{"redis password", map[string]string{"REDIS_URL": "redis://:" + secret + "@h:6379/x"}, secret, `"redis://:xxxxx@h:6379/x"`},
		{"redis user and password", map[string]string{"REDIS_URL": "rediss://app:" + secret + "@h?dial_timeout=soon"}, secret, `"rediss://app:xxxxx@h?dial_timeout=soon"`},
		{"redis primary password in the query", map[string]string{"REDIS_URL": "redis://h?master_name=m&password=" + secret + "&nope=1"}, secret, `password=xxxxx`},
		{"redis URL that does not parse", map[string]string{"REDIS_URL": "redis://:" + secret + "@h:port"}, secret, `"redis://:xxxxx@h:port"`},
		{"smtp password", map[string]string{"SMTP_URL": "smtps://me:" + secret + "@mail.example.org/x"}, secret, `"smtps://me:xxxxx@mail.example.org/x"`},
		{"smtp URL that does not parse", map[string]string{"SMTP_URL": "smtp://me:" + secret + "@mail example"}, secret, `"smtp://me:xxxxx@mail example"`},
		{"public URL password", map[string]string{"HOTLINE_PUBLIC_URL": "https://me:" + secret + "@example.org"}, secret, `"https://me:xxxxx@example.org"`},
		{"admin token", map[string]string{"HOTLINE_ADMIN_TOKEN": "hunter2-to"}, "hunter2-to", "HOTLINE_ADMIN_TOKEN: is too short"},
		{"auth token in the SID", map[string]string{"TWILIO_ACCOUNT_SID": token}, token, "looks like an auth token"},
		{"something long in the SID", map[string]string{"TWILIO_ACCOUNT_SID": "sk_live_" + token + "x"}, token, "TWILIO_ACCOUNT_SID: is not an account SID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(envOf(tt.env), "")
			if err == nil {
				t.Fatalf("Load(%q) succeeded, want an error", tt.env)
			}
			msg := err.Error()
			if strings.Contains(msg, tt.hide) {
				t.Errorf("Load error shows the secret %q:\n%s", tt.hide, msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("Load error =\n%s\nwant it to contain %s", msg, tt.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	const (
		memory   = "REDIS_URL is not set: conversations are kept in memory and lost on restart; set REDIS_URL for production"
		refused  = "TWILIO_AUTH_TOKEN is not set: every /twilio request will be refused with 403"
		insecure = "HOTLINE_INSECURE_SKIP_SIGNATURE is on: Twilio signatures are not checked; anyone can post messages"
		plain    = "HOTLINE_PUBLIC_URL starts with http://: Twilio will send people's messages unencrypted; use https://"
		eml      = "SMTP_URL is not set: referral emails are written as .eml files to ./outbox"
	)
	production := func(c *Config) {
		c.Redis = &Redis{Single: &redis.Options{Addr: "h:6379"}}
		c.TwilioAuthToken = "t"
		c.PublicURL = "https://hotline.example.org"
		c.SMTP = &mailer.SMTP{Host: "mail.example.org", Port: 587}
	}
	tests := []struct {
		name  string
		apply func(*Config)
		want  []string
	}{
		{"defaults", func(*Config) {}, []string{memory, refused, eml}},
		{"production", production, nil},
		{"insecure switch", func(c *Config) { production(c); c.TwilioAuthToken = ""; c.InsecureSkipSignature = true }, []string{insecure}},
		{"insecure switch with a token", func(c *Config) { production(c); c.InsecureSkipSignature = true; c.PublicURL = "" }, []string{insecure}},
		{"plain http", func(c *Config) { production(c); c.PublicURL = "http://hotline.example.org" }, []string{plain}},
		{"plain http on this machine", func(c *Config) { production(c); c.PublicURL = "http://127.0.0.1:8080" }, nil},
		{"outbox folder named", func(c *Config) { production(c); c.SMTP = nil; c.OutboxDir = "/var/mail/hotline" }, []string{
			"SMTP_URL is not set: referral emails are written as .eml files to /var/mail/hotline",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaults()
			tt.apply(&c)
			if got := c.Warnings(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Warnings() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestQuietHours(t *testing.T) {
	tests := []struct {
		text string
		want QuietHours
		back string // String(), the one way to write it
	}{
		{"21:00-08:00", QuietHours{Start: 21 * time.Hour, End: 8 * time.Hour, On: true}, "21:00-08:00"},
		{"09:30-17:45", QuietHours{Start: 9*time.Hour + 30*time.Minute, End: 17*time.Hour + 45*time.Minute, On: true}, "09:30-17:45"},
		{"0:00 - 23:59", QuietHours{Start: 0, End: 23*time.Hour + 59*time.Minute, On: true}, "00:00-23:59"},
		{"off", QuietHours{}, "off"},
		{"Off", QuietHours{}, "off"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseQuietHours(tt.text)
			if err != nil || got != tt.want {
				t.Errorf("parseQuietHours(%q) = %+v, %v; want %+v", tt.text, got, err, tt.want)
			}
			if got.String() != tt.back {
				t.Errorf("parseQuietHours(%q).String() = %q, want %q", tt.text, got.String(), tt.back)
			}
		})
	}
	// A Config made by hand has no quiet hours, as before Load.
	if (Config{}).QuietHours.On {
		t.Error("the zero QuietHours is on; want off")
	}
}

func TestLogValueHidesSecrets(t *testing.T) {
	c := defaults()
	c.TwilioAuthToken = "token-0123456789"
	c.AdminToken = "admin-0123456789"
	c.Redis = &Redis{Single: &redis.Options{Addr: "h:6379", Password: "redispw"}}
	c.SMTP = &mailer.SMTP{Host: "mail.example.org", Port: 587, Username: "me", Password: "smtppw"}
	var text, json strings.Builder
	slog.New(slog.NewTextHandler(&text, nil)).Info("start", "config", c)
	slog.New(slog.NewJSONHandler(&json, nil)).Info("start", "config", c)
	for _, out := range []string{text.String(), json.String()} {
		for _, secret := range []string{"token-0123456789", "admin-0123456789", "redispw", "smtppw"} {
			if strings.Contains(out, secret) {
				t.Errorf("logged config shows %q:\n%s", secret, out)
			}
		}
	}
	for _, want := range []string{"config.twilio_auth_token=xxxxx", "config.redis.mode=single config.redis.addr=h:6379",
		`config.smtp="smtp://me:xxxxx@mail.example.org:587 (tls mandatory)"`, "config.addr=:8080"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("logged config lacks %s:\n%s", want, text.String())
		}
	}
}

// TestInsecureWarnings: TLS without a certificate check, and Twilio's API over
// plain http to another machine, are said at start.
func TestInsecureWarnings(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"REDIS_URL": "rediss://redis.example.org:6380?skip_verify=true"}, "REDIS_URL has skip_verify=true"},
		{map[string]string{"HOTLINE_TWILIO_API_URL": "http://twilio-proxy.example.org"}, "HOTLINE_TWILIO_API_URL starts with http://"},
	} {
		c, err := Load(envOf(tt.env), "")
		if err != nil {
			t.Fatalf("Load(%v): %v", tt.env, err)
		}
		if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, tt.want) {
			t.Errorf("Load(%v) warnings:\n%s\nwant one starting %q", tt.env, w, tt.want)
		}
		var b strings.Builder
		slog.New(slog.NewJSONHandler(&b, nil)).Info("settings", "config", c)
		if tt.env["REDIS_URL"] != "" && !strings.Contains(b.String(), `"tls":"insecure"`) {
			t.Errorf("the settings logged %s; want tls insecure", b.String())
		}
	}
	c, err := Load(envOf(map[string]string{"HOTLINE_TWILIO_API_URL": "http://127.0.0.1:9"}), "")
	if err != nil || strings.Contains(strings.Join(c.Warnings(), "\n"), "HOTLINE_TWILIO_API_URL") {
		t.Errorf("a loopback Twilio API warned: %v %v", c.Warnings(), err)
	}
}
