package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The web chat in a real browser: Debian's Chromium, headless, driven over the
// DevTools protocol against the real server of newServer (loopback, a private
// redis-server, the sample pack).

// browserTestTimeout bounds one test: the browser, the page and every wait in it.
const browserTestTimeout = 60 * time.Second

// replyTimeout bounds the wait for one answer of the bot.
const replyTimeout = 20 * time.Second

var warnNoBrowser sync.Once

// chromiumPath finds the browser: CHROME_PATH, else Debian's /usr/bin/chromium.
// Without it the test skips, loudly, unless HOTLINE_REQUIRE_BROWSER=1 (set by
// .ci/run), when it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("browser tests: Chromium not found at %s (%v). Install it with: apt-get install -y chromium (or set CHROME_PATH)", path, err)
		if os.Getenv("HOTLINE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s; HOTLINE_REQUIRE_BROWSER=1 makes this a failure", msg)
		}
		warnNoBrowser.Do(func() { fmt.Fprintln(os.Stderr, "WARNING: "+msg+"; the web chat is NOT tested.") })
		t.Skip(msg)
	}
	return path
}

// chat is one browser tab on the chat page.
type chat struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors, exceptions, requests that left loopback
	expected []string // parts of console errors the test provokes on purpose
}

// openChat starts a fresh Chromium (its own profile) with a viewport of width ×
// height and opens /chat plus fragment ("" or "#preview"). At the end of the test
// it fails the test for any console error, uncaught exception or request to
// anything but 127.0.0.1.
func openChat(t *testing.T, s *server, fragment string, width, height int64) *chat {
	t.Helper()
	c := openBrowser(t, width, height)
	c.do(chromedp.Navigate(s.url + "/chat" + fragment))
	c.waitReady()
	return c
}

// openBrowser starts a fresh Chromium (its own profile) with a viewport of
// width × height, on no page yet, watched as openChat says.
func openBrowser(t *testing.T, width, height int64) *chat {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in first-out)
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Nothing but loopback: every other host name fails to resolve, so a
		// stray request fails fast instead of waiting on the closed network.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(int(width), int(height)),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(tabCtx) // closes the browser and waits for it
		cancelTab()
		cancelAlloc()
	})
	c := &chat{t: t, ctx: tabCtx}
	// Listen starts the browser. Its func runs in the tab's event loop: it only
	// records, and never sends a command.
	if err := chromedp.Listen(tabCtx, c.watch); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	t.Cleanup(c.checkProblems)
	t.Cleanup(c.saveLastScreen)
	c.do(chromedp.EmulateViewport(width, height))
	return c
}

func (c *chat) watch(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		problem = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			problem += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			problem = "console." + string(ev.Type) + " called"
		}
	case *log.EventEntryAdded:
		// The browser's own log: CSP violations, failed loads.
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		if u := ev.Request.URL; !strings.HasPrefix(u, "http://127.0.0.1:") && !strings.HasPrefix(u, "data:") {
			problem = "a request left loopback: " + u
		}
	}
	if problem != "" {
		c.mu.Lock()
		c.problems = append(c.problems, problem)
		c.mu.Unlock()
	}
}

// saveLastScreen keeps a picture of the page as the test left it, in the folder
// HOTLINE_BROWSER_SHOTS names (unset: none), to see what a failing test saw.
func (c *chat) saveLastScreen() {
	dir := os.Getenv("HOTLINE_BROWSER_SHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		c.t.Logf("no screenshot of the last screen: %v", err)
		return
	}
	path := filepath.Join(dir, c.t.Name()+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		c.t.Errorf("saving the last screen: %v", err)
	}
}

// expectConsoleError lets a console error that contains part pass.
func (c *chat) expectConsoleError(part string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expected = append(c.expected, part)
}

func (c *chat) checkProblems() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.problems {
		if !slices.ContainsFunc(c.expected, func(part string) bool { return strings.Contains(p, part) }) {
			c.t.Errorf("in the browser: %s", p)
		}
	}
}

