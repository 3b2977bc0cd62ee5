package webhook_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// click presses a button (by a CSS selector) and waits for the bot's answer.
func (c *chat) click(sel string) string {
	c.t.Helper()
	got := c.send("a click on "+sel, chromedp.Click(chromedp.CSS(sel)))
	if got.Notice != "" {
		c.t.Fatalf("%s: the page said %q instead of a reply", sel, got.Notice)
	}
	return strings.Join(got.Replies, "\n")
}

// buttons are the texts of the quick replies on screen.
func (c *chat) buttons() []string {
	c.t.Helper()
	return eval[[]string](c, `document.getElementById("choices").hidden ? [] : [...document.querySelectorAll("#choices button")].map((b) => b.textContent)`)
}

// choiceButton is the selector of the quick reply showing text.
func choiceButton(i int) string { return fmt.Sprintf("#choices button:nth-of-type(%d)", i) }

// inView reports whether the element sel is wholly inside the viewport.
func (c *chat) inView(sel string) bool {
	c.t.Helper()
	return eval[bool](c, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; const r = el.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; })()`, sel))
}

// TestBrowserButtons: on a phone, the answers come as buttons (the language,
// yes/no, the problem menu, skip), the keyboard fits the answer, the progress
// shows, and the safety panel stays in view once danger is reported.
func TestBrowserButtons(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)

	if b := c.buttons(); len(b) != 0 {
		t.Errorf("buttons %q before the first message", b)
	}
	c.say("hi")
	if got := strings.Join(c.buttons(), "|"); got != "English|Español" {
		t.Errorf("the language question's buttons: %q", got)
	}
	consent := c.click(choiceButton(1))
	mustContain(t, "a click on English", consent, "Continue?", "STOP to end the chat")
	// The web's own wording: nothing of text messages.
	for _, sms := range []string{"text you", "Msg & data rates", "Reply HELP"} {
		if strings.Contains(consent, sms) {
			t.Errorf("the consent on the web says %q: %q", sms, consent)
		}
	}
	if mine := eval[string](c, `[...document.querySelectorAll("#log .msg.me")].pop().textContent`); !strings.Contains(mine, "English") {
		t.Errorf("the person's bubble for the English button says %q", mine)
	}
	if got := strings.Join(c.buttons(), "|"); got != "Yes|No" {
		t.Errorf("the consent question's buttons: %q", got)
	}
	mustContain(t, "the progress", eval[string](c, `document.getElementById("progress").textContent`), "Question 2 of about")
	mustContain(t, "yes to consent", c.click(choiceButton(1)), "danger")
	// Yes to danger: the safety message, and a panel that stays.
	mustContain(t, "yes to danger", c.click(choiceButton(1)), "911")
	if !c.inView("#safety") {
		t.Fatal("the safety panel is not on screen after a yes to danger")
	}
	c.do(chromedp.Click(chromedp.CSS("details.tracks summary")))
	mustContain(t, "the note on staying safe online", eval[string](c, `document.querySelector("details.tracks").open ? document.querySelector("details.tracks p").innerText : ""`),
		"private (incognito) window", "browser history", "call log", "Quick exit")
	c.axeBothSchemes("the safety panel, the buttons and the safety note")
	if href := eval[string](c, `document.querySelector("#safety a.call-link").getAttribute("href")`); href != "tel:911" {
		t.Errorf("the safety panel's first call button calls %q, want tel:911", href)
	}
	// The ZIP: digits on the keyboard; the browser's suggestions (which may
	// save what is typed) stay off.
	if got := eval[[]string](c, `[document.getElementById("text").inputMode, document.getElementById("text").autocomplete]`); strings.Join(got, " ") != "numeric off" {
		t.Errorf("at the ZIP question the box has inputmode/autocomplete %q", got)
	}
	c.say("60612")
	menu := c.buttons()
	if len(menu) != 8 || menu[0] != "Housing or eviction" || menu[7] != "Something else" {
		t.Errorf("the problem menu's buttons: %q", menu)
	}
	if !c.inView(choiceButton(1)) || !c.inView("#text") {
		t.Error("the first problem button or the box is off screen")
	}
	mustContain(t, "Housing", c.click(choiceButton(1)), "court papers")
	c.converse("yes", "11/30")
	if got := c.buttons(); len(got) != 1 || got[0] != "Skip" {
		t.Errorf("the optional other-side question's buttons: %q", got)
	}
	mustContain(t, "skip", c.click(choiceButton(1)), "How many people")
	if got := eval[string](c, `document.getElementById("text").inputMode`); got != "numeric" {
		t.Errorf("the household question's inputmode is %q", got)
	}
	c.converse("3", "2000", "Maria")
	if got := eval[string](c, `document.getElementById("text").inputMode`); got != "tel" {
		t.Errorf("the phone question's inputmode is %q", got)
	}
	// Typing still works where buttons are offered, and the panel stays
	// pinned however long the conversation grows.
	c.converse("312-555-0188", "no")
	if !c.inView("#safety") {
		t.Error("the safety panel scrolled away")
	}
}

// TestBrowserEnding: the referral is a result card with a call button and
// the reference to copy; the box gives way to Start a new screening; Clear
// this chat and STOP's Start again leave nothing on the screen, and a new
// message is answered.
func TestBrowserEnding(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(c.ctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: s.url}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	c.converse(webScript...)
	c.converse("312-555-0188", "yes")
	mustContain(t, "the referral", c.say("yes"), "Tenant Rights Clinic")

	card := eval[map[string]string](c, `(() => { const r = document.querySelector("#log .result"); return r ? {text: r.textContent, call: r.querySelector("a.call").getAttribute("href"), ref: r.querySelector(".ref").textContent} : {}; })()`)
	mustContain(t, "the result card", card["text"], "Tenant Rights Clinic", "Call (312) 555-0111", "Mon-Fri", "your reference")
	if card["call"] != "tel:+13125550111" || !strings.HasPrefix(card["ref"], "H-") {
		t.Errorf("the card calls %q with reference %q", card["call"], card["ref"])
	}
	if n := eval[int](c, `(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector("#log .result a.call .nowrap")); return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size; })()`); n != 1 {
		t.Errorf("the call button's number takes %d lines, want 1", n)
	}
	if !c.inView("#log .result a.call") || eval[float64](c, `document.querySelector("#log .result a.call").getBoundingClientRect().height`) < 44 {
		t.Error("the call button is not on screen, or smaller than a fingertip")
	}
	if !eval[bool](c, `document.getElementById("composer").hidden && !document.getElementById("ending").hidden`) || !c.inView("#start-new") {
		t.Error("after the referral the box is still there, or Start a new screening is not")
	}
	mustContain(t, "the ending's button", eval[string](c, `document.getElementById("start-new").textContent`), "Start a new screening")
	c.axeBothSchemes("the result card")

	c.do(chromedp.Click(chromedp.CSS(".result .copy")))
	waitFor[bool](c, "the copy button saying Copied", `document.querySelector(".result .copy").textContent === "Copied"`, replyTimeout)
	if got := c.clipboard(); got != card["ref"] {
		t.Errorf("the clipboard holds %q, want the reference %q", got, card["ref"])
	}

	// A reload keeps the ending (the card comes again from the server), not
	// the words said before it.
	c.do(chromedp.Reload())
	c.waitReady()
	waitFor[bool](c, "the card after a reload", `document.querySelector("#log .result") !== null`, replyTimeout)
	if shown := eval[string](c, `document.getElementById("log").textContent`); strings.Contains(shown, "Maria") || strings.Contains(shown, "Acme") {
		t.Errorf("after a reload the page shows earlier answers:\n%s", shown)
	}

	// Clear this chat: nothing of it stays (the copied reference neither),
	// and a new message starts anew.
	c.do(chromedp.Click(chromedp.ID("clear-chat")))
	for deadline := time.Now().Add(replyTimeout); c.clipboard() != ""; {
		if time.Now().After(deadline) {
			t.Fatalf("after Clear this chat the clipboard still holds %q", c.clipboard())
		}
	}
	if got := eval[[]any](c, `[document.querySelectorAll("#log .msg:not(.intro), #log .result").length, sessionStorage.getItem("hotline.session"), document.getElementById("composer").hidden]`); len(got) != 3 || got[0] != 0.0 || got[1] != nil || got[2] != false {
		t.Errorf("after Clear this chat: %v (messages and cards, session, box hidden)", got)
	}
	mustContain(t, "a new screening", c.say("hello"), "Choose your language")

	// STOP on the web: the box gives way to Start again; pressing it leaves
	// nothing, and the next message is answered.
	c.converse("1", "yes", "yes") // danger: the safety panel shows
	// (Typed and waited for by hand: the screen is cleared, so there are
	// fewer replies on it after than before.)
	c.do(chromedp.SendKeys(chromedp.ID("text"), "stop"+kb.Enter))
	waitFor[bool](c, "the end after STOP", `document.getElementById("composer").hidden && document.getElementById("composer").dataset.state === "idle"`, replyTimeout)
	stopped := eval[string](c, `[...document.querySelectorAll("#log .msg.bot")].pop().textContent`)
	mustContain(t, "STOP on the web", stopped, "Chat ended. Your answers were deleted.")
	// The answers were deleted: they leave the screen too, the safety panel
	// and the STOP itself with them; only the bot's reply stays.
	if got := eval[[]any](c, `[document.querySelectorAll("#log .msg.me").length, document.querySelectorAll("#log .msg.bot").length, document.getElementById("safety").hidden]`); len(got) != 3 || got[0] != 0.0 || got[1] != 1.0 || got[2] != true {
		t.Errorf("after STOP the screen shows %v (the person's messages, the bot's, safety panel hidden); want only the STOP reply", got)
	}
	if !eval[bool](c, `document.getElementById("composer").hidden`) || eval[string](c, `document.getElementById("start-new").textContent`) != "Start again" {
		t.Error("after STOP the box stays, or there is no Start again")
	}
	c.do(chromedp.Click(chromedp.ID("start-new")))
	if n := eval[int](c, `document.querySelectorAll("#log .msg:not(.intro)").length`); n != 0 {
		t.Errorf("after Start again the page shows %d messages", n)
	}
	mustContain(t, "a message after Start again", c.say("I need help"), "Choose your language")
}

// TestBrowserNeutralTitle: with HOTLINE_CHAT_TITLE the tab and the history
// show that title from the start, in either language.
func TestBrowserNeutralTitle(t *testing.T) {
	s := newServer(t, serverOptions{token: token, chatTitle: `Notes & "lists"`})
	c := openChat(t, s, "", 390, 844)
	if got := eval[string](c, `document.title`); got != `Notes & "lists"` {
		t.Errorf("the page's title is %q", got)
	}
	c.do(chromedp.Click(chromedp.ID("lang-toggle")))
	if got := eval[string](c, `document.title + "|" + document.documentElement.lang`); got != `Notes & "lists"|es` {
		t.Errorf("after the language button the title and language are %q", got)
	}
	hist, err := chromedp.Run(c.ctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range hist.Entries {
		if strings.Contains(e.Title, "Hotline") || strings.Contains(e.Title, "Legal") {
			t.Errorf("the history holds the title %q", e.Title)
		}
	}
}

// TestBrowserResumeWindow: a reload goes on only shortly after the last
// answer; a tab reloaded long after starts anew, showing nothing.
func TestBrowserResumeWindow(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	c.converse("hi", "1", "yes")
	// The last answer, as if 31 minutes ago.
	c.do(chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("hotline.seen", String(Date.now() - 31 * 60 * 1000))`))
	c.do(chromedp.Reload())
	c.waitReady()
	if got := eval[[]any](c, `[document.querySelectorAll("#log .msg:not(.intro)").length, sessionStorage.getItem("hotline.session")]`); len(got) != 2 || got[0] != 0.0 || got[1] != nil {
		t.Errorf("a reload 31 minutes after the last answer: %v (messages, session); want nothing", got)
	}
	mustContain(t, "a new first message", c.say("hello"), "Choose your language")
}

