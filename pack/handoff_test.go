package pack_test

import (
	"strings"
	"testing"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// withHandoff is the sample pack with block (lines indented under "handoff:")
// added to the Tenant Rights Clinic, after its response_time (line 25): the
// block starts on line 26, its first field on line 27.
func withHandoff(t *testing.T, block string) edit {
	t.Helper()
	return edit{"directory.yaml", "    response_time: 1 business day\n", "    response_time: 1 business day\n    handoff:\n" + block}
}

// TestHandoffParsed: a handoff block reaches the organization and its
// referrals; email defaults to true.
func TestHandoffParsed(t *testing.T) {
	for _, tc := range []struct {
		block string
		want  hotline.Handoff
	}{
		{"      url: https://intake.example.org/hotline\n      secret_env: TENANT_CLINIC_HANDOFF_SECRET\n",
			hotline.Handoff{URL: "https://intake.example.org/hotline", SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Email: true}},
		{"      url: http://127.0.0.1:8089/in?x=1\n      secret_env: K1_HANDOFF_SECRET\n      email: false\n",
			hotline.Handoff{URL: "http://127.0.0.1:8089/in?x=1", SecretEnv: "K1_HANDOFF_SECRET", Email: false}},
		{"      url: http://[::1]/in\n      secret_env: K_2_HANDOFF_SECRET\n      email: yes\n",
			hotline.Handoff{URL: "http://[::1]/in", SecretEnv: "K_2_HANDOFF_SECRET", Email: true}},
		{"      url: http://localhost:9/in\n      secret_env: K_HANDOFF_SECRET\n",
			hotline.Handoff{URL: "http://localhost:9/in", SecretEnv: "K_HANDOFF_SECRET", Email: true}},
	} {
		p, problems, err := pack.Load(samplePackWith(t, withHandoff(t, tc.block)), today)
		if err != nil {
			t.Fatalf("%q: %v", tc.block, problems)
		}
		o := p.Directory.Organization("tenant-clinic")
		if o.Handoff == nil || *o.Handoff != tc.want {
			t.Errorf("%q: Handoff = %+v, want %+v", tc.block, o.Handoff, tc.want)
		}
		if other := p.Directory.Organization("example-legal-aid"); other.Handoff != nil {
			t.Errorf("another organization got a handoff: %+v", other.Handoff)
		}
		// A screening that ends at the clinic carries it.
		r := referralOf(t, p)
		if r.Handoff == nil || *r.Handoff != tc.want {
			t.Errorf("%q: the referral's Handoff = %+v, want %+v", tc.block, r.Handoff, tc.want)
		}
	}
	sample, _, err := pack.Load(samplePackWith(t), today)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range sample.Directory.Organizations {
		if o.Handoff != nil {
			t.Errorf("the sample pack's %s has an active handoff (serve must start with nothing set)", o.ID)
		}
	}
}

// referralOf runs the English screening to the Tenant Rights Clinic.
func referralOf(t *testing.T, p *pack.Pack) *hotline.Referral {
	t.Helper()
	var st flows.State
	var fx pack.Effects
	for _, text := range []string{"hi", "1", "yes", "no", "60612", "1", "no", "no", "Acme", "3", "2000", "Maria", "yes", "yes", "yes"} {
		st, fx = p.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today, Ref: "H-3TEST"})
		if fx.Referral != nil {
			return fx.Referral
		}
	}
	t.Fatalf("no referral; the screening ended at %q", st.Step)
	return nil
}