func (c *chat) do(actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatal(err)
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](c *chat, expr string) T {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		c.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor evaluates expr in the page until it yields something other than null
// or false, and returns that. Each try is a plain evaluation in whatever document
// the tab shows at that moment, so the wait survives navigations and reloads
// (chromedp's Poll is bound to one document, and right after a navigation it
// can still name the old one).
func waitFor[T any](c *chat, what, expr string, timeout time.Duration) T {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[*T](`(() => { const v = (`+expr+`); return v === false ? null : v; })()`))
		cancel()
		switch {
		case err == nil && v != nil:
			return *v
		case err != nil && !errors.Is(err, chromedp.ErrJSNull):
			lastErr = err
		}
		if c.ctx.Err() != nil || time.Now().After(deadline) {
			c.t.Fatalf("%s: gave up after %v (last error: %v)", what, timeout, lastErr)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitReady waits until app.js has run (it marks <html> with the class js).
func (c *chat) waitReady() {
	c.t.Helper()
	waitFor[bool](c, "the chat page starting (app.js)", `document.documentElement.classList.contains("js")`, 10*time.Second)
}

// turn is what one message brought: the bot's replies, or the page's notice
// when it did not go through.
type turn struct {
	Replies []string `json:"replies"`
	Notice  string   `json:"notice"`
}

// pollTurn is null until the page is idle again with more bot replies than before
// (or a new notice); then it is those. Text only, without the hidden "Hotline:"
// speaker labels that screen readers get.
const pollTurn = `(bots, notices) => {
	if (document.getElementById("composer").dataset.state !== "idle") return null;
	const text = (el) => { const c = el.cloneNode(true); c.querySelectorAll(".visually-hidden, .status").forEach((h) => h.remove()); return c.textContent; };
	const b = [...document.querySelectorAll("#log .msg.bot")];
	const n = [...document.querySelectorAll("#log .msg.notice")];
	if (n.length > notices) return {replies: b.slice(bots).map(text), notice: text(n[n.length - 1])};
	if (b.length > bots) return {replies: b.slice(bots).map(text), notice: ""};
	return null;
}`

func (c *chat) counts() (bots, notices int) {
	c.t.Helper()
	v := eval[[]int](c, `[document.querySelectorAll("#log .msg.bot").length, document.querySelectorAll("#log .msg.notice").length]`)
	return v[0], v[1]
}

// send runs the action that sends a message (typing, a click) and waits for
// what it brought.
func (c *chat) send(what string, action chromedp.Action[chromedp.Void]) turn {
	c.t.Helper()
	bots, notices := c.counts()
	c.do(action)
	return waitFor[turn](c, what+": the reply on the page", fmt.Sprintf("(%s)(%d, %d)", pollTurn, bots, notices), replyTimeout)
}

// say types text into the box and presses Enter; it fails the test unless the
// bot replied.
func (c *chat) say(text string) string {
	c.t.Helper()
	got := c.send(fmt.Sprintf("%q", text), chromedp.SendKeys(chromedp.ID("text"), text+kb.Enter))
	if got.Notice != "" {
		c.t.Fatalf("%q: the page said %q instead of a reply", text, got.Notice)
	}
	return strings.Join(got.Replies, "\n")
}

// converse says each text and returns the last replies.
func (c *chat) converse(texts ...string) string {
	c.t.Helper()
	var last string
	for _, text := range texts {
		last = c.say(text)
	}
	return last
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", what, got, want)
		}
	}
}

// The web screening of the sample pack, up to the callback number. 11/30 is five
// days after the server's clock (2026-11-25 in Chicago): an urgent court date.
var webScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria"}

