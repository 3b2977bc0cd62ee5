package webhook

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/referrallink"
)

// Referrals shows an organization a referral it was sent, and takes its
// answer: the page of the link in each referral email (GET and POST
// /referrals/{token}). The token is the capability: whoever holds it may see
// the referral's standing and answer for the organization it names.
type Referrals interface {
	// ReferralPage is the referral token names, as its organization sees
	// it. It returns bot.ErrBadLink for a token that is not the hotline's or
	// names a referral it no longer keeps, and bot.ErrLinkExpired for one
	// whose time is over; with either, the view carries Words and Location
	// alone, for the page that says so.
	ReferralPage(ctx context.Context, token string) (bot.ReferralView, error)
	// Decide records the organization's answer: action is bot.ActionAccept,
	// or bot.ActionDecline with reason one of hotline.DeclineReasons. It
	// returns the page after it; when an answer had been recorded before
	// (or the referral moved on), nothing changes and the view has Already
	// set. It returns bot.ErrBadDecision for an action or reason the page
	// does not offer, and the errors of ReferralPage.
	Decide(ctx context.Context, token, action, reason string) (bot.ReferralView, error)
}

// referralPage is the organization's page for a referral: its template and
// its style, in the binary.
//
//go:embed referralpage
var referralPage embed.FS

// referralTemplate is the page's template. The template is in the binary and
// its tests run it: an error here is a broken build.
func referralTemplate() *template.Template {
	return template.Must(template.ParseFS(referralPage, "referralpage/page.html"))
}

// referralCSP is the page's Content-Security-Policy: the chat's (chatCSP),
// made stricter because the page runs no script and loads nothing but its
// own style sheet. Forms may post only to this server.
const referralCSP = "default-src 'none'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxReferralForm bounds the body of a decision: it holds two short fields
// (action=decline&reason=priorities), and is read before any other work.
const maxReferralForm = 1 << 10

// referralHeaders are on every answer of the page's routes, errors
// included: the page is never stored or indexed, and its address, which
// holds the token, is never sent on as a Referer.
func referralHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store")
			h.Set("X-Robots-Tag", "noindex, nofollow")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Content-Security-Policy", referralCSP)
			h.Set("X-Content-Type-Options", "nosniff")
			return next(c)
		}
	}
}

// referralToken is the request's token, or "" for none the page may look up:
// a link longer than any the hotline makes is refused before any work, and
// without Deps.Referrals there is no page.
func referralToken(c echo.Context, d Deps) string {
	token := c.Param("token")
	if d.Referrals == nil || len(token) > referrallink.MaxTokenLen {
		return ""
	}
	return token
}

// handleReferralPage shows the referral its link names.
func handleReferralPage(d Deps, tmpl *template.Template) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := referralToken(c, d)
		if token == "" {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		ctx, cancel := referralContext(c.Request().Context(), d)
		defer cancel()
		view, err := d.Referrals.ReferralPage(ctx, token)
		return showReferral(c, tmpl, view, err, pageNotes{})
	}
}

// handleReferralDecision takes the organization's answer, a form of action
// and reason, and answers with the page as it then stands: the answer
// recorded, or, for a second one, what had been recorded before.
func handleReferralDecision(d Deps, tmpl *template.Template) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := referralToken(c, d)
		if token == "" {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		req := c.Request()
		if ctype, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); ctype != "application/x-www-form-urlencoded" {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the form as application/x-www-form-urlencoded")
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, maxReferralForm+1))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge) || len(body) > maxReferralForm:
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the form is too large")
		case err != nil:
			return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
		}
		// Not cancelled when the browser gives up: an answer half recorded
		// would be seen only on the next visit.
		ctx, cancel := referralContext(context.WithoutCancel(req.Context()), d)
		defer cancel()
		view, err := d.Referrals.Decide(ctx, token, form.Get("action"), form.Get("reason"))
		if errors.Is(err, bot.ErrBadDecision) {
			// The page again, as it stands, with the form and what was wrong.
			view, err = d.Referrals.ReferralPage(ctx, token)
			return showReferral(c, tmpl, view, err, pageNotes{badDecision: true})
		}
		return showReferral(c, tmpl, view, err, pageNotes{decided: true})
	}
}

// referralContext bounds the page's work as a message's is bounded.
func referralContext(ctx context.Context, d Deps) (context.Context, context.CancelFunc) {
	if d.HandleTimeout > 0 {
		return context.WithTimeout(ctx, d.HandleTimeout)
	}
	return context.WithCancel(ctx)
}

// pageNotes say what the request did, for the page to tell.
type pageNotes struct {
	// decided: an answer was posted; badDecision: one the page does not
	// offer (a decline without a reason).
	decided, badDecision bool
}

// showReferral writes the page for view and err: the referral (400 with the
// form again after a bad decision), the page of a link that does not work
// (404, never saying why) or has expired (410); any other error goes to the
// error handler, which shows nothing of it.
func showReferral(c echo.Context, tmpl *template.Template, view bot.ReferralView, err error, notes pageNotes) error {
	status := http.StatusOK
	var page referralPageView
	switch {
	case errors.Is(err, bot.ErrBadLink):
		status = http.StatusNotFound
		page = problemPage(view, "page_bad_link", "page_bad_link_hint")
	case errors.Is(err, bot.ErrLinkExpired):
		status = http.StatusGone
		page = problemPage(view, "page_expired", "page_expired_hint")
	case err != nil:
		return err
	case len(view.Words.Text) == 0:
		return errors.New("webhook: the referral page has no words")
	default:
		if notes.badDecision {
			status = http.StatusBadRequest
		}
		if page, err = newReferralPageView(view, notes); err != nil {
			return err
		}
	}
	if page.Title == "" {
		// No words to say it with (a view without them): the status alone.
		return echo.NewHTTPError(status)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, page); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

// handleReferralAsset serves the page's style sheet.
func handleReferralAsset() echo.HandlerFunc {
	return func(c echo.Context) error {
		name := path.Base(c.Param("name"))
		if path.Ext(name) != ".css" {
			return echo.NewHTTPError(http.StatusNotFound, "no such file")
		}
		data, err := referralPage.ReadFile("referralpage/" + name)
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "no such file")
		}
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "text/css; charset=utf-8", data)
	}
}