// TestBrowserShortScreen: at 400% zoom (320×256 CSS px) the page scrolls as a
// whole rather than squeeze the conversation into a slit: the latest reply
// is in view, the box stays on screen, and nothing scrolls sideways.
func TestBrowserShortScreen(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 320, 256)
	c.converse("hi", "1", "yes", "no", "abc", "abc")
	// The tries at the ZIP run out: a long reply, more than the screen.
	mustContain(t, "the third try", c.say("abc"), "trouble understanding")
	got := eval[map[string]float64](c, `(() => {
		const last = [...document.querySelectorAll("#log .msg.bot")].pop().getBoundingClientRect();
		const box = document.getElementById("text").getBoundingClientRect();
		const log = document.getElementById("log").getBoundingClientRect();
		return {lastTop: last.top, lastBottom: last.bottom, boxTop: box.top, boxBottom: box.bottom, logHeight: log.height,
			pageWidth: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight};
	})()`)
	if got["boxTop"] < 0 || got["boxBottom"] > got["height"] {
		t.Errorf("the box is off screen: %v", got)
	}
	if got["lastTop"] >= got["boxTop"] || got["lastBottom"] <= 0 {
		t.Errorf("the long reply is not in view above the box: %v", got)
	}
	if got["logHeight"] < 2*got["height"] {
		t.Errorf("the log is %vpx high on a %vpx screen: it should take its whole height and let the page scroll", got["logHeight"], got["height"])
	}
	if got["pageWidth"] > got["width"] {
		t.Errorf("the page scrolls sideways: %v > %v", got["pageWidth"], got["width"])
	}
	// The reply shows from its start: the person's message before it, and
	// its first line, are in view.
	if top := eval[float64](c, `[...document.querySelectorAll("#log .msg.me")].pop().getBoundingClientRect().top`); top < 0 {
		t.Errorf("the person's last message is above the screen (top %v): the long reply opens on its end", top)
	}
	c.axe("the page at 400% zoom")
}

// clipboard reads the clipboard (the test grants the page the permission),
// once the page's own writes to it have settled.
func (c *chat) clipboard() string {
	c.t.Helper()
	got, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`new Promise((ok) => setTimeout(ok, 200)).then(() => navigator.clipboard.readText())`, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("reading the clipboard: %v", err)
	}
	return got
}
