package bot

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/handoff"
)

// newHandoff makes the outbox's job for a referral's JSON hand-off (its
// organization's handoff: in directory.yaml), its body written now: every
// attempt sends the same bytes under the same Idempotency-Key, the reference.
// The job keeps the name of the signing key's environment variable, never
// the key, which the outbox reads when it sends.
func (s *Service) newHandoff(r *hotline.Referral, now time.Time) (*Email, error) {
	var id [8]byte
	if _, err := io.ReadFull(s.random, id[:]); err != nil {
		return nil, fmt.Errorf("bot: hand-off id: %w", err)
	}
	e := &Email{Kind: EmailHandoff, ID: hex.EncodeToString(id[:]), Reference: r.Ref, OrgID: r.OrgID, Created: now, Referral: r,
		Handoff: &handoff.Request{URL: r.Handoff.URL, SecretEnv: r.Handoff.SecretEnv}}
	body, err := handoff.Body(r)
	if err != nil {
		// Queued all the same, without a body: the outbox gives up on it at
		// once and alerts the coordinator, as for an email that cannot be
		// rendered (newReferralEmail).
		s.observe.Error("render")
		s.log.Error("bot: cannot write a referral's JSON hand-off; the coordinator will be alerted", "ref", r.Ref, "org", r.OrgID, "err", err)
		e.LastError = oneLine(err.Error())
		return e, nil
	}
	e.Handoff.Body = body
	return e, nil
}
