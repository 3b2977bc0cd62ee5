package webhook_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hotline-legal/hotline/bot"
)

// referralLayoutProblems are what is wrong with the referral page's layout
// on this screen: the page wider than the screen, or a control or the
// heading off its sides.
const referralLayoutProblems = `(() => {
	const out = [];
	const de = document.documentElement;
	if (de.scrollWidth > innerWidth) out.push("the page is " + de.scrollWidth + "px wide on a " + innerWidth + "px screen");
	for (const el of document.querySelectorAll("h1, button, label, legend, .history li")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) out.push(el.textContent.trim().slice(0, 30) + " is not shown");
		if (r.left < 0 || r.right > innerWidth + 0.5) out.push(el.textContent.trim().slice(0, 30) + " is off the screen: " + r.left + " to " + r.right);
		if (el.scrollWidth > el.clientWidth + 1) out.push(el.textContent.trim().slice(0, 30) + " sticks out of its box");
	}
	return out.length ? out : null;
})()`

// TestBrowserReferralPage: the organization's page in Chromium, on a 320px
// screen, with no script: axe finds nothing against WCAG 2.2 A and AA (light
// and dark, waiting and answered), nothing runs off the screen at 200% text,
// the keyboard's focus shows, the browser will not send a decline without a
// reason, and a decline with one is recorded and shown.
func TestBrowserReferralPage(t *testing.T) {
	fake := newFakeReferrals(t)
	s := newReferralServer(t, fake)
	token := fake.add("H-7F3K9", "tenant-clinic", tenantClinic, "en", fake.now.Add(-2*time.Hour), fake.now.Add(30*24*time.Hour))
	w := fake.pack.EmailWords("en")

	c := openBrowser(t, 320, 640)
	c.do(chromedp.Navigate(s.url + "/referrals/" + token))
	waitFor[bool](c, "the referral page", `document.querySelector("form.decline") !== null`, 10*time.Second)
	c.axeBothSchemes("the referral page, waiting")

	for _, size := range []string{"", "200%"} {
		c.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.documentElement.style.fontSize = %q`, size)))
		if problems := eval[[]string](c, referralLayoutProblems); problems != nil {
			t.Errorf("320px, text %q:\n\t%s", size, strings.Join(problems, "\n\t"))
		}
	}
	c.do(chromedp.Evaluate[chromedp.Void](`document.documentElement.style.fontSize = ""`))

	// The first Tab reaches "We'll take it", with a ring of 3px.
	c.do(chromedp.KeyEvent(kb.Tab))
	if got := eval[string](c, `(() => { const a = document.activeElement, s = getComputedStyle(a);
		return a.value + " " + s.outlineStyle + " " + s.outlineWidth; })()`); got != "accept solid 3px" {
		t.Errorf("the first Tab: focus on %q, want the accept button with a solid 3px ring", got)
	}

	// Without a reason, the decline does not go.
	if eval[bool](c, `document.querySelector("form.decline").checkValidity()`) {
		t.Error("the decline form is valid without a reason")
	}
	calls := fake.callCount()
	c.do(chromedp.Click(chromedp.CSS(`form.decline button`)))
	if !eval[bool](c, `document.querySelector("form.decline") !== null && document.querySelector(".error") === null`) {
		t.Error("a decline without a reason left the page")
	}

	// The label chooses its reason; the decline goes, and the page says so.
	c.do(chromedp.Click(chromedp.CSS(`label[for="reason-capacity"]`)))
	if !eval[bool](c, `document.getElementById("reason-capacity").checked`) {
		t.Fatal("a click on the reason's label did not choose it")
	}
	c.do(chromedp.Click(chromedp.CSS(`form.decline button`)))
	got := waitFor[string](c, "the page after the decline", `document.querySelector(".notice") && document.querySelector(".notice").textContent`, 10*time.Second)
	if got != w.Say("page_done") {
		t.Errorf("after the decline the page says %q, want %q", got, w.Say("page_done"))
	}
	if n := fake.callCount() - calls; n != 1 {
		t.Errorf("the page asked %d times after the first decline was sent; want once (the one decline that went)", n)
	}
	if v, _ := fake.ReferralPage(t.Context(), token); v.Standing != bot.ViewDeclined || v.Reason != "capacity" {
		t.Errorf("the referral is %s (%s), want declined for capacity", v.Standing, v.Reason)
	}
	c.axeBothSchemes("the referral page, declined")
}
