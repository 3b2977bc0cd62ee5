package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-legal/hotline/bot/mailer"
)

// The parsers below check one value each. Their errors say what is wrong and what
// to write instead; the caller prefixes where the value came from.

// parseAddr checks a listen address: host:port with a numeric port, the host
// possibly empty.
func parseAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		example := "8080"
		if isDigits(v) {
			example = v // they wrote only the port
		}
		return "", fmt.Errorf("%q is not host:port; write \":%s\" or \"127.0.0.1:%s\"", v, example, example)
	}
	if strings.ContainsAny(host, " \t/") {
		return "", fmt.Errorf("%q has no usable host; write \":8080\" or \"127.0.0.1:8080\"", v)
	}
	if port == "" {
		return "", fmt.Errorf("%q has no port; write %q", v, net.JoinHostPort(host, "8080"))
	}
	// Only numbers: a service name ("http") would be looked up at start, and a
	// typo in it would be found only then.
	if n, err := strconv.Atoi(port); err != nil || !isDigits(port) || n > 65535 {
		return "", fmt.Errorf("%q has port %q; expected a number from 0 to 65535 (0 picks a free port)", v, port)
	}
	return v, nil
}

// parsePublicURL checks the base URL Twilio calls and removes a trailing slash, so
// that joining it with a request path gives exactly the URL Twilio signed.
func parsePublicURL(v string) (string, error) {
	const example = `write the base URL Twilio calls, like "https://hotline.example.org" or "https://x.ngrok.app/base"`
	u, err := url.Parse(v)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL (%v); %s", redactURL(v), urlReason(err, v), example)
	}
	shown := redactURL(v)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q must start with https:// (or http://); %s", shown, example)
	case u.Opaque != "" || u.Host == "":
		return "", fmt.Errorf("%q has no host; %s", shown, example)
	case u.User != nil:
		return "", fmt.Errorf("%q must not contain a user name or password; %s", shown, example)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("%q must not have a query (?...): give the base URL only; the request's path and query are added to it", shown)
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "", fmt.Errorf("%q must not have a fragment (#...); %s", shown, example)
	}
	if err := checkPort(u.Port()); err != nil {
		return "", fmt.Errorf("%q %v", shown, err)
	}
	return strings.TrimRight(v, "/"), nil
}

// checkPort checks the port of a URL, which url.Parse only checks for digits.
func checkPort(port string) error {
	if port == "" {
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("has port %s; expected a number from 1 to 65535", port)
	}
	return nil
}

// checkPackFolder checks that a pack folder exists and holds pack.yaml, so that a
// mistyped path fails at start rather than at the first message.
func checkPackFolder(dir string) (string, error) {
	const hint = "a pack is a folder holding pack.yaml (copy flows/defaultpack to start one), or leave HOTLINE_FLOWS unset for the built-in sample"
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("folder %q does not exist; %s", dir, hint)
	case err != nil:
		return "", fmt.Errorf("folder %q cannot be read (%v)", dir, pathReason(err))
	case !info.IsDir():
		return "", fmt.Errorf("%q is a file, not a folder; %s", dir, hint)
	}
	info, err = os.Stat(filepath.Join(dir, "pack.yaml"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("folder %q has no pack.yaml; %s", dir, hint)
	case err != nil:
		return "", fmt.Errorf("%q cannot be read (%v)", filepath.Join(dir, "pack.yaml"), pathReason(err))
	case info.IsDir():
		return "", fmt.Errorf("%q is a folder; expected the pack's pack.yaml file", filepath.Join(dir, "pack.yaml"))
	}
	return dir, nil
}

// checkOutboxDir accepts a folder that exists or can be made later; only a file in
// the way is an error now (the mail worker creates the folder when it needs it).
func checkOutboxDir(dir string) (string, error) {
	info, err := os.Stat(dir)
	if err == nil && !info.IsDir() {
		return "", fmt.Errorf("%q is a file; expected a folder for the .eml files (it is made if missing)", dir)
	}
	return dir, nil
}

