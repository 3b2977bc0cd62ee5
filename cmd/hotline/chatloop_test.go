package main

import (
	"regexp"
	"strings"
	"testing"
)

// The referral loop played by `hotline chat` after byHandScript's referral
// to the Tenant Rights Clinic (not urgent), made on Wednesday Nov 25 at 3pm
// (fixedNow). In the sample pack the Clinic's referrals go on to Example
// County Legal Aid, then to the fallback, the State Bar Lawyer Referral
// Service.

// chatLoop runs byHandScript through `hotline chat` with args, and fails
// unless it exits 0.
func chatLoop(t *testing.T, script []string, args ...string) string {
	t.Helper()
	r := runHotline(t, strings.Join(script, "\n")+"\n", nil, append([]string{"chat"}, args...)...)
	if r.status != 0 {
		t.Fatalf("chat %v: status %d\n%s", args, r.status, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("chat %v: stderr %q", args, r.stderr)
	}
	return r.stdout
}

// inOrder fails unless each of wants is in out, after the one before it.
func inOrder(t *testing.T, out string, wants ...string) {
	t.Helper()
	rest := out
	for _, want := range wants {
		i := strings.Index(rest, want)
		if i < 0 {
			if strings.Contains(out, want) {
				t.Fatalf("the output has %q, but not after %q:\n%s", want, wants, out)
			}
			t.Fatalf("the output lacks %q:\n%s", want, out)
		}
		rest = rest[i+len(want):]
	}
}

// pageLines are the lines that say which organization answered on which
// page; emailLinks the links in emails.
var (
	pageLines  = regexp.MustCompile(`(?m)^=== (.+) answers on its page, (https://hotline\.example\.org/referrals/\S+)$`)
	emailLinks = regexp.MustCompile(`(?m)^https://hotline\.example\.org/referrals/\S+$`)
	textsTo    = regexp.MustCompile(`(?m)^The text that would be sent to (\+\d+):\n\n(.*)$`)
)

// TestChatLoopDeclineTwice: the Clinic declines, then the organization the
// referral went on to declines too: the re-routed email, with a link of its
// own that the second organization answers on, the person's texts (where it
// went, then the fallback), and no third email.
func TestChatLoopDeclineTwice(t *testing.T) {
	out := chatLoop(t, byHandScript, "--decline", "capacity", "--decline", "conflict")
	inOrder(t, out,
		"Your reference is H-33333",
		"To: intake.tenants@example.org",
		"=== Tenant Rights Clinic answers on its page",
		"[We can’t take it] No capacity at the moment",
		"Declined by Tenant Rights Clinic. Reason: No capacity at the moment.",
		"To: intake.legalaid@example.org\nSubject: [Hotline referral H-33333] RE-ROUTED · Housing (eviction) · ZIP 60612",
		"RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (no capacity).",
		"The text that would be sent to +13125550142:\n\nTenant Rights Clinic can't take your case. We sent it to Example County Legal Aid (LSC-funded): (312) 555-0122. Your reference is still H-33333.",
		"=== Example County Legal Aid (LSC-funded) answers on its page",
		"[We can’t take it] Conflict of interest",
		"The text that would be sent to +13125550142:\n\nExample County Legal Aid (LSC-funded) can't take your case, and no other office we work with can. The State Bar Lawyer Referral Service",
	)
	if n := strings.Count(out, "The referral email that would be sent:"); n != 2 {
		t.Errorf("%d referral emails, want 2 (the Clinic's and the re-routed one)", n)
	}
	if n := len(textsTo.FindAllString(out, -1)); n != 2 {
		t.Errorf("%d texts, want 2 (the re-route and the fallback)", n)
	}
	// Each organization answered on the link its own email carried.
	pages, links := pageLines.FindAllStringSubmatch(out, -1), emailLinks.FindAllString(out, -1)
	if len(pages) != 2 || len(links) != 2 {
		t.Fatalf("%d pages answered and %d links in emails, want 2 of each:\n%s", len(pages), len(links), out)
	}
	for i, page := range pages {
		if page[2] != links[i] {
			t.Errorf("%s answered on %s, but its email's link is %s", page[1], page[2], links[i])
		}
	}
	if links[0] == links[1] {
		t.Errorf("both organizations got the same link %s", links[0])
	}
}

// TestChatLoopAcceptNoFollowUp: an organization that accepts is trusted to
// call: 72 hours on, the person gets no follow-up text, and the coordinator
// no alert.
func TestChatLoopAcceptNoFollowUp(t *testing.T) {
	out := chatLoop(t, byHandScript, "--accept", "--followup", "yes")
	inOrder(t, out,
		"=== Tenant Rights Clinic answers on its page",
		"[We’ll take it]\nThank you: your answer has been recorded.\nAccepted: Tenant Rights Clinic will take this referral.",
		"=== The clock moves on 72h, to Sat Nov 28, 2026 3:00 PM CST",
		`(No follow-up text: Tenant Rights Clinic accepted the referral, and is trusted to call. The answer "yes" is not played.)`,
	)
	for _, not := range []string{"Did Tenant Rights Clinic contact you?", "The text that would be sent", "The coordinator's alert", "\n> yes\nThank you for telling us"} {
		if strings.Contains(out, not) {
			t.Errorf("after an accept, the output has %q:\n%s", not, out)
		}
	}
	if n := strings.Count(out, "The referral email that would be sent:"); n != 1 {
		t.Errorf("%d referral emails, want 1", n)
	}
}

// TestChatLoopFollowUpNo: three days on, the person is asked whether the
// Clinic called; their NO, played as their message, sends the referral on:
// the next organization's email, and the text saying so. The Clinic's
// silence since Thursday evening has alerted the coordinator meanwhile.
func TestChatLoopFollowUpNo(t *testing.T) {
	out := chatLoop(t, byHandScript, "--followup", "no")
	inOrder(t, out,
		"=== The clock moves on 72h, to Sat Nov 28, 2026 3:00 PM CST: 72h (--followup-after, HOTLINE_FOLLOWUP_AFTER) after the referral reached Tenant Rights Clinic.",
		"The text that would be sent to +13125550142:\n\nDid Tenant Rights Clinic contact you? Reply YES or NO.",
		"To: coordinator@example.org\nSubject: [Hotline] No answer on referral H-33333 from Tenant Rights Clinic",
		"\n> no\nWe're sorry. We'll send your case to another office and let you know. Your reference is still H-33333.",
		"To: intake.legalaid@example.org\nSubject: [Hotline referral H-33333] RE-ROUTED",
		"RE-ROUTED TO YOU: Tenant Rights Clinic could not take this referral (the person said it never contacted them).",
		"We sent it to Example County Legal Aid (LSC-funded): (312) 555-0122.",
	)
	// --followup-after moves the clock by its own amount.
	out = chatLoop(t, byHandScript, "--followup-after", "24h", "--followup", "yes")
	inOrder(t, out,
		"=== The clock moves on 24h, to Thu Nov 26, 2026 3:00 PM CST",
		"Did Tenant Rights Clinic contact you?",
		"\n> yes\nThank you for telling us.",
	)
	if strings.Contains(out, "RE-ROUTED") || strings.Contains(out, "The coordinator's alert") {
		t.Errorf("a YES within the response time sent the referral on, or alerted:\n%s", out)
	}
}

// TestChatLoopSilent: the Clinic says nothing: its 1 business day and the
// pack's 4 hours of grace end on Thursday at 7pm, when the coordinator is
// alerted (once); the person hears nothing of it. With the pack's
// reroute_on_silence, the referral goes on too.
func TestChatLoopSilent(t *testing.T) {
	out := chatLoop(t, byHandScript, "--silent", "--silent")
	inOrder(t, out,
		"=== Tenant Rights Clinic says nothing. The clock moves to Thu Nov 26, 2026 7:00 PM CST: its response time (1 business day) and the pack's silence_grace (4h) have passed.",
		"The coordinator's alert that would be sent (to HOTLINE_COORDINATOR_EMAIL):\n\nTo: coordinator@example.org\nSubject: [Hotline] No answer on referral H-33333 from Tenant Rights Clinic",
		"Tenant Rights Clinic has neither accepted nor declined this referral within its response time.",
		"(--silent: the coordinator was told already that Tenant Rights Clinic has not answered.)",
	)
	if n := strings.Count(out, "The coordinator's alert"); n != 1 {
		t.Errorf("%d alerts, want 1", n)
	}
	if strings.Contains(out, "The text that would be sent") || strings.Contains(out, "RE-ROUTED") {
		t.Errorf("silence without reroute_on_silence texted the person or sent the referral on:\n%s", out)
	}

	dir := copySamplePack(t, map[string][2]string{"pack.yaml": {"reroute_on_silence: no", "reroute_on_silence: yes"}})
	out = chatLoop(t, byHandScript, "--silent", dir)
	inOrder(t, out,
		"=== Tenant Rights Clinic says nothing.",
		"To: intake.legalaid@example.org\nSubject: [Hotline referral H-33333] RE-ROUTED",
		"We sent it to Example County Legal Aid (LSC-funded)",
		"Subject: [Hotline] No answer on referral H-33333 from Tenant Rights Clinic",
	)
}

// TestChatLoopOrder: the steps play in the order given, whatever their
// flags: a NO first sends the referral on, then the organization it went to
// declines it.
func TestChatLoopOrder(t *testing.T) {
	out := chatLoop(t, byHandScript, "--followup", "no", "--decline", "priorities", "--accept")
	inOrder(t, out,
		"Did Tenant Rights Clinic contact you?",
		"To: intake.legalaid@example.org",
		"=== Example County Legal Aid (LSC-funded) answers on its page",
		"[We can’t take it] Outside the organization’s priorities or area",
		"The State Bar Lawyer Referral Service can help you find a lawyer",
		"(--accept: the referral is with no organization now (no organization that fits was left: the person was given the fallback, State Bar Lawyer Referral Service), so nobody can accept it.)",
	)
	if strings.Contains(out, "=== Tenant Rights Clinic answers") {
		t.Errorf("the Clinic answered, though the referral had left it:\n%s", out)
	}
}

// TestChatLoopNoTexts: a person who said texts to their number are not safe
// is texted nothing about the referral; the next organization still gets it.
func TestChatLoopNoTexts(t *testing.T) {
	unsafe := append(append([]string(nil), byHandScript[:len(byHandScript)-1]...), "no", "skip")
	out := chatLoop(t, unsafe, "--decline", "capacity", "--followup", "no")
	inOrder(t, out,
		"(No texts go to the person about this referral, since they said texts to their number are not safe.)",
		"=== Tenant Rights Clinic answers on its page",
		"To: intake.legalaid@example.org",
		"(No follow-up text: no texts go to the person about this referral, since they said texts to their number are not safe.",
	)
	if strings.Contains(out, "The text that would be sent") {
		t.Errorf("a person who said texts are not safe was texted:\n%s", out)
	}
	// The terminal has no number: nothing is texted, nor tried (which would
	// log an error on stderr, that chatLoop fails on).
	out = chatLoop(t, byHandScript, "--channel", "terminal", "--decline", "capacity")
	inOrder(t, out,
		"(No texts go to the person about this referral, since --channel terminal has no number.)",
		"To: intake.legalaid@example.org",
	)
	if strings.Contains(out, "The text that would be sent") {
		t.Errorf("a text on the terminal:\n%s", out)
	}
}

// TestChatLoopFlags: a bad value is refused, naming the choices, before
// anything is played.
func TestChatLoopFlags(t *testing.T) {
	script := strings.Join(byHandScript, "\n") + "\n"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--decline", "busy"}, `hotline chat: --decline: "busy" is not a reason to decline; the reasons are conflict, capacity, priorities, other`},
		{[]string{"--decline", "capacity", "--followup", "maybe"}, `hotline chat: --followup: "maybe" is not an answer to the follow-up text; answer yes or no`},
		{[]string{"--accept=later"}, "hotline chat: --accept: it takes no value"},
		{[]string{"--followup", "no", "--followup-after", "0"}, "hotline chat: --followup needs a --followup-after above 0"},
		{[]string{"--public-url", "hotline.example.org"}, `hotline chat: --public-url: "hotline.example.org" is not an address like https://hotline.example.org`},
	} {
		r := runHotline(t, script, nil, append([]string{"chat"}, tt.args...)...)
		if r.status != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("chat %v: status %d, stdout %q, stderr:\n%s\nwant status 2, nothing played, and %q", tt.args, r.status, r.stdout, r.stderr, tt.want)
		}
	}
	r := runHotline(t, "", nil, "chat", "-h")
	for _, want := range []string{"--decline REASON", "--followup yes|no", "-silent", "-followup-after", "HOTLINE_FOLLOWUP_AFTER", "-public-url"} {
		if r.status != 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("chat -h: status %d, lacks %q:\n%s", r.status, want, r.stderr)
		}
	}
	// Nor does one that ends with the fallback (no organization).
	fallback := []string{"hola", "2", "si", "no", "60614", "4", "3 mil", "Banco XYZ", "1", "2000", "Ana", "si", "si", "si"}
	if out := chatLoop(t, fallback, "--decline", "capacity"); strings.Contains(out, "===") ||
		!strings.Contains(out, "(The screening ended with the fallback: there is no organization, so no referral loop to play.)") {
		t.Errorf("a fallback played a loop, or said nothing:\n%s", out)
	}
	// A conversation that makes no referral plays nothing, and says so.
	r = runHotline(t, "hi\n1\nAGENT\n", nil, "chat", "--decline", "capacity")
	if r.status != 0 || strings.Contains(r.stdout, "===") || !strings.Contains(r.stderr, "made no referral") {
		t.Errorf("no referral: status %d, stderr %q:\n%s", r.status, r.stderr, r.stdout)
	}
}
