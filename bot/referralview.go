package bot

import (
	"errors"
	"time"

	"github.com/hotline-legal/hotline/bot/email"
)

// ReferralView is what an organization's page for a referral shows (GET and
// POST /referrals/{token}): nothing of the person beyond what the referral
// email already told the organization, and here not even that: the reference,
// whom it is with, and its history.
type ReferralView struct {
	Ref string
	// Org is the name of the organization the link was made for, and
	// Language the language its page is written in (its email_language).
	Org      string
	Language string
	// Standing is what the referral is for that organization: ViewWaiting
	// (it may accept or decline), ViewAccepted, ViewDeclined (by it, for
	// Reason) or ViewMoved (it went to another organization, or to the
	// fallback, after this one was silent or the person said it never called).
	Standing string
	Reason   string
	// History is the referral's story, oldest first, with each
	// organization's name (not its id); names of organizations other than
	// Org are given as they are: the intake world is small and the
	// decline's reason is what the next one acts on.
	History []ViewEvent
	// Already is set when a decision was posted that was not applied,
	// because one had been made before (or the referral moved on): the page
	// shows what stands.
	Already bool
	// Expires is when the link stops working.
	Expires time.Time
	// Words are the pack's words for the page (email.yaml's page_ texts and
	// its dates) in Language, and Location the hotline's time zone, which
	// the page's times are written in. With ErrBadLink or ErrLinkExpired
	// the view carries these two alone (in the pack's first language, or the
	// organization's when the link still names one), for the page that says
	// so.
	Words    email.Words
	Location *time.Location
}

// ViewEvent is one line of a referral's history on its page.
type ViewEvent struct {
	At time.Time
	// Kind is a hotline.Event constant; Org an organization's name ("" for
	// none); Reason a decline's or re-route's reason (a hotline.Reason
	// constant).
	Kind, Org, Reason string
}

// What a referral is for the organization whose page shows it.
const (
	ViewWaiting  = "waiting"
	ViewAccepted = "accepted"
	ViewDeclined = "declined"
	ViewMoved    = "moved"
)

// The actions an organization's page posts.
const (
	ActionAccept  = "accept"
	ActionDecline = "decline"
)

// ErrBadLink means a referral link is not one the hotline made, or names a
// referral it no longer keeps: the page says only that the link does not work
// (never which), so that it tells a prober nothing.
var ErrBadLink = errors.New("bot: this referral link does not work")

// ErrLinkExpired means a referral link was the hotline's but has expired.
var ErrLinkExpired = errors.New("bot: this referral link has expired")

// ErrBadDecision means a posted decision is not one the page offers (an
// unknown action, or a decline without a known reason).
var ErrBadDecision = errors.New("bot: not a decision the page offers")