// pathReason is an os error without the path, which the message already names.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// redisModes are the values of HOTLINE_REDIS_MODE.
const redisModes = "auto, single, sentinel or cluster"

// parseRedisMode checks HOTLINE_REDIS_MODE; case does not matter.
func parseRedisMode(v string) (string, error) {
	switch m := strings.ToLower(v); m {
	case "auto", "single", "sentinel", "cluster":
		return m, nil
	}
	return "", fmt.Errorf("%q is not a mode; expected %s", v, redisModes)
}

// parseRedisPrefix checks the key prefix. Braces are refused because Redis Cluster
// reads the first {...} of a key as its hash tag: a brace in the prefix would put
// every conversation in one slot, or split one conversation's keys across slots.
func parseRedisPrefix(v string) (string, error) {
	const expected = `expected 1 to 64 printable ASCII characters without spaces or braces, like "hotline:"`
	if len(v) > 64 {
		return "", fmt.Errorf("%q is %d characters long; %s", v, len(v), expected)
	}
	for _, r := range v {
		switch {
		case r == '{' || r == '}':
			return "", fmt.Errorf("%q has a brace, which Redis Cluster reads as a hash tag; %s", v, expected)
		case r == ' ':
			return "", fmt.Errorf("%q has a space; %s", v, expected)
		case r < '!' || r > '~':
			return "", fmt.Errorf("%q has the character %q; %s", v, r, expected)
		}
	}
	return v, nil
}

// accountSID is what Twilio account SIDs look like.
var accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)

// hex32 is what Twilio auth tokens look like.
var hex32 = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// parseAccountSID checks TWILIO_ACCOUNT_SID.
func parseAccountSID(v string) (string, error) {
	const expected = `expected "AC" followed by 32 hex digits, as shown on the Twilio console`
	switch {
	case accountSID.MatchString(v):
		return v, nil
	case hex32.MatchString(v):
		// Not echoed: 32 hex digits is the auth token, pasted in the wrong place.
		return "", fmt.Errorf("looks like an auth token, not an account SID; %s", expected)
	case strings.HasPrefix(v, "SK"):
		return "", fmt.Errorf("%q is an API key SID, not an account SID; %s", v, expected)
	case len(v) > 40:
		// Not echoed: too long to be an SID, so it may well be a secret.
		return "", fmt.Errorf("is not an account SID; %s", expected)
	}
	return "", fmt.Errorf("%q is not an account SID; %s", v, expected)
}

// parseBool reads the yes/no settings.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes":
		return true, nil
	case "0", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not yes or no; expected 1, true or yes to turn it on, or 0, false or no to leave it off", v)
}

