package config

import (
	"strings"
	"testing"

	"github.com/hotline-legal/hotline/bot/mailer"
)

// TestLoadSMTP: SMTP_URL as the mailer takes it. (These were the mailer's tests
// of its own URL parser, before config became the one reader of SMTP_URL.)
func TestLoadSMTP(t *testing.T) {
	good := []struct {
		url  string
		want mailer.SMTP
	}{
		{"smtp://mail.example.org", mailer.SMTP{Host: "mail.example.org", Port: 587, TLS: mailer.TLSMandatory}},
		{" smtp://mail.example.org:2525?tls=mandatory ", mailer.SMTP{Host: "mail.example.org", Port: 2525, TLS: mailer.TLSMandatory}},
		{"smtp://relay:25?tls=none", mailer.SMTP{Host: "relay", Port: 25, TLS: mailer.TLSNone}},
		{"smtp://relay?tls=NONE", mailer.SMTP{Host: "relay", Port: 587, TLS: mailer.TLSNone}},
		{"smtps://u:p@mail.example.org", mailer.SMTP{Host: "mail.example.org", Port: 465, TLS: mailer.TLSImplicit, Username: "u", Password: "p"}},
		{"smtps://mail.example.org:2465/?tls=mandatory", mailer.SMTP{Host: "mail.example.org", Port: 2465, TLS: mailer.TLSImplicit}},
		{"SMTP://user%40example.org:p%40ss%2Fw0rd%3A@Mail.Example.org", mailer.SMTP{Host: "Mail.Example.org", Port: 587, Username: "user@example.org", Password: "p@ss/w0rd:"}},
		{"smtp://apikey@[::1]:25", mailer.SMTP{Host: "::1", Port: 25, Username: "apikey"}},
	}
	for _, tt := range good {
		c, err := Load(envOf(map[string]string{"SMTP_URL": tt.url}), "")
		switch {
		case err != nil:
			t.Errorf("Load(SMTP_URL=%q): %v", tt.url, err)
		case c.SMTP == nil || *c.SMTP != tt.want:
			t.Errorf("Load(SMTP_URL=%q).SMTP = %+v, want %+v", tt.url, c.SMTP, tt.want)
		}
	}

	bad := []struct{ url, want string }{
		{"http://u:secretpw@mail.example.org", "not an SMTP URL"},
		{"mail.example.org", "not an SMTP URL"},
		{"u:secretpw@mail.example.org", "not an SMTP URL"},
		{"smtp:mail.example.org", "no host"},
		{"smtp://", "no host"},
		{"smtp://u:secretpw@", "no host"},
		{"smtp://u:secretpw@mail.example.org:0", "port"},
		{"smtp://u:secretpw@mail.example.org:99999", "port"},
		{"smtp://u:secretpw@mail.example.org:abc", "port"},
		{"smtp://u:secretpw@mail.example.org:", "port"},
		{"smtp://u:secretpw@mail.example.org?tls=maybe", "tls"},
		{"smtp://u:secretpw@mail.example.org?tsl=none", "query other than"},
		{"smtp://u:secretpw@mail.example.org?tls=none&tls=mandatory", "more than once"},
		{"smtps://u:secretpw@mail.example.org?tls=none", "smtps"},
		{"smtps://u:secretpw@mail.example.org?tls=opportunistic", "smtps"},
		{"smtp://u:secretpw@mail.example.org/inbox", "path"},
		{"smtp://:secretpw@mail.example.org", "user"},
		{"smtp://u:secretpw%zz@mail.example.org", "URL"},
		{"smtp://u:secretpw@mail example.org", "URL"},
		{"smtp://u:secretpw@mail.example.org#frag", "fragment"},
		{"smtp://u:secretpw@mail.example.org?tls=%zz", "query"},
		{"smtp://u:secret/pw@mail.example.org", "percent-encode"},
		{"smtp://u:12/secretpw@mail.example.org", "percent-encode"},
		{"smtp://u:secret#pw@mail.example.org", "percent-encode"},
		{"smtp://u:secret?pw@mail.example.org", "percent-encode"},
		{"smtp://u:sec%zzretpw@mail.example.org", "URL"},
		{"smtp://u:secret pw@mail.example.org", "URL"},
	}
	for _, tt := range bad {
		c, err := Load(envOf(map[string]string{"SMTP_URL": tt.url}), "")
		switch {
		case err == nil:
			t.Errorf("Load(SMTP_URL=%q) = %+v, want an error", tt.url, c.SMTP)
		case strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "pw"):
			t.Errorf("Load(SMTP_URL=%q) = %v: the error shows the password", tt.url, err)
		case !strings.HasPrefix(err.Error(), "config: SMTP_URL: ") || !strings.Contains(err.Error(), tt.want):
			t.Errorf("Load(SMTP_URL=%q) = %v, want an error about %s", tt.url, err, tt.want)
		}
	}

	// url.Parse quotes a bad escape; in a password, even that piece stays hidden.
	const short = "smtp://u:a%zz@mail.example.org"
	if _, err := Load(envOf(map[string]string{"SMTP_URL": short}), ""); err == nil || strings.Contains(err.Error(), "a%zz") || strings.Contains(err.Error(), `"%zz"`) {
		t.Errorf("Load(SMTP_URL=%q) = %v, want an error without the password", short, err)
	}
}

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"smtp://u:secretpw@mail.example.org:587", "smtp://u:xxxxx@mail.example.org:587"},
		{"smtp://mail.example.org", "smtp://mail.example.org"},
		{"smtp://u@mail.example.org", "smtp://u@mail.example.org"},
		{"smtp://u:secret%zz@mail example.org/x", "smtp://u:xxxxx@mail example.org/x"},
		{"smtp://u:p@ss@host", "smtp://u:xxxxx@host"},
		{"smtp://u:12/secret#pw?@host:25", "smtp://xxxxx@host:25"},
		{"u:secret@host", "xxxxx@host"},
		{"//@://0:secret@0", "xxxxx@0"},
		{"redis://:secret@h:6379/0?dial_timeout=3", "redis://:xxxxx@h:6379/0?dial_timeout=3"},
		{"redis://h:26379?master_name=m&password=secret", "redis://h:26379?master_name=m&password=xxxxx"},
		{"redis://:s1@h:26379/0?Password=s2&x=1&password=s%zz#f", "redis://:xxxxx@h:26379/0?Password=xxxxx&x=1&password=xxxxx#f"},
		{"redis://h?master_name=m&password=a@b", "redis://h?master_name=m&password=xxxxx"},
		{"0://0?@password=secret", "xxxxx@password=xxxxx"},
		{"redis://h#?password=secret&pass%77ord=secret", "redis://h#?password=xxxxx&pass%77ord=xxxxx"},
		{"https://hotline.example.org/base", "https://hotline.example.org/base"},
	} {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
