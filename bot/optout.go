package bot

import (
	"context"
	"fmt"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// optOut completes a STOP (next and fx are what stepping prev with in gave). The
// engine's reply says the answers were deleted, and of the conversation they
// are: but a referral made before the STOP may still wait in the outbox, with
// the answers in its email, because the mail server has not taken it yet. It is
// still sent (STOP stops texts; the person asked for help first) and then
// nothing of it is kept; the reply must say so. Only the outbox knows whether it
// still waits, so it is asked here, and only for a STOP in a conversation that
// made a referral: an extra read for a rare message, instead of one for every
// message or a change to the commit script.
//
// The answer can go stale before the commit: delivered in between, the reply
// says "will still be sent" of an email just sent, which is still true of the
// person's answers. Given up on in between (or later), the coordinator's alert
// carries the referral to the organization by phone.
func (s *Service) optOut(ctx context.Context, conv string, p *pack.Pack, prev flows.State, in flows.Input, next flows.State, fx pack.Effects) (flows.State, pack.Effects, error) {
	ref, _ := prev.Referral()
	if ref == "" {
		return next, fx, nil
	}
	queued, err := s.store.Queued(ctx, conv, ref)
	if err != nil {
		s.observe.Error("store")
		return next, fx, fmt.Errorf("bot: is %s still queued: %w", ref, err)
	}
	if !queued {
		return next, fx, nil
	}
	in.ReferralQueued = true
	next, fx = p.Step(prev, in)
	return next, fx, nil
}
