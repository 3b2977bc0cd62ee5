// Package config loads the server's settings from the environment and an optional
// YAML file, and checks them all before anything starts.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/mailer"
)

// Config is every setting of `hotline serve`, checked.
//
// Load fills it; a Config built by hand is not checked, and the methods treat its
// zero values as "unset" (a nil Redis is the embedded in-memory Redis).
type Config struct {
	// Addr is where the HTTP server listens (HOTLINE_ADDR, default ":8080"): host:port,
	// the host may be empty and the port is a number 0-65535 (0 picks a free port).
	Addr string
	// PublicURL is the base URL Twilio calls (HOTLINE_PUBLIC_URL), e.g.
	// "https://hotline.example.org" or "https://x.ngrok.app/base": absolute http or
	// https, no query, no fragment, no trailing slash. Empty leaves it to the webhook.
	PublicURL string
	// Flows is the pack folder (HOTLINE_FLOWS); empty means the embedded sample.
	Flows string
	// Redis is REDIS_URL read in the mode HOTLINE_REDIS_MODE gives (auto, the
	// default, finds it from the URL); nil means the embedded in-memory Redis.
	Redis *Redis
	// RedisPrefix starts every Redis key (HOTLINE_REDIS_PREFIX, default "hotline:").
	RedisPrefix string
	// TwilioAccountSID is TWILIO_ACCOUNT_SID: empty or "AC" and 32 hex digits.
	TwilioAccountSID string
	// TwilioAuthToken is TWILIO_AUTH_TOKEN, the key of Twilio's request signatures.
	TwilioAuthToken string
	// InsecureSkipSignature turns off the Twilio signature check
	// (HOTLINE_INSECURE_SKIP_SIGNATURE); for local trials only.
	InsecureSkipSignature bool
	// SMTP is the mail server of SMTP_URL, smtp://[user:pass@]host[:port][?tls=...]
	// or smtps://..., as the mailer takes it; nil (SMTP_URL unset) means .eml files.
	SMTP *mailer.SMTP
	// OutboxDir is where referral emails are written as .eml files when SMTP is
	// nil (HOTLINE_OUTBOX_DIR, default "./outbox").
	OutboxDir string
	// EmailFrom is the From of every email (HOTLINE_EMAIL_FROM, default
	// "Legal Aid Hotline <hotline@localhost>"); its domain ends Message-IDs.
	EmailFrom mail.Address
	// CoordinatorEmail is where alerts such as failed referrals, and the notices
	// of conversations that need a person, go
	// (HOTLINE_COORDINATOR_EMAIL); nil sends none.
	CoordinatorEmail *mail.Address
	// Retention is how long a quiet conversation's answers are kept
	// (HOTLINE_RETENTION, default 168h; 1h to 8760h).
	Retention time.Duration
	// ReferralRetention is how long a delivered referral's personal data is kept
	// (HOTLINE_REFERRAL_RETENTION, default 720h; 1h to 8760h).
	ReferralRetention time.Duration
	// ReminderDelay is how long after the last question a reminder is texted
	// (HOTLINE_REMINDER_DELAY, default 2h; 0 disables; else 1m to 72h).
	ReminderDelay time.Duration
	// FollowUpAfter is how long after a referral reaches an organization the
	// person is asked whether it contacted them (HOTLINE_FOLLOWUP_AFTER); 0
	// for no follow-up.
	FollowUpAfter time.Duration
	// QuietHours is when no reminder is texted, in the hotline's time zone
	// (HOTLINE_QUIET_HOURS, default "21:00-08:00"): "HH:MM-HH:MM", which may wrap
	// midnight, or "off".
	QuietHours QuietHours
	// MaxBodyBytes bounds a request body (HOTLINE_MAX_BODY, default 65536; 1KiB to 10MiB).
	MaxBodyBytes int64
	// LogLevel is HOTLINE_LOG_LEVEL: debug, info (default), warn or error.
	LogLevel slog.Level
	// ShutdownTimeout is how long requests in flight may finish after a stop signal
	// (HOTLINE_SHUTDOWN_TIMEOUT, default 15s; 1s to 5m).
	ShutdownTimeout time.Duration
	// ReloadInterval is how often the pack folder is checked for changes
	// (HOTLINE_RELOAD_INTERVAL, default 2s; 0 disables; else 100ms to 1h).
	ReloadInterval time.Duration
	// Preview turns on the coordinators' preview on the web chat page (HOTLINE_PREVIEW).
	Preview bool
	// AdminToken guards the preview (HOTLINE_ADMIN_TOKEN); at least 16 characters,
	// required when Preview is on.
	AdminToken string
	// RetryFirst is the wait after an email's first failed attempt; each next wait
	// doubles up to RetryMax (HOTLINE_RETRY_FIRST, default 5s; HOTLINE_RETRY_MAX,
	// default 15m), until RetryFor has passed since the referral
	// (HOTLINE_RETRY_FOR, default 24h): then the email goes to the dead letters and
	// the coordinator is alerted.
	RetryFirst, RetryMax, RetryFor time.Duration
	// HandoffAllowPrivate lets organizations' JSON hand-offs go to loopback,
	// private, link-local and other internal addresses
	// (HOTLINE_HANDOFF_ALLOW_PRIVATE, default off): for an intake system on
	// the hotline's own network. Off, a pack's handoff url cannot make the
	// server POST to one (the cloud's metadata service, an internal system).
	HandoffAllowPrivate bool
	// TwilioAPIURL is where Twilio's REST API is (HOTLINE_TWILIO_API_URL, default
	// "https://api.twilio.com"), scheme and host only: for a regional edge, or a
	// test server. nil (in a Config not made by Load) is Twilio's own.
	TwilioAPIURL *url.URL
	// TrustedProxies are the reverse proxies in front of the server
	// (HOTLINE_TRUSTED_PROXIES: IP addresses or CIDR ranges, comma-separated):
	// their X-Forwarded-For names the client for the web chat's rate limit.
	TrustedProxies []netip.Prefix
	// Secret keys what the server must be able to recognise and nobody else to
	// forge or reverse (HOTLINE_SECRET, at least 32 characters): conversation
	// keys in Redis and web chat session ids. Required with REDIS_URL, as every
	// server on one Redis must share it; "" with the embedded Redis means a
	// random one per process.
	Secret string
	// MetricsAddr is where /metrics is served, apart from the public listener
	// (HOTLINE_METRICS_ADDR, default "127.0.0.1:9464"); "" (written "off") serves
	// none.
	MetricsAddr string
	// ChatReferralsPerDay is how many referrals one client address may make
	// through the web chat in a day (HOTLINE_CHAT_REFERRALS_PER_DAY, default 3;
	// 1 to 1000); IPv6 addresses count by their /64.
	ChatReferralsPerDay int
	// ChatTitle is the web chat page's title in the browser's tab and
	// history (HOTLINE_CHAT_TITLE); "" keeps the page's own, which names
	// the hotline. A neutral one ("Notes") leaves nothing telling in the
	// history of a shared or watched device.
	ChatTitle string
}

