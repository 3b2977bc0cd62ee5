package config

import (
	"log/slog"
	"strings"
	"testing"
)

// FuzzURLSecrets: whatever surrounds a password in REDIS_URL or SMTP_URL (in the
// user info; or, when user starts with "?" and ends with "?" or "&", as a
// password= query parameter), Load's error and the logged settings never show
// it. The password starts with a
// marker no message holds, so that even a piece of its start is caught.
func FuzzURLSecrets(f *testing.F) {
	for _, seed := range []struct{ scheme, user, password, rest string }{
		{"smtp", "u", "pw", "mail.example.org:587"},
		{"smtps", "me%40example.org", "p%40ss", "mail.example.org/"},
		{"smtp", "u", "12/pw", "host:25"},
		{"smtp", "u", "se%zz", "mail example.org"},
		{"smtp", "u", "pw", "mail.example.org?tls=%zz"},
		{"smtp", "", "pw", "h?tls=none&tls=mandatory"},
		{"redis", "", "pw", "h:6379/x"},
		{"rediss", "app", "pw", "h?dial_timeout=soon"},
		{"redis", "", "pw", "h:port"},
		{"redis", "", "pw", "h:26379?master_name=m&addr=h2"},
		{"redis", "", "a#b", "h:7000/2?addr=h2:7000"},
		{"redis", "?master_name=m&", "pw", "h:26379"},
		{"redis", "?master_name=m&nope=1&", "pw", "h:26379"},
		{"redis", "?master_name=m&", "p%zzw", "h:26379/x"},
	} {
		f.Add(seed.scheme, seed.user, seed.password, seed.rest)
	}
	f.Fuzz(func(t *testing.T, scheme, user, password, rest string) {
		const marker = "Q7zXk"
		if strings.Contains(scheme+user+rest, marker[:3]) {
			t.Skip("the marker is outside the password")
		}
		raw := scheme + "://" + user + ":" + marker + password + "@" + rest
		if strings.HasPrefix(user, "?") && (strings.HasSuffix(user, "?") || strings.HasSuffix(user, "&")) {
			// The password of a Sentinel's primary, in the query: a parameter
			// named password, as url.ParseQuery reads it, whatever comes before.
			raw = scheme + "://" + rest + user + "password=" + marker + password
		}
		for _, name := range []string{"SMTP_URL", "REDIS_URL"} {
			c, err := Load(envOf(map[string]string{name: raw}), "")
			var shown string
			if err != nil {
				shown = err.Error()
			} else {
				// Logged as the server logs it, so that every LogValuer (the
				// Redis and SMTP settings') is resolved.
				var b strings.Builder
				slog.New(slog.NewJSONHandler(&b, nil)).Info("settings", "config", c)
				shown = b.String()
			}
			if strings.Contains(shown, marker[:3]) {
				t.Errorf("%s=%q shows the password:\n%s", name, raw, shown)
			}
		}
	})
}
