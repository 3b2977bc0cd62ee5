package bot

import (
	"encoding/json"
	"fmt"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
)

// ReferralPreview is what an organization gets for a referral, shown to a
// coordinator trying the flow: the email as the outbox sends it, and the JSON
// hand-off beside it.
type ReferralPreview struct {
	// To, Subject and Text are the email's (its plain-text part); all ""
	// when the organization takes its referrals by hand-off only.
	To      string `json:"to,omitempty"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	// Handoff is the JSON hand-off's body as sent, and HandoffURL where it is
	// POSTed: "" when the organization has no handoff: in directory.yaml (the
	// body is what it would get with one).
	Handoff    json.RawMessage `json:"handoff"`
	HandoffURL string          `json:"handoff_url,omitempty"`
}

// PreviewReferral writes a referral's email and JSON hand-off as they would be
// sent, with the pack in force. Nothing is sent.
func (s *Service) PreviewReferral(r *hotline.Referral) (ReferralPreview, error) {
	var out ReferralPreview
	if r.Handoff == nil || r.Handoff.Email {
		m, err := email.Render(r, s.sender().ReferralOptions(s.pack(), r, "preview"))
		if err != nil {
			return out, fmt.Errorf("bot: preview of the referral email: %w", err)
		}
		out.To, out.Subject, out.Text = m.To, m.Subject, m.Text
	}
	body, err := handoff.Body(r)
	if err != nil {
		return out, fmt.Errorf("bot: preview of the JSON hand-off: %w", err)
	}
	out.Handoff = body
	if r.Handoff != nil {
		out.HandoffURL = r.Handoff.URL
	}
	return out, nil
}