// setting is one variable: its names, its default and how it is checked and stored.
type setting struct {
	env    string // the environment variable
	key    string // the config file key
	def    string // the default, written as a user would write it
	secret bool   // the value must never appear in a message
	// parse checks a non-empty value and stores it in c. Its error says what is
	// wrong and what is expected, without the variable's name (the caller adds
	// where the value came from).
	parse func(c *draft, v string) error
}

// draft is a Config being loaded, with the text of the settings that are read
// together once all are known: REDIS_URL is read in the mode HOTLINE_REDIS_MODE
// gives, and each problem is still reported against the setting to change.
type draft struct {
	Config
	redisURL, redisMode string
}

// settings lists every variable in the order of Config's fields, which is also
// the order their problems are reported in. It is a function, not a package
// variable, so that nothing at package level can be changed.
func settings() []setting {
	return []setting{
		{env: "HOTLINE_ADDR", key: "addr", def: ":8080", parse: func(c *draft, v string) (err error) {
			c.Addr, err = parseAddr(v)
			return err
		}},
		{env: "HOTLINE_PUBLIC_URL", key: "public_url", parse: func(c *draft, v string) (err error) {
			c.PublicURL, err = parsePublicURL(v)
			return err
		}},
		{env: "HOTLINE_FLOWS", key: "flows", parse: func(c *draft, v string) (err error) {
			c.Flows, err = checkPackFolder(v)
			return err
		}},
		// REDIS_URL is read in HOTLINE_REDIS_MODE's mode once both are known (see Load).
		{env: "REDIS_URL", key: "redis_url", parse: func(c *draft, v string) error {
			c.redisURL = v
			return nil
		}},
		{env: "HOTLINE_REDIS_MODE", key: "redis_mode", def: "auto", parse: func(c *draft, v string) (err error) {
			c.redisMode, err = parseRedisMode(v)
			return err
		}},
		{env: "HOTLINE_REDIS_PREFIX", key: "redis_prefix", def: "hotline:", parse: func(c *draft, v string) (err error) {
			c.RedisPrefix, err = parseRedisPrefix(v)
			return err
		}},
		{env: "TWILIO_ACCOUNT_SID", key: "twilio_account_sid", parse: func(c *draft, v string) (err error) {
			c.TwilioAccountSID, err = parseAccountSID(v)
			return err
		}},
		{env: "TWILIO_AUTH_TOKEN", key: "twilio_auth_token", secret: true, parse: func(c *draft, v string) error {
			c.TwilioAuthToken = v
			return nil
		}},
		{env: "HOTLINE_INSECURE_SKIP_SIGNATURE", key: "insecure_skip_signature", def: "false", parse: func(c *draft, v string) (err error) {
			c.InsecureSkipSignature, err = parseBool(v)
			return err
		}},
		{env: "SMTP_URL", key: "smtp_url", parse: func(c *draft, v string) (err error) {
			c.SMTP, err = parseSMTP(v)
			return err
		}},
		{env: "HOTLINE_OUTBOX_DIR", key: "outbox_dir", def: "./outbox", parse: func(c *draft, v string) (err error) {
			c.OutboxDir, err = checkOutboxDir(v)
			return err
		}},
		{env: "HOTLINE_EMAIL_FROM", key: "email_from", def: "Legal Aid Hotline <hotline@localhost>", parse: func(c *draft, v string) (err error) {
			a, err := parseEmail(v, `"Legal Aid Hotline <hotline@example.org>" or just "hotline@example.org"`)
			if err == nil {
				c.EmailFrom = *a
			}
			return err
		}},
		{env: "HOTLINE_COORDINATOR_EMAIL", key: "coordinator_email", parse: func(c *draft, v string) (err error) {
			c.CoordinatorEmail, err = parseEmail(v, `"intake@example.org" or "Intake Team <intake@example.org>"`)
			return err
		}},
		durationSetting("HOTLINE_RETENTION", "retention", "168h", durationRange{min: time.Hour, max: 8760 * time.Hour, text: "1h to 8760h (a year)"},
			func(c *Config) *time.Duration { return &c.Retention }),
		durationSetting("HOTLINE_REFERRAL_RETENTION", "referral_retention", "720h", durationRange{min: time.Hour, max: 8760 * time.Hour, text: "1h to 8760h (a year)"},
			func(c *Config) *time.Duration { return &c.ReferralRetention }),
		durationSetting("HOTLINE_REMINDER_DELAY", "reminder_delay", "2h", durationRange{min: time.Second, max: 72 * time.Hour, text: "1s to 72h, or 0 for no reminders", canDisable: true},
			func(c *Config) *time.Duration { return &c.ReminderDelay }),
		durationSetting("HOTLINE_FOLLOWUP_AFTER", "followup_after", "72h", durationRange{min: time.Minute, max: 720 * time.Hour, text: "1m to 720h, or 0 for no follow-up", canDisable: true},
			func(c *Config) *time.Duration { return &c.FollowUpAfter }),
		{env: "HOTLINE_QUIET_HOURS", key: "quiet_hours", def: "21:00-08:00", parse: func(c *draft, v string) (err error) {
			c.QuietHours, err = parseQuietHours(v)
			return err
		}},
		{env: "HOTLINE_MAX_BODY", key: "max_body", def: "65536", parse: func(c *draft, v string) (err error) {
			c.MaxBodyBytes, err = parseSize(v)
			return err
		}},
		{env: "HOTLINE_LOG_LEVEL", key: "log_level", def: "info", parse: func(c *draft, v string) (err error) {
			c.LogLevel, err = parseLogLevel(v)
			return err
		}},
		durationSetting("HOTLINE_SHUTDOWN_TIMEOUT", "shutdown_timeout", "15s", durationRange{min: time.Second, max: 5 * time.Minute, text: "1s to 5m"},
			func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
		durationSetting("HOTLINE_RELOAD_INTERVAL", "reload_interval", "2s", durationRange{min: 100 * time.Millisecond, max: time.Hour, text: "100ms to 1h, or 0 to never reload", canDisable: true},
			func(c *Config) *time.Duration { return &c.ReloadInterval }),
		durationSetting("HOTLINE_RETRY_FIRST", "retry_first", "5s", durationRange{min: 100 * time.Millisecond, max: time.Hour, text: "100ms to 1h"},
			func(c *Config) *time.Duration { return &c.RetryFirst }),
		durationSetting("HOTLINE_RETRY_MAX", "retry_max", "15m", durationRange{min: 100 * time.Millisecond, max: 24 * time.Hour, text: "100ms to 24h"},
			func(c *Config) *time.Duration { return &c.RetryMax }),
		durationSetting("HOTLINE_RETRY_FOR", "retry_for", "24h", durationRange{min: time.Second, max: 720 * time.Hour, text: "1s to 720h"},
			func(c *Config) *time.Duration { return &c.RetryFor }),
		{env: "HOTLINE_HANDOFF_ALLOW_PRIVATE", key: "handoff_allow_private", def: "false", parse: func(c *draft, v string) (err error) {
			c.HandoffAllowPrivate, err = parseBool(v)
			return err
		}},
		{env: "HOTLINE_TWILIO_API_URL", key: "twilio_api_url", def: "https://api.twilio.com", parse: func(c *draft, v string) (err error) {
			c.TwilioAPIURL, err = parseTwilioAPIURL(v)
			return err
		}},
		{env: "HOTLINE_TRUSTED_PROXIES", key: "trusted_proxies", parse: func(c *draft, v string) (err error) {
			c.TrustedProxies, err = parsePrefixes(v)
			return err
		}},
		{env: "HOTLINE_PREVIEW", key: "preview", def: "false", parse: func(c *draft, v string) (err error) {
			c.Preview, err = parseBool(v)
			return err
		}},
		{env: "HOTLINE_ADMIN_TOKEN", key: "admin_token", secret: true, parse: func(c *draft, v string) error {
			// Checked here and not only with the preview: a token that is set
			// guards something, and a short one can be guessed.
			if len(v) < minAdminToken {
				return fmt.Errorf("is too short; expected at least %d characters (make one with: openssl rand -hex 16)", minAdminToken)
			}
			c.AdminToken = v
			return nil
		}},
		{env: "HOTLINE_SECRET", key: "secret", secret: true, parse: func(c *draft, v string) error {
			if len(v) < minSecret {
				return fmt.Errorf("is too short; expected at least %d characters (make one with: openssl rand -hex 32)", minSecret)
			}
			c.Secret = v
			return nil
		}},
		{env: "HOTLINE_METRICS_ADDR", key: "metrics_addr", def: "127.0.0.1:9464", parse: func(c *draft, v string) (err error) {
			if strings.EqualFold(v, "off") {
				c.MetricsAddr = ""
				return nil
			}
			c.MetricsAddr, err = parseAddr(v)
			if err != nil {
				err = fmt.Errorf("%v, or off to serve no metrics", err)
			}
			return err
		}},
		{env: "HOTLINE_CHAT_REFERRALS_PER_DAY", key: "chat_referrals_per_day", def: "3", parse: func(c *draft, v string) (err error) {
			c.ChatReferralsPerDay, err = parseCount(v, 1, 1000)
			return err
		}},
		{env: "HOTLINE_CHAT_TITLE", key: "chat_title", def: "", parse: func(c *draft, v string) error {
			if len(v) > maxChatTitle || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				return fmt.Errorf("must be a line of text of up to %d bytes", maxChatTitle)
			}
			c.ChatTitle = strings.TrimSpace(v)
			return nil
		}},
	}
}

