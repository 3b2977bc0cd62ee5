package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/internal/testkit/handoffserver"
	"github.com/hotline-legal/hotline/internal/testkit/redisserver"
	"github.com/hotline-legal/hotline/internal/testkit/smtpserver"
)

// handoffBlock is the Tenant Rights Clinic's handoff: block, to url, signed
// with the key in env.
func handoffBlock(url, env string) map[string][2]string {
	return map[string][2]string{"directory.yaml": {"    response_time: 1 business day\n",
		"    response_time: 1 business day\n    handoff:\n      url: " + url + "\n      secret_env: " + env + "\n"}}
}

const serveHandoffSecret = "clinic-key-0123456789abcdef0123456789abcdef"

// TestServeHandoff: the real server, on a real Redis and SMTP server, POSTs a
// referral of a screening over the webhook to the organization's receiver:
// its first answer, 500, is retried, and the second attempt is taken, signed
// over a body that follows the schema; the email goes too.
func TestServeHandoff(t *testing.T) {
	t.Parallel()
	recv := handoffserver.Start(t)
	recv.Answer(500)
	mail := smtpserver.Start(t, smtpserver.Options{})
	dir := copySamplePack(t, handoffBlock(recv.URL, "TENANT_CLINIC_HANDOFF_SECRET"))
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": redisserver.Start(t).URL(), "SMTP_URL": mail.URL(), "HOTLINE_FLOWS": dir,
		"HOTLINE_RETRY_FIRST": "200ms", "TENANT_CLINIC_HANDOFF_SECRET": serveHandoffSecret,
		// The receiver is on 127.0.0.1, which a hand-off may reach only so.
		"HOTLINE_HANDOFF_ALLOW_PRIVATE": "1",
	}))
	ref := screenOverWebhook(t, srv, "+13125550186")
	mail.WaitFor(1, 10*time.Second)
	recv.WaitFor(2, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // time for a wrong third attempt to arrive
	reqs, taken := recv.Requests(), recv.Taken()
	if len(reqs) != 2 || len(taken) != 1 || reqs[0].Status != 500 {
		t.Fatalf("%d attempts (%d taken); want a 500, then one taken", len(reqs), len(taken))
	}
	if problems := handoffserver.Verify(t, taken[0], serveHandoffSecret); len(problems) > 0 {
		t.Errorf("the hand-off: %v\n%s", problems, taken[0].Body)
	}
	body := string(taken[0].Body)
	for _, want := range []string{`"reference":"` + ref + `"`, `"opposing_party":"Acme Properties"`, `"callback":"+13125550186"`, `"urgent":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %s:\n%s", want, body)
		}
	}
	if taken[0].Header.Get("Idempotency-Key") != ref || string(reqs[0].Body) != body {
		t.Errorf("the attempts differ, or the key is not %s", ref)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Errorf("%d emails; want the referral's", n)
	}
	if logs := srv.logs.String(); strings.Contains(logs, serveHandoffSecret) || strings.Contains(logs, "Maria") || strings.Contains(logs, "Acme") {
		t.Errorf("the logs hold the key or personal data:\n%s", logs)
	}
}

// TestServeHandoffNeedsItsKey: serve does not start on a pack whose
// hand-off's signing key is not in the environment, and says which
// organization and variable.
func TestServeHandoffNeedsItsKey(t *testing.T) {
	dir := copySamplePack(t, handoffBlock("https://intake.example.org/hotline", "TENANT_CLINIC_HANDOFF_SECRET"))
	for name, value := range map[string]string{"unset": "", "blank": " \t"} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"HOTLINE_ADDR": "127.0.0.1:0", "HOTLINE_METRICS_ADDR": "off", "HOTLINE_OUTBOX_DIR": t.TempDir(), "HOTLINE_FLOWS": dir}
			if value != "" {
				env["TENANT_CLINIC_HANDOFF_SECRET"] = value
			}
			var stderr syncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr)
			if err == nil || !strings.Contains(stderr.String(), "organization tenant-clinic") || !strings.Contains(stderr.String(), "TENANT_CLINIC_HANDOFF_SECRET is not set") {
				t.Errorf("serve = %v; stderr:\n%s", err, stderr.String())
			}
			if strings.Contains(stderr.String(), "hotline is listening") {
				t.Error("serve listened")
			}
		})
	}
}

// TestServeReloadHandoffNeedsItsKey: a changed pack that adds a hand-off
// whose key is not set is refused like a broken pack (the old one keeps
// serving); with a key that is set it is loaded, with a warning when the key
// is short.
func TestServeReloadHandoffNeedsItsKey(t *testing.T) {
	dir := copySamplePack(t, nil)
	srv := startServe(t, map[string]string{"HOTLINE_FLOWS": dir, "HOTLINE_RELOAD_INTERVAL": "100ms", "SHORT_HANDOFF_SECRET": "short"})
	path := filepath.Join(dir, "directory.yaml")
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(env string) {
		t.Helper()
		block := handoffBlock("https://intake.example.org/hotline", env)["directory.yaml"]
		if err := os.WriteFile(path, []byte(strings.Replace(string(original), block[0], block[1]+"    # "+env+"\n", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("MISSING_HANDOFF_SECRET")
	srv.waitLog("still serving the previous one")
	if logs := srv.logs.String(); !strings.Contains(logs, "organization tenant-clinic: handoff: secret_env: MISSING_HANDOFF_SECRET is not set") || strings.Contains(logs, "pack reloaded") {
		t.Errorf("the refusal does not name the organization and the variable, or the pack was loaded:\n%s", logs)
	}
	write("SHORT_HANDOFF_SECRET")
	srv.waitLog("pack reloaded")
	if logs := srv.logs.String(); !strings.Contains(logs, "signing key is short") || strings.Contains(logs, `"short"`) {
		t.Errorf("no warning about the short key (or the key itself is logged):\n%s", logs)
	}
}

// TestChatPrintsHandoff: `hotline chat` on a pack whose organization takes
// hand-offs prints the JSON body after the email (and instead of it with
// email: false), and sends nothing.
func TestChatPrintsHandoff(t *testing.T) {
	script := strings.Join(byHandScript, "\n") + "\n"
	for _, email := range []bool{true, false} {
		edits := handoffBlock("https://intake.example.org/hotline", "TENANT_CLINIC_HANDOFF_SECRET")
		if !email {
			e := edits["directory.yaml"]
			edits["directory.yaml"] = [2]string{e[0], e[1] + "      email: false\n"}
		}
		dir := copySamplePack(t, edits)
		r := runHotline(t, script, nil, "chat", dir)
		if r.status != 0 {
			t.Fatalf("chat: status %d\n%s", r.status, r.stderr)
		}
		out := r.stdout
		for _, want := range []string{"The JSON hand-off that would be POSTed to https://intake.example.org/hotline",
			"$TENANT_CLINIC_HANDOFF_SECRET", `"schema_version": 1`, `"opposing_party": "Acme Properties"`, `"callback": "+13125550142"`} {
			if !strings.Contains(out, want) {
				t.Errorf("email %v: the output lacks %q:\n%s", email, want, out)
			}
		}
		if got := strings.Contains(out, "The referral email that would be sent"); got != email {
			t.Errorf("email %v: the email printed: %v\n%s", email, got, out)
		}
	}
}

// byHandScript ends at the Tenant Rights Clinic, not urgent.
var byHandScript = []string{"hi", "1", "yes", "no", "60612", "1", "no", "no", "Acme Properties", "3", "500 a week", "Maria", "yes", "yes", "yes"}

// TestServeHandoffCluster: on a 3-master Redis Cluster the commit that queues
// a referral's email and its hand-off runs in one slot, and both arrive.
func TestServeHandoffCluster(t *testing.T) {
	t.Parallel()
	recv := handoffserver.Start(t)
	mail := smtpserver.Start(t, smtpserver.Options{})
	dir := copySamplePack(t, handoffBlock(recv.URL, "TENANT_CLINIC_HANDOFF_SECRET"))
	srv := startServe(t, webhookEnv(map[string]string{
		"REDIS_URL": redisserver.StartCluster(t, 3).URL(), "HOTLINE_REDIS_MODE": "cluster", "SMTP_URL": mail.URL(),
		"HOTLINE_FLOWS": dir, "TENANT_CLINIC_HANDOFF_SECRET": serveHandoffSecret, "HOTLINE_HANDOFF_ALLOW_PRIVATE": "1",
	}))
	for i := 0; i < 3; i++ {
		screenOverWebhook(t, srv, "+1312555017"+string(rune('0'+i)))
	}
	if n := len(mail.WaitFor(3, 15*time.Second)); n != 3 {
		t.Errorf("%d emails through the cluster, want 3", n)
	}
	recv.WaitFor(3, 15*time.Second)
	if taken := recv.Taken(); len(taken) != 3 {
		t.Fatalf("%d hand-offs taken through the cluster, want 3", len(taken))
	}
	for _, r := range recv.Taken() {
		if problems := handoffserver.Verify(t, r, serveHandoffSecret); len(problems) > 0 {
			t.Errorf("a hand-off: %v", problems)
		}
	}
}
