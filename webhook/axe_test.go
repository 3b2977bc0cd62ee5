package webhook_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axe-core, Deque's accessibility checker, runs inside the page under test.
// testdata/axe.min.js is axe-core 4.14.1 as published on npm (npm pack
// axe-core@4), MPL-2.0, its licence header intact. To update it: npm pack
// axe-core@4, copy package/axe.min.js over it and change axeVersion.
const axeVersion = "4.14.1"

// axeTags are the rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe.min.js")
	return string(b), err
})

// axeViolation is what the test reports of one rule axe found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"` // a selector, or a list of them through shadow roots
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axe checks the page as it stands with axe-core and fails the test for each
// violation, naming where (a few words: "the start page, dark"), the rule, its
// impact and the first elements it found.
//
// The script goes in through the DevTools protocol (Runtime.evaluate), which
// the page's Content-Security-Policy does not govern: the page itself allows
// no inline script, and must not be loosened for a test. axe is loaded again
// after each navigation or reload.
func (c *chat) axe(where string) {
	c.t.Helper()
	if !eval[bool](c, `typeof window.axe === "object" && typeof window.axe.run === "function"`) {
		src, err := axeSource()
		if err != nil {
			c.t.Fatalf("axe-core: %v", err)
		}
		c.do(chromedp.Evaluate[chromedp.Void](src))
		if v := eval[string](c, `axe.version`); v != axeVersion {
			c.t.Fatalf("testdata/axe.min.js is axe %s, want %s (change axeVersion with the file)", v, axeVersion)
		}
	}
	run := `axe.run(document, {runOnly: {type: 'tag', values: ` + axeTags + `}, resultTypes: ['violations']})
		.then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary || ''}))})))`
	found, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("axe at %s: %v", where, err)
	}
	for _, v := range found {
		var targets []string
		for i, n := range v.Nodes {
			if i == 3 {
				targets = append(targets, fmt.Sprintf("and %d more", len(v.Nodes)-3))
				break
			}
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		summary := ""
		if len(v.Nodes) > 0 {
			summary = strings.ReplaceAll(strings.TrimSpace(v.Nodes[0].Summary), "\n", "\n      ")
		}
		c.t.Errorf("axe at %s: %s (%s): %s\n    on %s\n      %s", where, v.ID, v.Impact, v.Help, strings.Join(targets, ", "), summary)
	}
}

// scheme makes the page see prefers-color-scheme: scheme ("light" or "dark"),
// at once, without a reload.
func (c *chat) scheme(scheme string) {
	c.t.Helper()
	if _, err := chromedp.Call(c.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		c.t.Fatal(err)
	}
	if !eval[bool](c, fmt.Sprintf(`matchMedia("(prefers-color-scheme: %s)").matches`, scheme)) {
		c.t.Fatalf("the page does not see prefers-color-scheme: %s", scheme)
	}
}

// axeBothSchemes runs axe in the light scheme and again in the dark one, and
// leaves the page light.
func (c *chat) axeBothSchemes(where string) {
	c.t.Helper()
	for _, s := range []string{"light", "dark"} {
		c.scheme(s)
		c.axe(where + ", " + s)
	}
	c.scheme("light")
}

// referralScript is the whole web screening of the sample pack, to the
// referral: the callback number and the two yes/no questions after it.
var referralScript = append(webScript[:len(webScript):len(webScript)], "312-555-0188", "yes", "yes")

// TestBrowserAxe: axe-core finds nothing against WCAG 2.2 A and AA on a phone,
// at the start, in the middle of the screening and at the referral, in the
// light and in the dark scheme.
func TestBrowserAxe(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)

	c.axeBothSchemes("the start page")
	c.converse("hi", "1", "yes", "no", "60612")
	c.axeBothSchemes("the problem menu")
	mustContain(t, "the referral", c.converse(referralScript[5:]...), "Tenant Rights Clinic", "(312) 555-0111")
	c.axeBothSchemes("the referral")

	// The pictures for the README, when asked for (see saveShots).
	c.saveShots("chat-referral")
}