// TestBrowserEnglishScreening types a whole English screening into the page on
// a phone-sized screen and checks the referral, the queued email, and that the
// page loaded nothing from elsewhere. It also takes the README's screenshot.
func TestBrowserEnglishScreening(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 400, 800)

	if !eval[bool](c, `document.getElementById("preview").hidden && getComputedStyle(document.getElementById("preview")).display === "none"`) {
		t.Error("the coordinators' preview shows without #preview")
	}
	mustContain(t, "the welcome line", eval[string](c, `document.querySelector("#log .intro").textContent`), "Send any message to start")
	if n, _ := c.counts(); n != 0 {
		t.Errorf("%d bot messages before the person wrote anything, want 0 (the welcome is the page's own)", n)
	}

	mustContain(t, "hi", c.say("hi"), "Choose your language")
	mustContain(t, "1", c.say("1"), "Continue? Reply YES or NO")
	c.converse("yes", "no")
	menu := c.say("60612")
	// On the web the menu is buttons under the question (its web: wording),
	// not a numbered list in the bubble.
	mustContain(t, "the problem menu", menu, "What is your legal problem?", "Choose one below")
	if got := c.buttons(); len(got) != 8 || got[0] != "Housing or eviction" {
		t.Errorf("the problem menu's buttons: %q", got)
	}
	// Multi-line replies (a re-ask after too_many_tries) keep their lines on
	// screen.
	if ws := eval[string](c, `getComputedStyle([...document.querySelectorAll("#log .msg.bot")].pop()).whiteSpace`); ws != "pre-line" {
		t.Errorf("a bot bubble's white-space is %q, want pre-line", ws)
	}
	c.screenshot()

	if got := c.converse(webScript[5:]...); !strings.Contains(got, "What phone number") {
		t.Fatalf("on the web the bot should ask for a phone number; it said %q", got)
	}
	mustContain(t, "the voicemail question", c.say("312-555-0188"), "voicemail")
	mustContain(t, "the texts question", c.say("yes"), "text messages")
	final := c.say("yes")
	mustContain(t, "the referral", final, "Tenant Rights Clinic", "(312) 555-0111", "call them today")
	if href := eval[string](c, `(() => { const a = [...document.querySelectorAll("#log .msg.bot a")].pop(); return a ? a.getAttribute("href") : ""; })()`); href != "tel:+13125550111" {
		t.Errorf("the clinic's number links to %q, want tel:+13125550111", href)
	}

	// The session lives in sessionStorage, never in the address.
	if loc := eval[string](c, `location.href`); loc != s.url+"/chat" {
		t.Errorf("the address became %q", loc)
	}
	if n := eval[int](c, `(sessionStorage.getItem("hotline.session") || "").length`); n != 43 {
		t.Errorf("sessionStorage holds a session of %d characters, want 43", n)
	}

	// The referral email is queued in the outbox (no mail worker runs here).
	jobs := s.outboxJobs(t)
	if jobs != 1 {
		t.Errorf("%d referral jobs in the outbox after the screening, want 1", jobs)
	}

	// The words of the conversation are never kept in the browser: a reload
	// goes on in this tab, but shows none of what was said before (the page
	// asks the server for the question again, with HELP).
	if keys := eval[string](c, `JSON.stringify(Object.keys(sessionStorage).sort())`); keys != `["hotline.lang","hotline.seen","hotline.session"]` && keys != `["hotline.seen","hotline.session"]` {
		t.Errorf("sessionStorage holds %s; want the session, when it last answered (and the language) only", keys)
	}
	c.do(chromedp.Reload())
	c.waitReady()
	waitFor[bool](c, "the reply to the page's own HELP", `document.querySelectorAll("#log .msg.bot").length > 0`, replyTimeout)
	shown := eval[string](c, `document.getElementById("log").textContent`)
	// The conversation ended: no "goes on" line, only its ending.
	if strings.Contains(shown, "Earlier messages are not shown again") {
		t.Errorf("after a reload at the end the page says the conversation goes on:\n%s", shown)
	}
	for _, gone := range []string{"Maria", "Acme", "312-555-0188", "call them today"} {
		if strings.Contains(shown, gone) {
			t.Errorf("after a reload the page shows %q:\n%s", gone, shown)
		}
	}
	// The ending stays: the result card comes again from the server.
	mustContain(t, "the result card after a reload", eval[string](c, `(document.querySelector("#log .result") || {}).textContent || ""`), "Tenant Rights Clinic")
	if n := eval[int](c, `document.querySelectorAll("#log .msg.me").length`); n != 0 {
		t.Errorf("after a reload the page shows %d of the person's messages (its own HELP must not show)", n)
	}
}

