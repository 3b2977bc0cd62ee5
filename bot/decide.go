package bot

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/referrallink"
	"github.com/hotline-legal/hotline/pack"
)

// An organization's page for a referral (GET and POST /referrals/{token}):
// the link in its email names the referral and the organization, signed, so
// that whoever holds it may accept or decline the referral for that
// organization, and nobody else.

// maxDecideAttempts bounds the retries of a decision that raced another write
// of the same loop (a second click, the loop worker).
const maxDecideAttempts = 5

// ReferralPage returns what the page of a link's token shows.
// With ErrBadLink or ErrLinkExpired, the view holds only the words to say so
// in (the organization's language when the link still names it).
func (s *Service) ReferralPage(ctx context.Context, token string) (ReferralView, error) {
	link, l, _, err := s.openLink(ctx, token)
	if err != nil {
		return s.errorView(link), err
	}
	return s.view(s.pack(), link, &l), nil
}

// errorView is the view of a link that does not work: its words only.
func (s *Service) errorView(link referrallink.Link) ReferralView {
	p := s.pack()
	v := ReferralView{Language: pageLanguage(p, link.Org), Location: p.Flow.Location}
	v.Words = p.EmailWords(v.Language)
	return v
}

// pageLanguage is the language of an organization's page: its emails'.
func pageLanguage(p *pack.Pack, orgID string) string {
	if o := p.Directory.Organization(orgID); o != nil && o.EmailLanguage != "" {
		return o.EmailLanguage
	}
	return p.Flow.Languages[0]
}

// Decide applies an organization's decision on a referral (ActionAccept, or
// ActionDecline with a reason of hotline.DeclineReasons) and returns its page.
// It is idempotent: once the organization has decided (or the referral has
// moved on from it), a decision is not applied, and the page says so
// (ReferralView.Already). A decline sends the referral on at once (see
// reroute), in the same write.
func (s *Service) Decide(ctx context.Context, token, action, reason string) (ReferralView, error) {
	switch {
	case action == ActionAccept:
		reason = ""
	case action == ActionDecline && hotline.ValidDeclineReason(reason):
	default:
		return ReferralView{}, ErrBadDecision
	}
	for attempt := 0; attempt < maxDecideAttempts; attempt++ {
		link, l, version, err := s.openLink(ctx, token)
		if err != nil {
			return s.errorView(link), err
		}
		p := s.pack()
		if l.OrgID != link.Org || l.Status != hotline.LoopSent {
			v := s.view(p, link, &l)
			v.Already = true
			return v, nil
		}
		now := s.now()
		before := len(l.History)
		var jobs []*Email
		if action == ActionAccept {
			// Accepted: the organization will contact the person, who is
			// not asked whether it did.
			l.Status, l.FollowUpAt = hotline.LoopAccepted, time.Time{}
			l.Record(now, hotline.EventAccepted, l.OrgID, "")
		} else {
			l.Record(now, hotline.EventDeclined, l.OrgID, reason)
			if jobs, err = s.reroute(p, &l, reason, now); err != nil {
				return ReferralView{}, err
			}
		}
		err = s.loops.SaveLoop(ctx, now, version, l, l.Due(now), jobs)
		if errors.Is(err, ErrLoopChanged) {
			continue // read it again: the decision may now be shown, not applied
		}
		if err != nil {
			return ReferralView{}, err
		}
		s.observeLoop(&l, before)
		// The reference and the organization only: both are in the link,
		// and neither is the person's.
		s.log.Info("bot: an organization decided on a referral", "ref", l.Ref, "org", link.Org, "action", action, "reason", reason)
		return s.view(p, link, &l), nil
	}
	return ReferralView{}, errors.New("bot: a referral kept changing while an organization decided on it")
}

// openLink checks a link's token and reads the loop it names.
func (s *Service) openLink(ctx context.Context, token string) (referrallink.Link, hotline.Loop, int64, error) {
	if s.loop.Links == nil || s.loops == nil {
		return referrallink.Link{}, hotline.Loop{}, 0, ErrBadLink
	}
	link, err := s.loop.Links.Verify(token, s.now())
	switch {
	case errors.Is(err, referrallink.ErrExpired):
		return link, hotline.Loop{}, 0, ErrLinkExpired
	case err != nil:
		return link, hotline.Loop{}, 0, ErrBadLink
	}
	l, version, err := s.loops.LoadLoop(ctx, link.Ref)
	switch {
	case errors.Is(err, ErrNoLoop):
		// Gone with the referral's retention, which the link's expiry
		// follows: the link has expired, whatever its clock says.
		return link, hotline.Loop{}, 0, ErrLinkExpired
	case err != nil:
		return link, hotline.Loop{}, 0, err
	}
	if !slices.ContainsFunc(l.History, func(e hotline.LoopEvent) bool { return e.Kind == hotline.EventSent && e.Org == link.Org }) {
		// Signed, but for an organization the referral never went to: a
		// link made by a bug, or with a leaked key. Nothing to show.
		return link, hotline.Loop{}, 0, ErrBadLink
	}
	return link, l, version, nil
}

// view is what a loop is for the organization a link was made for.
func (s *Service) view(p *pack.Pack, link referrallink.Link, l *hotline.Loop) ReferralView {
	v := ReferralView{Ref: l.Ref, Org: orgName(p, l, link.Org), Language: pageLanguage(p, link.Org), Expires: link.Expires,
		Location: p.Flow.Location}
	v.Words = p.EmailWords(v.Language)
	switch {
	case l.OrgID == link.Org && l.Status == hotline.LoopSent:
		v.Standing = ViewWaiting
	case l.OrgID == link.Org && l.Status == hotline.LoopAccepted:
		v.Standing = ViewAccepted
	default:
		v.Standing = ViewMoved
		for _, e := range l.History {
			if e.Kind == hotline.EventDeclined && e.Org == link.Org {
				v.Standing, v.Reason = ViewDeclined, e.Reason
			}
		}
	}
	for _, e := range pageHistory(l.History, link.Org, l.OrgID == link.Org) {
		name := ""
		if e.Org != "" {
			name = orgName(p, l, e.Org)
		}
		v.History = append(v.History, ViewEvent{At: e.At, Kind: e.Kind, Org: name, Reason: e.Reason})
	}
	return v
}

// pageHistory is the part of a referral's history an organization's page
// shows: the organization's side only (never what the person was texted or
// answered), and for an organization the referral has left, only up to its
// leaving: where it went next is not its business.
func pageHistory(history []hotline.LoopEvent, org string, current bool) []hotline.LoopEvent {
	last := len(history) - 1
	if !current {
		last = -1
		for i, e := range history {
			if e.Org == org {
				last = i
			}
		}
	}
	var out []hotline.LoopEvent
	for _, e := range history[:last+1] {
		switch e.Kind {
		case hotline.EventFollowUp, hotline.EventContacted, hotline.EventNotContacted, hotline.EventTexted:
			continue
		}
		out = append(out, e)
	}
	return out
}

// orgName is an organization's name as the directory gives it now, or its id
// when it has left the directory.
func orgName(p *pack.Pack, l *hotline.Loop, id string) string {
	if o := p.Directory.Organization(id); o != nil {
		return o.Name
	}
	if l.Referral != nil && l.Referral.OrgID == id {
		return l.Referral.OrgName
	}
	return id
}