// parseSMTP reads SMTP_URL into the mailer's settings. It is the one reader of
// SMTP_URL; the mailer takes what it returns as it is.
//
//   - smtp://[user:pass@]host[:port] is port 587 unless given, with STARTTLS
//     required: a server that does not offer it is refused, never used in plain
//     text (?tls=mandatory says the same); only ?tls=none sends in plain text
//     (and allows a password so), for a relay on the same machine;
//   - smtps://[user:pass@]host[:port] is implicit TLS, port 465 unless given
//     (?tls=mandatory is allowed, as it says nothing new).
//
// User and password are percent-decoded (p%40ss is p@ss). Case does not matter
// in the tls= value.
func parseSMTP(v string) (*mailer.SMTP, error) {
	const example = "write smtp://user:password@mail.example.org:587 (STARTTLS) or smtps://user:password@mail.example.org:465 (TLS)"
	const tlsChoices = "?tls=mandatory (the default) or ?tls=none"
	shown := redactURL(v)
	if err := checkUserinfo(v, shown); err != nil {
		return nil, err
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL (%v); %s", shown, urlReason(err, v), example)
	}
	switch {
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		return nil, fmt.Errorf("%q is not an SMTP URL; %s", shown, example)
	case u.Opaque != "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q has no host; %s", shown, example)
	case u.Path != "" && u.Path != "/":
		return nil, fmt.Errorf("%q has a path; an SMTP URL ends after host:port; %s", shown, example)
	case u.Fragment != "" || strings.Contains(v, "#"):
		return nil, fmt.Errorf("%q has a fragment (#...); %s", shown, example)
	case u.Port() == "" && strings.HasSuffix(u.Host, ":"):
		return nil, fmt.Errorf("%q has nothing after the port's colon; %s", shown, example)
	}
	if err := checkPort(u.Port()); err != nil {
		return nil, fmt.Errorf("%q %v", shown, err)
	}

	s := &mailer.SMTP{Host: u.Hostname(), Port: 587, TLS: mailer.TLSMandatory}
	if u.Scheme == "smtps" {
		s.Port, s.TLS = 465, mailer.TLSImplicit
	}
	if p := u.Port(); p != "" {
		s.Port, _ = strconv.Atoi(p) // checkPort has checked it
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" {
			return nil, fmt.Errorf("%q has a password but no user name; %s", shown, example)
		}
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || u.ForceQuery {
		return nil, fmt.Errorf("%q has a query other than %s; %s", shown, tlsChoices, example)
	}
	for key, vals := range q {
		if key != "tls" {
			return nil, fmt.Errorf("%q has a query other than %s; %s", shown, tlsChoices, example)
		}
		if len(vals) != 1 {
			return nil, fmt.Errorf("%q gives tls more than once; keep one of %s", shown, tlsChoices)
		}
		var mode mailer.TLSMode
		switch strings.ToLower(vals[0]) {
		case "opportunistic":
			// Opportunistic TLS goes on in plain text when the server (or
			// anyone in between, who strips STARTTLS) does not offer it.
			return nil, fmt.Errorf("%q asks for tls=opportunistic, which would send referrals unencrypted when STARTTLS is missing; remove it (TLS is required by default), or write ?tls=none for a relay on this machine", shown)
		case "mandatory":
			mode = mailer.TLSMandatory
		case "none":
			mode = mailer.TLSNone
		default:
			return nil, fmt.Errorf("%q has a query other than %s; %s", shown, tlsChoices, example)
		}
		switch {
		case s.TLS == mailer.TLSImplicit && mode != mailer.TLSMandatory:
			return nil, fmt.Errorf("%q asks for tls=%s, but smtps:// is always TLS; write smtp:// for STARTTLS or for no TLS", shown, vals[0])
		case s.TLS != mailer.TLSImplicit:
			s.TLS = mode
		}
	}
	return s, nil
}

// parseEmail reads one address, with or without a display name.
func parseEmail(v, example string) (*mail.Address, error) {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return nil, fmt.Errorf("%q is not an email address (%s); write %s", v, strings.TrimPrefix(err.Error(), "mail: "), example)
	}
	return a, nil
}

// durationRange is what a duration setting accepts.
type durationRange struct {
	min, max   time.Duration
	text       string // the range in words, for messages
	canDisable bool   // 0 (or "off") turns the feature off
}

// durationSetting makes a setting for a duration field.
func durationSetting(env, key, def string, r durationRange, field func(*Config) *time.Duration) setting {
	return setting{env: env, key: key, def: def, parse: func(c *draft, v string) (err error) {
		*field(&c.Config), err = parseDuration(v, r)
		return err
	}}
}

// days finds a number of days, which Go durations cannot write.
var days = regexp.MustCompile(`^(\d+)\s*(d|days?)$`)

// parseDuration reads a Go duration ("2h", "90m") within r.
func parseDuration(v string, r durationRange) (time.Duration, error) {
	if r.canDisable && strings.EqualFold(v, "off") {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		if m := days.FindStringSubmatch(v); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := "days"
			if n == 1 {
				unit = "day"
			}
			return 0, fmt.Errorf("%q: durations have no days; write \"%dh\" for %d %s", v, n*24, n, unit)
		}
		if isDigits(v) && v != "0" {
			return 0, fmt.Errorf("%q has no unit; write it like \"%ss\" or \"%sm\" or \"%sh\" (expected %s)", v, v, v, v, r.text)
		}
		return 0, fmt.Errorf("%q is not a duration; write it like \"90m\" or \"2h\" (expected %s)", v, r.text)
	}
	if d == 0 && r.canDisable {
		return 0, nil
	}
	if d < r.min || d > r.max {
		return 0, fmt.Errorf("%q is out of range; expected %s", v, r.text)
	}
	return d, nil
}