// minSecret is the shortest HOTLINE_SECRET accepted: 32 characters, as many
// bytes as the HMAC-SHA256 it keys.
const minSecret = hotline.MinSecretLen

// minAdminToken is the shortest admin token accepted: long enough not to be guessed
// over HTTP.
const minAdminToken = 16

// maxChatTitle bounds HOTLINE_CHAT_TITLE: a browser tab shows a few words.
const maxChatTitle = 80

// origin is where a value came from, for messages.
type origin struct {
	env       string // the variable's environment name
	key       string // its config file key
	file      string // the config file, when the value came from it
	line, col int    // the value's position in the file
	isDefault bool
}

// String names the origin as messages start: the environment variable, or the
// file position and key (which editors and terminals can open directly).
func (o origin) String() string {
	switch {
	case o.file != "":
		return fmt.Sprintf("%s:%d:%d: %s", o.file, o.line, o.col, o.key)
	case o.isDefault:
		return o.env + " (default)"
	default:
		return o.env
	}
}

// Load reads the settings: defaults, then the YAML file (when file is not ""), then
// the environment (which wins). It checks every value and returns all problems at
// once as one error, each line naming the variable (or file:line:col and key) and
// what is wrong and what is expected, e.g.
//
//	config: HOTLINE_ADDR: "8080" is not host:port; write ":8080" or "127.0.0.1:8080"
//	config: hotline.yaml:4:1: unknown key "redis"; did you mean "redis_url"?
//
// An empty value, in the environment or the file, counts as unset: getenv cannot
// tell the two apart, so the file behaves the same way for one rule everywhere.
// Surrounding spaces are trimmed (a pasted token often ends in a newline).
// Relative paths (HOTLINE_FLOWS, HOTLINE_OUTBOX_DIR) are relative to the working
// directory wherever they are written. Secrets never appear in the error; URLs
// appear with their passwords replaced by "xxxxx".
func Load(getenv func(string) string, file string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	list := settings()

	type value struct {
		text string
		from origin
	}
	values := make(map[string]value, len(list))
	for _, s := range list {
		values[s.key] = value{text: s.def, from: origin{env: s.env, key: s.key, isDefault: true}}
	}

	var problems []error
	if file != "" {
		keys := make([]string, len(list))
		for i, s := range list {
			keys[i] = s.key
		}
		fromFile, fileProblems := readFile(file, keys)
		problems = append(problems, fileProblems...)
		for _, s := range list {
			if v, ok := fromFile[s.key]; ok && v.text != "" {
				values[s.key] = value{text: v.text, from: origin{env: s.env, key: s.key, file: file, line: v.line, col: v.col}}
			}
		}
	}
	for _, s := range list {
		if v := strings.TrimSpace(getenv(s.env)); v != "" {
			values[s.key] = value{text: v, from: origin{env: s.env, key: s.key}}
		}
	}

	var c draft
	failed := make(map[string]bool)
	for _, s := range list {
		v := values[s.key]
		if v.text == "" {
			continue // unset, and its zero value is its meaning
		}
		if err := s.parse(&c, v.text); err != nil {
			problems = append(problems, fmt.Errorf("config: %s: %v", v.from, err))
			failed[s.key] = true
		}
	}

	// Checks that need two settings are reported against the one a person most
	// likely has to change.
	if c.redisURL != "" && !failed["redis_mode"] {
		r, err := parseRedis(c.redisURL, c.redisMode)
		if err != nil {
			problems = append(problems, fmt.Errorf("config: %s: %v", values["redis_url"].from, err))
		}
		c.Redis = r
	}
	if c.redisURL == "" && c.redisMode != "auto" && !failed["redis_mode"] {
		// A mode without a URL means the URL was forgotten; running on the
		// in-memory Redis instead would lose every conversation on restart.
		problems = append(problems, fmt.Errorf("config: %s: %q needs REDIS_URL; set REDIS_URL, or remove %s to use the embedded in-memory Redis",
			values["redis_mode"].from, c.redisMode, values["redis_mode"].from.name()))
	}
	if c.redisURL != "" && c.Secret == "" && !failed["secret"] {
		// Keys made with a secret of the process's own would change at every
		// restart, and differ between servers: every conversation would restart.
		problems = append(problems, fmt.Errorf("config: %s: is set, so HOTLINE_SECRET (secret in the file) must be too: at least %d characters, the same on every server of this Redis, kept like a password (make one with: openssl rand -hex 32)",
			values["redis_url"].from, minSecret))
	}
	if c.TwilioAuthToken != "" && c.PublicURL == "" && !c.InsecureSkipSignature && !failed["public_url"] {
		// Signatures are computed over the URL Twilio calls: without it every
		// real message would be refused, and the hotline silently dead.
		problems = append(problems, fmt.Errorf("config: %s: is set, so HOTLINE_PUBLIC_URL (public_url in the file) must be too: the https URL Twilio calls, e.g. https://hotline.example.org, over which Twilio signs every request",
			values["twilio_auth_token"].from))
	}
	if c.Preview && c.AdminToken == "" && !failed["admin_token"] {
		problems = append(problems, fmt.Errorf("config: %s: the preview needs HOTLINE_ADMIN_TOKEN (admin_token in the file) of at least %d characters, so that only coordinators can use it (make one with: openssl rand -hex 16)",
			values["preview"].from, minAdminToken))
	}

	if len(problems) > 0 {
		return Config{}, errors.Join(problems...)
	}
	return c.Config, nil
}