// TestBrowserNothingLeftBehind: after leaving the chat for another site and
// pressing Back, none of the conversation is shown, and the tab keeps no
// session to go on with: whoever is at the screen now may not be the person
// who was.
func TestBrowserNothingLeftBehind(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	neutral := neutralSite(t)
	c := openChat(t, s, "", 390, 844)
	c.converse("hi", "1", "yes", "yes")
	mustContain(t, "the safety message", eval[string](c, `document.getElementById("log").textContent`), "911")

	// A reload mid-screening goes on: the question waiting comes again, and
	// nothing said before it.
	c.do(chromedp.Reload())
	c.waitReady()
	waitFor[bool](c, "the ZIP question again", `[...document.querySelectorAll("#log .msg.bot")].some((m) => m.textContent.includes("ZIP code"))`, replyTimeout)
	shown := eval[string](c, `document.getElementById("log").textContent`)
	if strings.Contains(shown, "1-800-799-7233") || strings.Contains(shown, "Continue?") {
		t.Errorf("after a reload the page shows earlier messages:\n%s", shown)
	}
	mustContain(t, "the page after a reload mid-screening", shown, "Earlier messages are not shown again")

	// Back from the back-forward cache (pageshow with persisted): the page
	// wipes itself, a half-typed message included, and drops the session.
	c.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("text").value = "my husband is Tom"; window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}))`))
	if got := eval[[]any](c, `[document.querySelectorAll("#log .msg:not(.intro)").length, document.getElementById("text").value, sessionStorage.getItem("hotline.session")]`); len(got) != 3 || got[0] != 0.0 || got[1] != "" || got[2] != nil {
		t.Errorf("after a page came back from the back-forward cache: %v (messages, box, session)", got)
	}
	c.converse("hi", "1", "yes", "yes")

	c.do(chromedp.Navigate(neutral.URL + "/elsewhere"))
	c.waitLocation(neutral.URL + "/elsewhere")
	c.do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	waitFor[bool](c, "the chat again", `location.pathname === "/chat" && document.documentElement.classList.contains("js")`, replyTimeout)
	c.waitReady()
	shown = eval[string](c, `document.getElementById("log").textContent`)
	for _, gone := range []string{"911", "English", "danger", "ZIP"} {
		if strings.Contains(shown, gone) {
			t.Errorf("after leaving and pressing Back the page shows %q:\n%s", gone, shown)
		}
	}
	if n := eval[int](c, `document.querySelectorAll("#log .msg:not(.intro)").length`); n != 0 {
		t.Errorf("after leaving and pressing Back the page shows %d messages", n)
	}
	if sess := eval[string](c, `sessionStorage.getItem("hotline.session") || ""`); sess != "" {
		t.Error("after leaving and pressing Back the tab still holds the session")
	}
	if !eval[bool](c, `document.getElementById("safety").hidden && document.getElementById("safety-text").textContent === ""`) {
		t.Error("after leaving and pressing Back the safety panel still shows")
	}
	// A new message starts anew.
	mustContain(t, "a new first message", c.say("hello"), "Choose your language")

	// The second Quick exit, beside Send, is on screen and leaves too.
	if !eval[bool](c, `(() => { const r = document.getElementById("quick-exit-2").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height >= 44; })()`) {
		t.Error("the Quick exit beside Send is not on screen (or smaller than 44px)")
	}
	c.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("hotline.exitURL", %q)`, neutral.URL+"/second")))
	c.do(chromedp.Click(chromedp.ID("quick-exit-2")))
	c.waitLocation(neutral.URL + "/second")
}