// TestHandoffErrors: each mistake in a handoff block is reported where it is,
// saying what to do.
func TestHandoffErrors(t *testing.T) {
	const secret = "      secret_env: TENANT_CLINIC_HANDOFF_SECRET\n"
	for _, tc := range []struct{ block, want string }{
		{secret, `directory.yaml:27:7: organization tenant-clinic: handoff: url: missing`},
		{"      url: https://intake.example.org/in\n", `directory.yaml:27:7: organization tenant-clinic: handoff: secret_env: missing`},
		{"      url: http://intake.example.org/in\n" + secret,
			`directory.yaml:27:12: organization tenant-clinic: handoff: url: "http://intake.example.org/in" must use https: the referral holds people's personal data; plain http is allowed only for a server on this machine (127.0.0.1, ::1 or localhost)`},
		{"      url: https://user:pw@intake.example.org/in\n" + secret, `directory.yaml:27:12: organization tenant-clinic: handoff: url: "https://user:pw@intake.example.org/in" holds a user name or password`},
		{"      url: https://intake.example.org/in#top\n" + secret, `directory.yaml:27:12: organization tenant-clinic: handoff: url: "https://intake.example.org/in#top" has a fragment`},
		{"      url: intake.example.org/in\n" + secret, `directory.yaml:27:12: organization tenant-clinic: handoff: url: "intake.example.org/in" is not an absolute address`},
		{"      url: ftp://intake.example.org/in\n" + secret, `directory.yaml:27:12: organization tenant-clinic: handoff: url: "ftp://intake.example.org/in" must start with https://`},
		{"      url: https://intake.example.org/in\n      secret_env: tenant-secret\n",
			`directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: "tenant-secret" is not an environment variable's name`},
		{"      url: https://intake.example.org/in\n      secret_env: 1KEY\n", `directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: "1KEY" is not`},
		{"      url: https://intake.example.org/in\n      secret_env: HOTLINE_SECRET\n",
			`directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: HOTLINE_SECRET does not end in _HANDOFF_SECRET; name a variable of the hand-off's own, like TENANT_CLINIC_HANDOFF_SECRET`},
		{"      url: https://intake.example.org/in\n      secret_env: TWILIO_AUTH_TOKEN\n", `directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: TWILIO_AUTH_TOKEN does not end in _HANDOFF_SECRET`},
		{"      url: https://intake.example.org/in\n      secret_env: AWS_SECRET_ACCESS_KEY\n", `directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: AWS_SECRET_ACCESS_KEY does not end in _HANDOFF_SECRET`},
		{"      url: https://intake.example.org/in\n      secret_env: TENANT_CLINIC_HANDOFF_SECRET_OLD\n", `directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: TENANT_CLINIC_HANDOFF_SECRET_OLD does not end in _HANDOFF_SECRET`},
		{"      url: https://intake.example.org/in\n      secret_env: _HANDOFF_SECRET\n", `directory.yaml:28:19: organization tenant-clinic: handoff: secret_env: _HANDOFF_SECRET does not end in _HANDOFF_SECRET`},
		{"      url: https://intake.example.org/in\n" + secret + "      emails: false\n", `directory.yaml:29:7: unknown field "emails" (did you mean "email"?)`},
		{"      url: https://intake.example.org/in\n" + secret + "      email: maybe\n", `directory.yaml:29:14: email: expected true or false, got "maybe"`},
		{"      - https://intake.example.org/in\n", `directory.yaml:27:7: handoff: expected a mapping`},
	} {
		_, problems, err := pack.Load(samplePackWith(t, withHandoff(t, tc.block)), today)
		if err == nil {
			t.Errorf("%q: loaded; want %s", tc.block, tc.want)
			continue
		}
		found := false
		for _, p := range problems.Errors() {
			found = found || strings.HasPrefix(p.Error(), tc.want)
		}
		if !found {
			t.Errorf("%q: problems\n%v\nwant one starting %s", tc.block, problems, tc.want)
		}
	}
}

// TestHandoffSharedKey: two organizations whose hand-offs go to different
// hosts may not share a secret_env (reported at the second, naming the
// first); on one host they may.
func TestHandoffSharedKey(t *testing.T) {
	clinic := withHandoff(t, "      url: https://intake.example.org/hotline\n      secret_env: SHARED_HANDOFF_SECRET\n")
	other := func(url string) edit {
		return edit{"directory.yaml", "    response_time: 2 business days\n    services:\n      - id: civil",
			"    response_time: 2 business days\n    handoff:\n      url: " + url + "\n      secret_env: SHARED_HANDOFF_SECRET\n    services:\n      - id: civil"}
	}
	_, problems, err := pack.Load(samplePackWith(t, clinic, other("https://cases.example.net/in")), today)
	want := `directory.yaml:48:19: organization example-legal-aid: handoff: secret_env: SHARED_HANDOFF_SECRET also signs the hand-offs of organization tenant-clinic (directory.yaml:28:19), which go to intake.example.org, not cases.example.net; give each server a key of its own, like EXAMPLE_LEGAL_AID_HANDOFF_SECRET`
	if err == nil || !strings.Contains(problems.Errors().Error(), want) {
		t.Errorf("a key shared across hosts: %v\n%v\nwant %s", err, problems, want)
	}
	p, problems, err := pack.Load(samplePackWith(t, clinic, other("https://INTAKE.example.org/other")), today)
	if err != nil {
		t.Fatalf("a key shared on one host: %v", problems)
	}
	if h := p.Directory.Organization("example-legal-aid").Handoff; h == nil || h.SecretEnv != "SHARED_HANDOFF_SECRET" {
		t.Errorf("example-legal-aid's Handoff = %+v", h)
	}
}

// TestSampleHandoffExample: the commented example at the end of the sample's
// directory.yaml, uncommented under an organization, loads as documented.
func TestSampleHandoffExample(t *testing.T) {
	data := string(samplePackWith(t)["directory.yaml"].Data)
	var block strings.Builder
	for _, line := range strings.Split(data, "\n") {
		if rest, ok := strings.CutPrefix(line, "#    "); ok {
			block.WriteString("    " + rest + "\n")
		}
	}
	if !strings.Contains(block.String(), "handoff:") {
		t.Fatalf("no commented handoff example in the sample's directory.yaml")
	}
	p, problems, err := pack.Load(samplePackWith(t, edit{"directory.yaml", "    response_time: 1 business day\n",
		"    response_time: 1 business day\n" + block.String()}), today)
	if err != nil {
		t.Fatalf("the example does not load:\n%s\n%v", block.String(), problems)
	}
	want := hotline.Handoff{URL: "https://intake.example.org/hotline", SecretEnv: "TENANT_CLINIC_HANDOFF_SECRET", Email: true}
	if h := p.Directory.Organization("tenant-clinic").Handoff; h == nil || *h != want {
		t.Errorf("the example gives %+v, want %+v", h, want)
	}
}
