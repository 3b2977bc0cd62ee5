package config

import (
	"strings"
	"testing"
)

// TestSettingsThatGuardPeople: the settings a careless deployment gets wrong are
// refused at start, each naming the variable to set.
func TestSettingsThatGuardPeople(t *testing.T) {
	bad := []struct {
		name string
		env  map[string]string
		want string
	}{
		// Without a shared secret, keys would change at every restart and
		// between servers; with an unkeyed hash, they could be reversed.
		{"Redis without a secret", map[string]string{"REDIS_URL": "redis://h", "HOTLINE_SECRET": ""},
			"config: REDIS_URL: is set, so HOTLINE_SECRET (secret in the file) must be too"},
		{"short secret", map[string]string{"HOTLINE_SECRET": "short-secret-123"},
			"config: HOTLINE_SECRET: is too short; expected at least 32 characters"},
		// Signatures are over the public URL: without it the hotline is dead.
		{"token without public URL", map[string]string{"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef"},
			"config: TWILIO_AUTH_TOKEN: is set, so HOTLINE_PUBLIC_URL (public_url in the file) must be too"},
		{"opportunistic TLS", map[string]string{"SMTP_URL": "smtp://u:secretpw@mail.example.org?tls=opportunistic"},
			"which would send referrals unencrypted when STARTTLS is missing"},
		{"metrics address", map[string]string{"HOTLINE_METRICS_ADDR": "9090"}, "or off to serve no metrics"},
		{"referrals per day zero", map[string]string{"HOTLINE_CHAT_REFERRALS_PER_DAY": "0"}, "from 1 to 1000"},
		{"referrals per day word", map[string]string{"HOTLINE_CHAT_REFERRALS_PER_DAY": "three"}, "from 1 to 1000"},
		{"chat title of two lines", map[string]string{"HOTLINE_CHAT_TITLE": "Notes\nLegal Aid"}, "HOTLINE_CHAT_TITLE: must be a line of text"},
		{"chat title too long", map[string]string{"HOTLINE_CHAT_TITLE": strings.Repeat("n", 81)}, "up to 80 bytes"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(envOf(tt.env), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%v) = %v, want an error with %q", tt.env, err, tt.want)
			}
			if strings.Contains(err.Error(), "short-secret-123") || strings.Contains(err.Error(), "secretpw") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}

	good := map[string]string{
		"REDIS_URL": "redis://h", "HOTLINE_SECRET": strings.Repeat("s", 32), "HOTLINE_METRICS_ADDR": "off",
		"HOTLINE_CHAT_REFERRALS_PER_DAY": "10", "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
		"HOTLINE_INSECURE_SKIP_SIGNATURE": "yes",
	}
	c, err := Load(envOf(good), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret != strings.Repeat("s", 32) || c.MetricsAddr != "" || c.ChatReferralsPerDay != 10 {
		t.Errorf("Load(%v) = secret %q, metrics %q, referrals %d", good, c.Secret, c.MetricsAddr, c.ChatReferralsPerDay)
	}
}

// TestPlainSMTPIsWarned: ?tls=none is allowed, for a relay on this machine, and
// said at start.
func TestPlainSMTPIsWarned(t *testing.T) {
	c, err := Load(envOf(map[string]string{"SMTP_URL": "smtp://relay:25?tls=none"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "SMTP_URL has tls=none") {
		t.Errorf("Warnings() = %q, want one about tls=none", w)
	}
}