// outboxJobs counts the jobs in every shard's outbox hash.
func (s *server) outboxJobs(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	var n int64
	iter := s.rdb.Scan(ctx, 0, "hotline:*:jobs", 100).Iterator()
	for iter.Next(ctx) {
		n += s.rdb.HLen(ctx, iter.Val()).Val()
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// screenshot captures the viewport; with HOTLINE_UPDATE_SCREENSHOT=1 it writes
// docs/chat.png for the README.
func (c *chat) screenshot() {
	c.t.Helper()
	// The caret blinks; hide it so that the picture is the same each time.
	c.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("text").style.caretColor = "transparent"`))
	buf, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		c.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		c.t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 800 {
		c.t.Errorf("the screenshot is %dx%d, want 400x800", b.Dx(), b.Dy())
	}
	if os.Getenv("HOTLINE_UPDATE_SCREENSHOT") == "1" {
		path := filepath.Join("..", "docs", "chat.png")
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			c.t.Fatal(err)
		}
		c.t.Logf("wrote %s", path)
	}
}

// TestBrowserSpanish: a browser that prefers Spanish gets the page in Spanish;
// the conversation in Spanish keeps the page in Spanish (lang="es" for screen
// readers); the toggle switches the page's own words. On a 360px-wide phone.
func TestBrowserSpanish(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 360, 740)

	// With the browser's language left at English, the page starts in English.
	if lang := eval[string](c, `document.documentElement.lang`); lang != "en" {
		t.Errorf("lang = %q in an English browser", lang)
	}
	// A Spanish-speaking browser: the page reads navigator.language.
	v, err := chromedp.CallBrowser(c.ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(c.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent, AcceptLanguage: "es-MX,es"}); err != nil {
		t.Fatal(err)
	}
	c.do(chromedp.Reload())
	c.waitReady()
	if got := eval[[]string](c, `[document.documentElement.lang, document.getElementById("quick-exit").textContent, document.getElementById("text").placeholder]`); !slices.Equal(got, []string{"es", "Salida rápida", "Escriba su respuesta"}) {
		t.Errorf("in a Spanish browser the page shows %q", got)
	}

	// The toggle, and it says "English" in English.
	c.do(chromedp.Click(chromedp.ID("lang-toggle")))
	if got := eval[[]string](c, `[document.documentElement.lang, document.getElementById("send").textContent, document.querySelector("#lang-toggle .long").textContent]`); !slices.Equal(got, []string{"en", "Send", "Español"}) {
		t.Errorf("after the toggle: %q, want English", got)
	}

	// A page put in English on purpose starts the bot in English, without
	// asking the language.
	mustContain(t, "hola", c.say("hola"), "Continue? Reply YES or NO")
	// The button again: the page and the bot go back to Spanish, the question
	// asked again in it.
	c.do(chromedp.Click(chromedp.ID("lang-toggle")))
	waitFor[bool](c, "the question again in Spanish", `[...document.querySelectorAll("#log .msg.bot")].pop().textContent.includes("¿Seguir? Responda SI o NO")`, replyTimeout)
	if got := eval[[]string](c, `[document.documentElement.lang, document.getElementById("send").textContent, document.getElementById("text").labels[0].textContent]`); !slices.Equal(got, []string{"es", "Enviar", "Escriba su respuesta"}) {
		t.Errorf("after the button: %q, want the page in Spanish", got)
	}
	mustContain(t, "si", c.say("si"), "peligro")
	mustContain(t, "no", c.say("no"), "código postal")
	mustContain(t, "60614", c.say("60614"), "problema legal")
	if got := c.buttons(); len(got) != 8 || got[2] != "Violencia doméstica" {
		t.Errorf("the problem menu's buttons in Spanish: %q", got)
	}

	// Nothing sticks out sideways on a 360px screen, and the Quick exit is in view.
	if w := eval[[]float64](c, `[document.documentElement.scrollWidth, innerWidth]`); w[0] > w[1] {
		t.Errorf("the page is %v px wide on a %v px screen", w[0], w[1])
	}
	if !eval[bool](c, `(() => { const r = document.getElementById("quick-exit").getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth && r.height >= 44; })()`) {
		t.Error("the Quick exit button is not fully on screen (or smaller than 44px)")
	}
}

// neutralSite is the stand-in for weather.gov: another origin on loopback.
func neutralSite(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><link rel="icon" href="data:,"><title>Weather</title></head><body><h1 id="neutral">Weather %s</h1></body></html>`, r.URL.Path)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// waitLocation waits until the tab shows the neutral page at url.
func (c *chat) waitLocation(url string) {
	c.t.Helper()
	waitFor[bool](c, "the neutral page at "+url, fmt.Sprintf(`location.href === %q && document.getElementById("neutral") !== null`, url), replyTimeout)
}

// TestBrowserQuickExit: Quick exit leaves for the neutral site, replacing the
// chat's history entry, and leaves no session or transcript behind.
func TestBrowserQuickExit(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	neutral := neutralSite(t)
	c := openChat(t, s, "", 400, 800)
	// A page before the chat, to see where Back goes.
	c.do(chromedp.Navigate(neutral.URL+"/before"), chromedp.Navigate(s.url+"/chat"))
	c.waitReady()
	c.converse("hi", "1")
	if eval[string](c, `sessionStorage.getItem("hotline.session")`) == "" {
		t.Fatal("no session in sessionStorage after two messages")
	}
	historyBefore := eval[int](c, `history.length`)

	// Tests cannot reach weather.gov: the page takes the exit address from
	// sessionStorage when one is there.
	c.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("hotline.exitURL", %q)`, neutral.URL+"/away")))
	// The page hides at once, before the next site loads (seconds on slow
	// data): the click's own handler leaves nothing on screen and no title.
	hidden := eval[[]any](c, `(() => { document.getElementById("quick-exit").click();
		return [document.body.childElementCount, document.title, document.body.innerText.trim()]; })()`)
	if len(hidden) != 3 || hidden[0] != 0.0 || hidden[1] != "" || hidden[2] != "" {
		t.Errorf("right after Quick exit the page still shows %v (children, title, text)", hidden)
	}
	c.waitLocation(neutral.URL + "/away")

	if n := eval[int](c, `history.length`); n != historyBefore {
		t.Errorf("history.length went from %d to %d: Quick exit must replace the chat's entry", historyBefore, n)
	}
	// The chat's entry became the neutral site's: after the page before the
	// chat, the tab's history holds no chat.
	hist, err := chromedp.Run(c.ctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(hist.Entries, func(e *page.NavigationEntry) bool { return e.URL == neutral.URL+"/before" })
	if before < 0 || int(hist.CurrentIndex) != before+1 || len(hist.Entries) != before+2 {
		t.Errorf("history after Quick exit: current %d of %d entries, the page before the chat at %d", hist.CurrentIndex, len(hist.Entries), before)
	}
	for _, e := range hist.Entries[before+1:] {
		if strings.Contains(e.URL, "/chat") {
			t.Errorf("the chat is still in the tab's history: %s", e.URL)
		}
	}
	// Back skips the chat. (history.back, not NavigateBack: the page before may
	// come back from the back-forward cache without a load event.)
	c.do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	c.waitLocation(neutral.URL + "/before")

	// Back on the chat in the same tab: nothing of the conversation is left.
	c.do(chromedp.Navigate(s.url + "/chat"))
	c.waitReady()
	if left := eval[string](c, `JSON.stringify(Object.keys(sessionStorage).concat(Object.keys(localStorage)))`); left != "[]" {
		t.Errorf("storage after Quick exit: %s", left)
	}
	if n, _ := c.counts(); n != 0 {
		t.Errorf("the chat shows %d old bot messages after Quick exit", n)
	}
}

// TestBrowserReask: a bad answer gets the re-ask; a message that does not go
// through gets a polite line, its text back in the box, and sending works again.
func TestBrowserReask(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 400, 800)
	c.converse("hi", "1")
	mustContain(t, "maybe", c.say("maybe"), "Please reply YES or NO")
	mustContain(t, "yes", c.say("yes"), "Are you in danger")

	// Longer than the server takes (the box's maxlength stops typing it, not a script).
	c.expectConsoleError("status of 413")
	long := strings.Repeat("a", 1700)
	c.do(chromedp.SetValue(chromedp.ID("text"), long))
	got := c.send("a long message", chromedp.SendKeys(chromedp.ID("text"), kb.Enter))
	if got.Notice != "Sorry, that didn’t go through. Please try again." || len(got.Replies) != 0 {
		t.Errorf("a refused message: %+v, want the polite notice and no reply", got)
	}
	if st := eval[[]any](c, `[document.getElementById("text").value.length, document.activeElement.id, document.querySelector("#log .msg.me.failed") !== null]`); len(st) != 3 || st[0] != 1700.0 || st[1] != "text" || st[2] != true {
		t.Errorf("after the failure [box length, focus, marked failed] = %v, want [1700 text true]", st)
	}
	c.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("text").value = ""`))
	mustContain(t, "no after the failure", c.say("no"), "ZIP code")
}