// referralPageView is what the template shows: every string already in the
// organization's words.
type referralPageView struct {
	Lang, Title string
	// Problem and Hint are the page of a link that does not work or has
	// expired, which shows nothing else.
	Problem, Hint string

	Heading, For string
	// Notice says what the answer just posted did; Error what was wrong
	// with it.
	Notice, Error string
	// Standing is a bot.View constant, for the style; Status says it.
	StatusHeading, Standing, Status string
	// Waiting shows the two answers.
	Waiting                              bool
	AnswerHeading, Accept, DeclineLegend string
	Decline                              string
	Reasons                              []pageReason
	HistoryHeading                       string
	History                              []pageEvent
	Expires, NoPersonalData, KeepPrivate string
}

// pageReason is one reason to decline, as a radio button.
type pageReason struct{ Value, Label string }

// pageEvent is one line of the history.
type pageEvent struct{ At, When, What string }

// problemPage is the page of a link that does not work or has expired, in
// the view's words: its heading and a hint, nothing else.
func problemPage(view bot.ReferralView, problem, hint string) referralPageView {
	w := view.Words
	if len(w.Text) == 0 {
		return referralPageView{}
	}
	text := w.Say(problem)
	return referralPageView{Lang: w.Lang, Title: text, Problem: text, Hint: w.Say(hint)}
}

// newReferralPageView writes the view in its words.
func newReferralPageView(view bot.ReferralView, notes pageNotes) (referralPageView, error) {
	w := view.Words
	loc := view.Location
	if loc == nil {
		loc = time.UTC
	}
	when := func(t time.Time) (date, clock string) {
		t = t.In(loc)
		return w.Date(t), w.Clock(t)
	}
	p := referralPageView{
		Lang:           w.Lang,
		Title:          w.Say("page_title", "ref", view.Ref),
		Heading:        w.Say("page_heading", "ref", view.Ref),
		For:            w.Say("page_for", "org", view.Org),
		StatusHeading:  w.Say("page_status_heading"),
		Standing:       view.Standing,
		HistoryHeading: w.Say("page_history"),
		NoPersonalData: w.Say("page_no_personal_data"),
		KeepPrivate:    w.Say("page_keep_private"),
	}
	switch view.Standing {
	case bot.ViewWaiting:
		p.Status = w.Say("page_status_waiting")
		p.Waiting = true
	case bot.ViewAccepted:
		p.Status = w.Say("page_status_accepted", "org", view.Org)
	case bot.ViewDeclined:
		p.Status = w.Say("page_status_declined", "org", view.Org, "reason", reasonWords(w.Say, view.Reason))
	case bot.ViewMoved:
		p.Status = w.Say("page_status_moved", "org", view.Org)
	default:
		return p, fmt.Errorf("webhook: the referral page does not know the standing %q", view.Standing)
	}
	switch {
	case notes.badDecision:
		p.Error = w.Say("page_choose_reason")
	case view.Already:
		p.Notice = w.Say("page_already")
	case notes.decided:
		p.Notice = w.Say("page_done")
	}
	if p.Waiting {
		p.AnswerHeading = w.Say("page_answer_heading")
		p.Accept = w.Say("page_accept")
		p.DeclineLegend = w.Say("page_decline_legend")
		p.Decline = w.Say("page_decline")
		for _, r := range hotline.DeclineReasons {
			p.Reasons = append(p.Reasons, pageReason{Value: r, Label: reasonWords(w.Say, r)})
		}
	}
	for _, e := range view.History {
		key := eventKey(e.Kind)
		if key == "" {
			continue // a kind newer than this page: its words are not known
		}
		date, clock := when(e.At)
		p.History = append(p.History, pageEvent{
			At:   e.At.UTC().Format(time.RFC3339),
			When: w.Say("page_when", "date", date, "time", clock),
			What: w.Say(key, "org", e.Org, "reason", reasonWords(w.Say, e.Reason)),
		})
	}
	if !view.Expires.IsZero() {
		date, clock := when(view.Expires)
		p.Expires = w.Say("page_expires", "date", date, "time", clock)
	}
	return p, nil
}

// eventKey is the key of the words of a kind of history line, or "" for a
// kind this page does not know.
func eventKey(kind string) string {
	switch kind {
	case hotline.EventSent, hotline.EventAccepted, hotline.EventDeclined, hotline.EventSilent, hotline.EventFallback,
		hotline.EventFollowUp, hotline.EventContacted, hotline.EventNotContacted, hotline.EventTexted:
		return "page_event_" + kind
	}
	return ""
}

// reasonWords is a decline's or re-route's reason in words: its page_reason_
// text, or the reason itself when it has none (one newer than this page).
func reasonWords(say func(key string, pairs ...string) string, reason string) string {
	switch reason {
	case "":
		return ""
	case hotline.ReasonConflict, hotline.ReasonCapacity, hotline.ReasonPriorities, hotline.ReasonOther,
		hotline.ReasonNoResponse, hotline.ReasonNotContacted:
		return say("page_reason_" + reason)
	}
	return reason
}