// Request body limits, in bytes.
const (
	kib         = 1 << 10
	mib         = 1 << 20
	minBodySize = 1 * kib
	maxBodySize = 10 * mib
)

// size reads "65536", "64KiB", "1 MiB".
var size = regexp.MustCompile(`^(\d+)\s*([a-zA-Z]*)$`)

// parseSize reads HOTLINE_MAX_BODY. Only binary units are accepted: "64KB" might
// mean 64000 or 65536, and the difference is the kind of thing nobody checks.
func parseSize(v string) (int64, error) {
	const expected = "expected a number of bytes from 1KiB to 10MiB, like 65536, \"64KiB\" or \"1MiB\""
	m := size.FindStringSubmatch(v)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size; %s", v, expected)
	}
	var unit int64
	switch strings.ToLower(m[2]) {
	case "", "b":
		unit = 1
	case "kib":
		unit = kib
	case "mib":
		unit = mib
	case "gib":
		unit = 1 << 30
	case "k", "kb", "m", "mb", "g", "gb":
		return 0, fmt.Errorf("%q: write KiB or MiB (1 KiB = 1024 bytes); %s", v, expected)
	default:
		return 0, fmt.Errorf("%q has an unknown unit %q; %s", v, m[2], expected)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > maxBodySize/unit {
		return 0, fmt.Errorf("%q is too large; %s", v, expected)
	}
	if n*unit < minBodySize {
		return 0, fmt.Errorf("%q is too small; %s", v, expected)
	}
	return n * unit, nil
}

// parseLogLevel reads HOTLINE_LOG_LEVEL; case does not matter.
func parseLogLevel(v string) (slog.Level, error) {
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not a log level; expected debug, info, warn or error", v)
}

// clock reads "8:00" or "08:00".
var clock = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// QuietHours is a daily window when no reminder is texted, as offsets from
// midnight in the hotline's time zone (HOTLINE_QUIET_HOURS). The zero value is
// off.
type QuietHours struct {
	// Start and End are offsets from midnight. When Start > End the window wraps
	// midnight: "21:00-08:00" is 21h and 8h.
	Start, End time.Duration
	// On is false when the quiet hours are "off".
	On bool
}

// String writes the window the one way: "21:00-08:00", or "off".
func (q QuietHours) String() string {
	if !q.On {
		return "off"
	}
	hm := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return hm(q.Start) + "-" + hm(q.End)
}