// TestBrowserKeyboard: everything works from the keyboard, focus is visible and
// comes back to the box after each reply, and screen readers get a labelled box
// and a polite live log.
func TestBrowserKeyboard(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	neutral := neutralSite(t)
	c := openChat(t, s, "", 1024, 768)

	focused := func() string { return eval[string](c, `document.activeElement ? document.activeElement.id : ""`) }
	if f := focused(); f != "text" {
		t.Errorf("focus starts on %q, want the box (text)", f)
	}
	// Shift+Tab from the box goes back through the log (focusable, so that
	// a keyboard can scroll it) and Quick exit to the language toggle; Tab
	// goes forward again to the box and then Send.
	shiftTab := chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	tab := chromedp.KeyEvent(kb.Tab)
	var order []string
	for _, key := range []chromedp.Action[chromedp.Void]{shiftTab, shiftTab, shiftTab, tab, tab, tab, tab} {
		c.do(key)
		order = append(order, focused())
	}
	if want := []string{"log", "quick-exit", "lang-toggle", "quick-exit", "log", "text", "send"}; !slices.Equal(order, want) {
		t.Errorf("focus moved through %q, want %q", order, want)
	}
	// Send, reached by keyboard, shows a focus ring.
	if st := eval[[]string](c, `[document.activeElement.id, getComputedStyle(document.activeElement).outlineStyle, getComputedStyle(document.activeElement).outlineWidth]`); st[0] != "send" || st[1] == "none" || st[2] == "0px" {
		t.Errorf("the focused Send button: [id, outline style, width] = %q, want a visible outline", st)
	}
	c.do(shiftTab)
	if f := focused(); f != "text" {
		t.Fatalf("Shift+Tab from Send went to %q, want the box", f)
	}

	// Type and press Enter: no mouse, no element picked by the test.
	for _, step := range []struct{ text, want string }{{"hi", "Choose your language"}, {"1", "Continue?"}} {
		got := c.send(step.text, chromedp.KeyEvent(step.text+kb.Enter))
		mustContain(t, step.text, strings.Join(got.Replies, "\n"), step.want)
		if f := focused(); f != "text" {
			t.Errorf("after the reply to %q focus is on %q, want the box", step.text, f)
		}
	}

	// What a screen reader sees.
	doc, err := chromedp.Call(c.ctx, dom.GetDocument, dom.GetDocumentParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ role, name string }{
		{"textbox", "Type your answer"}, {"button", "Send"}, {"button", "Quick exit"}, {"log", "Conversation"},
	} {
		res, err := chromedp.Call(c.ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{NodeID: doc.Root.NodeID, Role: q.role, AccessibleName: q.name})
		if err != nil {
			t.Fatal(err)
		}
		nodes := slices.DeleteFunc(res.Nodes, func(n *accessibility.Node) bool { return n.Ignored })
		if len(nodes) != 1 {
			t.Errorf("%d %s named %q in the accessibility tree, want 1", len(nodes), q.role, q.name)
			continue
		}
		if q.role == "log" {
			live := ""
			for _, p := range nodes[0].Properties {
				if p.Name == accessibility.PropertyNameLive && p.Value != nil {
					live = strings.Trim(string(p.Value.Value), `"`)
				}
			}
			if live != "polite" {
				t.Errorf("the log's live setting is %q, want polite", live)
			}
		}
	}

	// Escape twice is the Quick exit too.
	c.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("hotline.exitURL", %q)`, neutral.URL+"/escaped")))
	c.do(chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Escape))
	c.waitLocation(neutral.URL + "/escaped")
}

// TestBrowserPreview: a coordinator opens /chat#preview, enters the admin token,
// and sees the step, answers and eligibility computed beside the chat.
func TestBrowserPreview(t *testing.T) {
	const admin = "admin-token-0123456789"
	s := newServer(t, serverOptions{token: token, adminToken: admin})
	c := openChat(t, s, "#preview", 1280, 900)

	c.do(chromedp.WaitVisible(chromedp.ID("admin-token")),
		chromedp.SendKeys(chromedp.ID("admin-token"), admin+kb.Enter))
	if f := eval[string](c, `document.activeElement.id`); f != "text" {
		t.Errorf("after saving the token focus is on %q, want the chat box", f)
	}
	c.converse("hi", "1", "yes", "no", "60612", "4", "skip", "skip", "4") // debt: skipped, the other side: skipped
	mustContain(t, "the income", c.say("3437.50"), "first name")

	panel := eval[map[string]string](c, `({
		step: document.getElementById("pv-step").textContent,
		percent: document.getElementById("pv-percent").textContent,
		guideline: document.getElementById("pv-guideline").textContent,
		income: document.getElementById("pv-income").textContent,
		household: document.getElementById("pv-household").textContent,
		answers: document.getElementById("pv-answers").innerText,
	})`)
	if panel["step"] != "name" || panel["percent"] != "125%" || !strings.Contains(panel["guideline"], "$33,000") ||
		!strings.Contains(panel["income"], "→") || panel["household"] != "4 people" {
		t.Errorf("the preview panel shows %q", panel)
	}
	mustContain(t, "the saved answers", panel["answers"], "zip", "60612", "case_type", "consumer")
	// The panel filled in passes axe too, in both schemes.
	c.axeBothSchemes("the preview")

	// Beside the chat on a wide screen.
	if !eval[bool](c, `document.getElementById("preview").getBoundingClientRect().left >= document.querySelector(".chat").getBoundingClientRect().right - 1`) {
		t.Error("the preview is not beside the chat on a 1280px screen")
	}

	got := c.send("Restart", chromedp.Click(chromedp.ID("restart")))
	mustContain(t, "Restart", strings.Join(got.Replies, "\n"), "Choose your language")
	if step := eval[string](c, `document.getElementById("pv-step").textContent`); step != "language" {
		t.Errorf("after Restart the preview shows step %q, want language", step)
	}
}

// TestBrowserLanguageButton: a page in Spanish starts the bot in Spanish (no
// "Choose your language"), and the language button mid-conversation switches
// the bot: its question comes again in the other language.
func TestBrowserLanguageButton(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	c.do(chromedp.Click(chromedp.ID("lang-toggle"))) // the page in Spanish before the first message
	first := c.say("hola")
	mustContain(t, "the first reply on a Spanish page", first, "¿Seguir? Responda SI o NO")
	if strings.Contains(first, "Choose your language") {
		t.Errorf("a page in Spanish still asked for the language: %q", first)
	}
	mustContain(t, "si", c.say("si"), "peligro")
	mustContain(t, "no", c.say("no"), "código postal")
	// The button, mid-conversation: the ZIP question again, in English.
	c.do(chromedp.Click(chromedp.ID("lang-toggle")))
	waitFor[bool](c, "the ZIP question in English", `[...document.querySelectorAll("#log .msg.bot")].pop().textContent.includes("ZIP code")`, replyTimeout)
	if n := eval[int](c, `[...document.querySelectorAll("#log .msg.me")].filter((m) => /english/i.test(m.textContent)).length`); n != 0 {
		t.Error("the language button's message shows as the person's")
	}
	mustContain(t, "60612 after the switch", c.say("60612"), "legal problem")
}