// name is how the variable is written where it came from: its key in the file, or
// its environment name.
func (o origin) name() string {
	if o.file != "" {
		return o.key
	}
	return o.env
}

// Warnings returns what is allowed but deserves a loud log line at start, in plain
// words, one line each.
func (c Config) Warnings() []string {
	var w []string
	if c.Redis == nil {
		w = append(w, "REDIS_URL is not set: conversations are kept in memory and lost on restart; set REDIS_URL for production")
	}
	if c.TwilioAuthToken == "" && !c.InsecureSkipSignature {
		w = append(w, "TWILIO_AUTH_TOKEN is not set: every /twilio request will be refused with 403")
	}
	if c.InsecureSkipSignature {
		w = append(w, "HOTLINE_INSECURE_SKIP_SIGNATURE is on: Twilio signatures are not checked; anyone can post messages")
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		// People's messages say who they are and what happened to them.
		w = append(w, "HOTLINE_PUBLIC_URL starts with http://: Twilio will send people's messages unencrypted; use https://")
	}
	if c.SMTP == nil {
		w = append(w, fmt.Sprintf("SMTP_URL is not set: referral emails are written as .eml files to %s", c.OutboxDir))
	}
	if c.SMTP != nil && c.SMTP.TLS == mailer.TLSNone {
		w = append(w, "SMTP_URL has tls=none: referral emails, with people's names and stories, cross the network unencrypted; remove ?tls=none to require TLS")
	}
	if c.Redis != nil && c.Redis.insecureTLS() {
		w = append(w, "REDIS_URL has skip_verify=true: Redis's certificate is not checked, so anyone in between can read conversations")
	}
	if u := c.TwilioAPIURL; u != nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		w = append(w, "HOTLINE_TWILIO_API_URL starts with http://: the Twilio auth token and people's numbers would cross the network unencrypted; use https://")
	}
	return w
}