// parseQuietHours reads "HH:MM-HH:MM" (spaces around the times allowed), or
// "off" in any case.
func parseQuietHours(v string) (QuietHours, error) {
	const expected = `expected "HH:MM-HH:MM" in 24-hour time, like "21:00-08:00" (it may wrap midnight), or "off"`
	if strings.EqualFold(v, "off") {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(v, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q is not a time window; %s", v, expected)
	}
	start, okStart := clockTime(strings.TrimSpace(from))
	end, okEnd := clockTime(strings.TrimSpace(to))
	if !okStart || !okEnd {
		return QuietHours{}, fmt.Errorf("%q is not a time window; %s", v, expected)
	}
	if start == end {
		// Empty or all day? Either reading surprises someone; make them say.
		return QuietHours{}, fmt.Errorf("%q starts and ends at the same time; %s", v, expected)
	}
	return QuietHours{Start: start, End: end, On: true}, nil
}

// clockTime reads "HH:MM" as an offset from midnight.
func clockTime(s string) (time.Duration, bool) {
	m := clock.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mins, _ := strconv.Atoi(m[2])
	return time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute, true
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// redacted replaces every secret in messages and logs.
const redacted = "xxxxx"

// redactURL shows a URL without its secrets: the values of password query
// parameters (which go-redis reads for Sentinel) and the password of its user
// info, like "redis://app:xxxxx@h:6379?password=xxxxx". It works on the text as
// typed, not on what url.Parse makes of it, so that it also hides a password
// that url.Parse would misread: the user info is everything between the scheme
// and the last "@" (an "@" cannot be in a host name). When that holds a "/", "?"
// or "#", or there is no scheme, the user name goes too. Everything else is
// shown as typed.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	s = redactQuery(s)
	prefix := ""
	if i := strings.Index(s, "://"); i >= 0 && isScheme(s[:i]) {
		prefix = s[:i+3]
	}
	rest := s[len(prefix):]
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	info := rest[:at]
	if prefix == "" || strings.ContainsAny(info, "/?#") {
		return prefix + redacted + rest[at:]
	}
	if user, _, hasPassword := strings.Cut(info, ":"); hasPassword {
		info = user + ":" + redacted
	}
	return prefix + info + rest[at:]
}

// redactQuery hides the values of the password parameters in the URL s and leaves
// the rest as typed. Parameters are looked for after the first "?" or "#",
// between any of "?", "&" and "#": a password typed after a stray "#", or after
// a "?" that url.Parse would not read as the query's start, is a password all the
// same.
func redactQuery(s string) string {
	start := strings.IndexAny(s, "?#")
	if start < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:start+1])
	tail := s[start+1:]
	for {
		end := strings.IndexAny(tail, "?&#")
		pair := tail
		if end >= 0 {
			pair = tail[:end]
		}
		key, _, hasValue := strings.Cut(pair, "=")
		name := key
		if k, err := url.QueryUnescape(key); err == nil {
			name = k
		}
		if hasValue && strings.Contains(strings.ToLower(name), "password") {
			pair = key + "=" + redacted
		}
		b.WriteString(pair)
		if end < 0 {
			return b.String()
		}
		b.WriteByte(tail[end])
		tail = tail[end+1:]
	}
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then letters,
// digits, "+", "-" or ".").
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// checkUserinfo refuses a URL whose user info as typed (up to the last "@") holds
// a "/", "?" or "#": url.Parse would cut the password there and read the rest as
// a port, path, query or fragment, which later messages (its own, go-redis's)
// quote. shown is the URL as the message may show it.
func checkUserinfo(raw, shown string) error {
	if !strings.ContainsAny(userinfo(raw), "/?#") {
		return nil
	}
	return fmt.Errorf(`%q has "/", "?" or "#" before its last "@"; percent-encode them in a user name or password as %%2F, %%3F and %%23, and an "@" anywhere else as %%40`, shown)
}

// userinfo is the "user:password" part of a URL as typed: everything between
// "://" and the last "@". Passwords may hold any character, and "@" cannot be in
// a host name.
func userinfo(s string) string {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return ""
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return rest[:at]
	}
	return ""
}

// quoted finds the Go-quoted parts of an error message ("...", with \" inside).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// urlReason is url.Parse's complaint about raw without the URL, which may hold a
// password. The url package also quotes the piece it stumbled on (a port, an
// escape, a host character), and where raw holds an "@" that piece may be part of
// a password it misread as a host or port, so then every quoted piece is hidden.
func urlReason(err error, raw string) string {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	if !strings.Contains(raw, "@") {
		return msg
	}
	return quoted.ReplaceAllString(msg, `"…"`)
}

// parseTwilioAPIURL reads the base URL of Twilio's REST API: absolute http(s),
// nothing after the host (a trailing "/" is dropped).
func parseTwilioAPIURL(v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q is not a base URL like https://api.twilio.com", redactURL(v))
	}
	u.Path, u.RawPath = "", ""
	return u, nil
}

// parsePrefixes reads comma-separated IP addresses and CIDR ranges.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or a CIDR range like 10.0.0.0/8", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// parseCount reads a whole number from lo to hi.
func parseCount(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || !isDigits(v) || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}
