package webhook_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// How the chat page looks: its colours in both schemes, measured from the
// computed styles; its layout with large text and on a 320px screen.

// rgb is a colour as getComputedStyle gives it, opaque.
type rgb [3]float64

// parseRGB reads "rgb(r, g, b)" or "rgba(r, g, b, a)". A colour that is not
// opaque is an error: its contrast depends on what is behind it, which the
// caller should have found instead.
func parseRGB(s string) (rgb, error) {
	inner, ok := strings.CutPrefix(s, "rgba(")
	if !ok {
		inner, ok = strings.CutPrefix(s, "rgb(")
	}
	inner, ok2 := strings.CutSuffix(inner, ")")
	if !ok || !ok2 {
		return rgb{}, fmt.Errorf("colour %q: not rgb() or rgba()", s)
	}
	parts := strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
	if len(parts) != 3 && len(parts) != 4 {
		return rgb{}, fmt.Errorf("colour %q: %d parts", s, len(parts))
	}
	var c rgb
	for i := range 3 {
		v, err := strconv.ParseFloat(parts[i], 64)
		if err != nil {
			return rgb{}, fmt.Errorf("colour %q: %v", s, err)
		}
		c[i] = v
	}
	if len(parts) == 4 {
		if a, err := strconv.ParseFloat(parts[3], 64); err != nil || a != 1 {
			return rgb{}, fmt.Errorf("colour %q is not opaque", s)
		}
	}
	return c, nil
}

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	var l [3]float64
	for i, v := range c {
		v /= 255
		if v <= 0.03928 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is WCAG 2's contrast ratio, from 1 to 21.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"rgb(255, 255, 255)", "rgb(0, 0, 0)", 21},
		{"rgb(0, 0, 0)", "rgba(255, 255, 255, 1)", 21},
		{"rgb(119, 119, 119)", "rgb(255, 255, 255)", 4.48}, // #777: just under AA
		{"rgb(27, 31, 36)", "rgb(247, 249, 251)", 15.69},
		{"rgb(10, 10, 10)", "rgb(10, 10, 10)", 1},
	} {
		a, err := parseRGB(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseRGB(tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := contrast(a, b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.2f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
	for _, bad := range []string{"rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0.5)", "#fff", "rgb(1, 2)", "color(srgb 1 1 1)"} {
		if c, err := parseRGB(bad); err == nil {
			t.Errorf("parseRGB(%q) = %v, want an error", bad, c)
		}
	}
}

// styleOf is the JavaScript function that gives an element's colours: its
// text, its top border, and the opaque background it is drawn on (its own,
// or the nearest ancestor's that has one).
const styleOf = `(el) => {
	const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (c !== "rgba(0, 0, 0, 0)" && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
	const s = getComputedStyle(el);
	return {color: s.color, border: s.borderTopColor, borderWidth: s.borderTopWidth, background: bg(el), behind: bg(el.parentElement)};
}`

// colours is what styleOf gives.
type colours struct {
	Color, Border, BorderWidth, Background, Behind string
}

func (c *chat) coloursOf(selector string) colours {
	c.t.Helper()
	return eval[colours](c, fmt.Sprintf(`(%s)(document.querySelector(%q))`, styleOf, selector))
}

func (c *chat) rgb(s string) rgb {
	c.t.Helper()
	v, err := parseRGB(s)
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

// TestBrowserColourSchemes: the page follows the system's scheme. Dark means a
// dark page and light text; in both schemes the bubbles' borders stand out
// from the chat's background at 3:1 (WCAG 1.4.11) and their text from their
// fill at 4.5:1.
func TestBrowserColourSchemes(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	c.converse("hi", "1")

	for _, scheme := range []string{"light", "dark"} {
		c.scheme(scheme)
		page := c.coloursOf("html")
		bg, text := c.rgb(page.Background), c.rgb(page.Color)
		chatBg := c.rgb(c.coloursOf(".chat").Background)
		if scheme == "dark" {
			if l := bg.luminance(); l > 0.02 {
				t.Errorf("dark: the page's background %s has luminance %.3f, want a dark one (≤ 0.02)", page.Background, l)
			}
			if l := chatBg.luminance(); l > 0.02 {
				t.Errorf("dark: the chat's background has luminance %.3f, want a dark one (≤ 0.02)", l)
			}
			if l := text.luminance(); l < 0.7 {
				t.Errorf("dark: the text %s has luminance %.3f, want a light one (≥ 0.7)", page.Color, l)
			}
		} else {
			if l := bg.luminance(); l < 0.8 {
				t.Errorf("light: the page's background %s has luminance %.3f, want a light one", page.Background, l)
			}
			if l := text.luminance(); l > 0.05 {
				t.Errorf("light: the text %s has luminance %.3f, want a dark one", page.Color, l)
			}
		}
		if r := contrast(text, chatBg); r < 4.5 {
			t.Errorf("%s: text on the chat's background: %.2f:1, want 4.5:1", scheme, r)
		}

		for _, bubble := range []string{"#log .msg.bot", "#log .msg.me", "#log .msg.intro"} {
			got := c.coloursOf(bubble)
			if got.BorderWidth == "0px" {
				t.Errorf("%s: %s has no border", scheme, bubble)
				continue
			}
			edge := contrast(c.rgb(got.Border), c.rgb(got.Behind))
			if edge < 3 {
				t.Errorf("%s: the border of %s (%s) on the chat's background (%s): %.2f:1, want 3:1", scheme, bubble, got.Border, got.Behind, edge)
			}
			words := contrast(c.rgb(got.Color), c.rgb(got.Background))
			if words < 4.5 {
				t.Errorf("%s: the text of %s on its fill: %.2f:1, want 4.5:1", scheme, bubble, words)
			}
			t.Logf("%s: %s: border %.2f:1 on the chat's background, text %.2f:1 on the bubble", scheme, bubble, edge, words)
		}
	}
	// The meta tags say both schemes, for the browser's own parts (scroll
	// bars, the text box) and the phone's status bar.
	if got := eval[string](c, `document.querySelector('meta[name="color-scheme"]').content`); got != "light dark" {
		t.Errorf(`<meta name="color-scheme"> says %q, want "light dark"`, got)
	}
	if n := eval[int](c, `document.querySelectorAll('meta[name="theme-color"][media*="prefers-color-scheme"]').length`); n != 2 {
		t.Errorf("%d theme-color metas for a scheme, want 2 (light and dark)", n)
	}
}

// layoutProblems is null when the page lays out well; otherwise it lists what
// is wrong: the page or the log wider than the screen, text sticking out of
// a bubble, a control off the screen's sides, or two of the top bar's or the
// composer's parts over each other.
const layoutProblems = `(() => {
	const out = [];
	const de = document.documentElement;
	if (de.scrollWidth > innerWidth) out.push("the page is " + de.scrollWidth + "px wide on a " + innerWidth + "px screen");
	const log = document.getElementById("log");
	if (log.scrollWidth > log.clientWidth) out.push("the log scrolls sideways: " + log.scrollWidth + " > " + log.clientWidth);
	for (const m of log.querySelectorAll(".msg")) {
		if (m.scrollWidth > m.clientWidth + 1) out.push("text sticks out of a bubble (" + m.scrollWidth + " > " + m.clientWidth + "): " + m.textContent.slice(0, 40));
	}
	const rect = (id) => document.getElementById(id).getBoundingClientRect();
	// At the end the box gives way to the ending's buttons.
	const bottom = document.getElementById("composer").hidden ? ["start-new", "clear-chat"] : ["text", "send", "quick-exit-2"];
	const ids = ["title", "lang-toggle", "quick-exit", ...bottom];
	for (const id of ids) {
		const r = rect(id);
		if (r.width === 0 || r.height === 0) out.push(id + " is not shown");
		if (r.left < 0 || r.right > innerWidth + 0.5) out.push(id + " is off the screen: " + r.left + " to " + r.right);
	}
	const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
	for (const group of [["title", "lang-toggle", "quick-exit"], bottom]) {
		for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) {
			if (meet(rect(group[i]), rect(group[j]))) out.push(group[i] + " overlaps " + group[j]);
		}
	}
	// Phone numbers kept whole (an inline-block when no line can hold them)
	// are inside their bubble.
	for (const a of log.querySelectorAll('a[href^="tel:"]')) {
		const r = a.getBoundingClientRect(), m = a.closest(".msg, .result").getBoundingClientRect();
		if (r.left < m.left || r.right > m.right) out.push("the phone number " + a.textContent + " runs out of its bubble or card");
	}
	// The title's words are inside its box (a box narrower than a word would
	// let the word run over the buttons).
	const t = document.getElementById("title");
	if (t.scrollWidth > t.clientWidth + 1) out.push("the title sticks out of its box");
	return out.length ? out : null;
})()`

// phoneLines is how many lines each phone number of the log takes: the
// tel: links in the bubbles and the number on the result card's call
// button, counted by the distinct lines of their text (a box's own rects
// would count one for a block or an inline-block, however its text wraps).
const phoneLines = `[...document.querySelectorAll('#log .msg a[href^="tel:"], #log .result .call .nowrap')].map((el) => {
	const r = document.createRange();
	r.selectNodeContents(el);
	return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
})`

// brokenPhoneParts are the parts of phone numbers ("(312)", "555-0111")
// that take more than one line: none may, whatever the text size.
const brokenPhoneParts = `[...document.querySelectorAll("#log .phone-part")].filter((el) => {
	const r = document.createRange();
	r.selectNodeContents(el);
	return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size > 1;
}).map((el) => el.textContent)`

// TestBrowserLargeText: with the text at 200% (the page's own root size, and
// the browser's font size setting) and on a 320px-wide screen (a 1280px
// window at 400% zoom, WCAG 1.4.10), the title, the language button and the
// Quick exit do not overlap, nothing scrolls sideways, and the clinic's phone
// number stays on one line (with large text on a phone, two: broken at its
// space only).
func TestBrowserLargeText(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	mustContain(t, "the referral", c.converse(referralScript...), "(312) 555-0111")

	for _, tc := range []struct {
		name          string
		width, height int64
		rootSize      string // the page's root font size, "" as it is
		browserSize   int64  // the browser's default font size, 16 as shipped
	}{
		{"a phone", 390, 844, "", 16},
		{"a phone, text 200%", 390, 844, "200%", 16},
		{"a phone, browser text 32px", 390, 844, "", 32},
		{"320px (400% zoom)", 320, 256, "", 16},
		{"320px, taller", 320, 640, "", 16},
		{"320px, text 200%", 320, 640, "200%", 16},
		{"320px, browser text 32px", 320, 640, "", 32},
	} {
		c.do(chromedp.EmulateViewport(tc.width, tc.height))
		if _, err := chromedp.Call(c.ctx, page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: tc.browserSize}}); err != nil {
			t.Fatal(err)
		}
		c.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.documentElement.style.fontSize = %q`, tc.rootSize)))
		// The sizes took: the title's text is twice as big with 200%.
		want := 16.8 // 1.05rem at 16px
		if tc.width < 416 {
			want = 16 // 1rem on phones
		}
		if tc.rootSize != "" || tc.browserSize != 16 {
			want *= 2
		}
		if got := eval[float64](c, `parseFloat(getComputedStyle(document.getElementById("title")).fontSize)`); math.Abs(got-want) > 0.5 {
			t.Errorf("%s: the title's font is %vpx, want %vpx", tc.name, got, want)
		}
		if problems := eval[[]string](c, layoutProblems); problems != nil {
			t.Errorf("%s:\n\t%s", tc.name, strings.Join(problems, "\n\t"))
		}
		lines := eval[[]int](c, phoneLines)
		if len(lines) == 0 {
			t.Fatalf("%s: no tel: link in the log", tc.name)
		}
		// At 200% no line of a bubble or the card holds the number in bold on
		// a phone: it breaks at its space, never inside "555-0111".
		large := tc.rootSize != "" || tc.browserSize != 16
		if broken := eval[[]string](c, brokenPhoneParts); len(broken) > 0 {
			t.Errorf("%s: parts of a phone number broken across lines: %q", tc.name, broken)
		}
		for _, n := range lines {
			if n != 1 && !large || n > 2 {
				t.Errorf("%s: a phone number takes %d lines (%v), want 1 (2 with large text: broken at its space)", tc.name, n, lines)
			}
		}
	}
}

// TestBrowserPhoneNumberOneLine: in a reply long enough to wrap, the phone
// number is never cut across two lines, at whatever width the bubble happens
// to break it.
func TestBrowserPhoneNumberOneLine(t *testing.T) {
	s := newServer(t, serverOptions{token: token})
	c := openChat(t, s, "", 390, 844)
	c.converse(referralScript...)
	if !eval[bool](c, `(() => { const a = [...document.querySelectorAll('#log a[href^="tel:"]')].pop(); return a !== undefined && getComputedStyle(a).whiteSpace === "nowrap"; })()`) {
		t.Fatal(`the referral's tel: link is missing or not white-space: nowrap`)
	}
	// Every width from 300px to 420px puts the line break somewhere else in
	// the referral; at none may it fall inside the number.
	for w := int64(300); w <= 420; w += 4 {
		c.do(chromedp.EmulateViewport(w, 844))
		for _, n := range eval[[]int](c, phoneLines) {
			if n != 1 {
				t.Errorf("at %dpx a phone number takes %d lines", w, n)
			}
		}
	}
}

// saveShots writes PNGs of the page as it is, in the light and the dark
// scheme, to the folder HOTLINE_SCREENSHOTS names, as name-light.png and
// name-dark.png; unset, it does nothing. For the README:
//
//	HOTLINE_SCREENSHOTS=$PWD/docs go test -run TestBrowserAxe ./webhook
//
// (a relative folder counts from webhook/, where go test runs).
func (c *chat) saveShots(name string) {
	c.t.Helper()
	dir := os.Getenv("HOTLINE_SCREENSHOTS")
	if dir == "" {
		return
	}
	// The caret blinks; hide it so that the picture is the same each time.
	c.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("text").style.caretColor = "transparent"; document.activeElement.blur()`))
	for _, scheme := range []string{"light", "dark"} {
		c.scheme(scheme)
		buf, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			c.t.Fatal(err)
		}
		path := filepath.Join(dir, name+"-"+scheme+".png")
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			c.t.Fatal(err)
		}
		c.t.Logf("wrote %s", path)
	}
	c.scheme("light")
}