// isLoopback reports whether host is this machine, where plain http is harmless.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// addressText writes an address that may be unset, as "" when it is.
func addressText(a *mail.Address) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// LogValue shows the settings in logs with every secret hidden, so that logging
// the whole Config at start is safe.
func (c Config) LogValue() slog.Value {
	hidden := func(s string) string {
		if s == "" {
			return ""
		}
		return redacted
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("public_url", c.PublicURL),
		slog.String("flows", c.Flows),
		// What go-redis read, rather than the URL as written: it shows the mode
		// auto found, and there is no password to hide.
		slog.Any("redis", c.Redis),
		slog.String("redis_prefix", c.RedisPrefix),
		slog.String("twilio_account_sid", c.TwilioAccountSID),
		slog.String("twilio_auth_token", hidden(c.TwilioAuthToken)),
		slog.Bool("insecure_skip_signature", c.InsecureSkipSignature),
		slog.Any("smtp", c.SMTP), // without its password: see mailer.SMTP.LogValue
		slog.String("outbox_dir", c.OutboxDir),
		slog.String("email_from", c.EmailFrom.String()),
		slog.String("coordinator_email", addressText(c.CoordinatorEmail)),
		slog.Duration("retention", c.Retention),
		slog.Duration("referral_retention", c.ReferralRetention),
		slog.Duration("reminder_delay", c.ReminderDelay),
		slog.Duration("followup_after", c.FollowUpAfter),
		slog.String("quiet_hours", c.QuietHours.String()),
		slog.Int64("max_body", c.MaxBodyBytes),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.Duration("reload_interval", c.ReloadInterval),
		slog.Bool("preview", c.Preview),
		slog.String("admin_token", hidden(c.AdminToken)),
		slog.String("twilio_api_url", urlText(c.TwilioAPIURL)),
		slog.Any("trusted_proxies", c.TrustedProxies),
		slog.String("secret", hidden(c.Secret)),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.Int("chat_referrals_per_day", c.ChatReferralsPerDay),
	)
}

// urlText writes a URL for logs without any user information in it.
func urlText(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := *u
	v.User = nil
	return v.String()
}
