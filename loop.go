package hotline

import (
	"slices"
	"time"
)

// Loop is what became of a referral after it was made: which organization
// has it now, what each one said, and what the person was asked since. It
// closes the loop that a referral email alone leaves open: an organization
// accepts or declines (a declined referral goes on to the next organization
// that fits), silence is noticed, and the person is followed up.
//
// It holds the referral as last sent, which re-routing needs to write the next
// organization's email, so it is personal data: it expires with the
// referral's retention (Expires).
type Loop struct {
	Ref string `json:"ref"`
	// ID is drawn with the loop: the references of its jobs in the outbox
	// carry it (JobRef), so that a reference drawn again once this loop is
	// gone never meets the markers its jobs left.
	ID string `json:"id,omitempty"`
	// Status is LoopSent, LoopAccepted or LoopFallback.
	Status string `json:"status"`
	// OrgID is the organization the referral is with now ("" after the
	// fallback), and Hop how many times it was re-routed to get there.
	OrgID string `json:"org_id,omitempty"`
	Hop   int    `json:"hop,omitempty"`
	// Made is when the person was referred; SentAt when the referral went to
	// OrgID.
	Made   time.Time `json:"made"`
	SentAt time.Time `json:"sent_at"`
	// RespondBy is when OrgID's silence is noticed (its response_time and
	// the pack's grace after SentAt); zero for never. Alerted is set once the
	// coordinator was told of it.
	RespondBy time.Time `json:"respond_by,omitzero"`
	Alerted   bool      `json:"alerted,omitempty"`
	// Declined are the organizations that declined (or let the referral go by
	// their silence, or were not in touch by the person's word): it never goes
	// back to one.
	Declined []string    `json:"declined,omitempty"`
	History  []LoopEvent `json:"history"`
	// Referral is the referral as OrgID got it.
	Referral *Referral `json:"referral"`
	// Texts is where texts to the person go: back along the conversation the
	// referral was made in. Zero when no text may be sent: the web chat has
	// no number, and a private referral (the pack's private:, like a safety
	// concern or texts said to be unsafe) gets none.
	Texts Conversation `json:"texts,omitzero"`
	// Stopped is set once the person sent STOP: the referral keeps only the
	// organization's side (no answers: the reply to STOP says they were
	// deleted), nobody is texted, and it cannot go on to another
	// organization: a decline ends it (LoopClosed).
	Stopped bool `json:"stopped,omitempty"`
	// AnswersDropped is set once the referral keeps only whom it went to
	// (TrimReferral): after a STOP, or at the end of its retention.
	AnswersDropped bool `json:"answers_dropped,omitempty"`
	// Private is set for a private referral (the pack's private:): nothing
	// of it is told to whoever asks on the web with its reference.
	Private bool `json:"private,omitempty"`
	// FollowUps counts the follow-up texts sent; FollowUpAt is when the next
	// is due (zero for none); FollowUpAnswer is the person's "yes" or "no".
	FollowUps      int       `json:"follow_ups,omitempty"`
	FollowUpAt     time.Time `json:"follow_up_at,omitzero"`
	FollowUpAnswer string    `json:"follow_up_answer,omitempty"`
	// FollowUpOrg is the organization the last follow-up asked about: an
	// answer counts for it only while the referral is still with it.
	FollowUpOrg string `json:"follow_up_org,omitempty"`
	// Hearing is the court hearing's date (YYYY-MM-DD), "" for none;
	// HearingOffered is set while the person has been offered a reminder of
	// it and has not answered; HearingOn once they said yes. HearingAt is
	// when the next reminder is due (zero for none), HearingReminders how
	// many were sent for the date, and HearingMoves how many times the
	// person moved it (each date's reminders are texts of their own).
	// HearingKeep is when the loop may go, at the earliest, for the
	// reminder: after the hearing, even past the referral's retention.
	Hearing          string    `json:"hearing,omitempty"`
	HearingOffered   bool      `json:"hearing_offered,omitempty"`
	HearingOn        bool      `json:"hearing_on,omitempty"`
	HearingAt        time.Time `json:"hearing_at,omitzero"`
	HearingReminders int       `json:"hearing_reminders,omitempty"`
	HearingMoves     int       `json:"hearing_moves,omitempty"`
	HearingKeep      time.Time `json:"hearing_keep,omitzero"`
	// Pending is a re-route owed by the worker, by its reason (the person's
	// follow-up NO): set with the conversation's commit, carried out apart.
	Pending string `json:"pending,omitempty"`
	// Expires is when the loop, and the link to it, ends.
	Expires time.Time `json:"expires"`
}

// The statuses of a Loop.
const (
	// LoopSent: the referral waits for OrgID to accept or decline it.
	LoopSent = "sent"
	// LoopAccepted: OrgID said it will take it.
	LoopAccepted = "accepted"
	// LoopFallback: no organization that fits is left; the person was given
	// the fallback.
	LoopFallback = "fallback"
	// LoopClosed: declined after the person sent STOP; it goes no further.
	LoopClosed = "closed"
)

// The reasons an organization declines a referral, and the others a referral
// is re-routed for.
const (
	ReasonConflict   = "conflict"
	ReasonCapacity   = "capacity"
	ReasonPriorities = "priorities"
	ReasonOther      = "other"
	// ReasonNoResponse: the organization neither accepted nor declined within
	// its response time and the pack's grace, and the pack re-routes then.
	ReasonNoResponse = "no_response"
	// ReasonNotContacted: the person answered NO to "did they contact you?".
	ReasonNotContacted = "not_contacted"
)

// DeclineReasons are the reasons an organization may give on its page, in the
// order it is offered them.
var DeclineReasons = []string{ReasonConflict, ReasonCapacity, ReasonPriorities, ReasonOther}

// ValidDeclineReason reports whether r is one of DeclineReasons.
func ValidDeclineReason(r string) bool { return slices.Contains(DeclineReasons, r) }

// LoopEvent is one line of a referral's history.
type LoopEvent struct {
	At time.Time `json:"at"`
	// Kind is one of the Event constants.
	Kind string `json:"kind"`
	// Org is the organization it concerns ("" for none).
	Org string `json:"org,omitempty"`
	// Reason is a decline's or a re-route's reason.
	Reason string `json:"reason,omitempty"`
}

// The kinds of LoopEvent.
const (
	EventSent         = "sent"          // the referral went to Org
	EventAccepted     = "accepted"      // Org will take it
	EventDeclined     = "declined"      // Org cannot, for Reason
	EventSilent       = "silent"        // Org's response time passed; the coordinator was alerted
	EventFallback     = "fallback"      // nobody was left: the person was given the fallback
	EventFollowUp     = "follow_up"     // the person was asked whether Org contacted them
	EventContacted    = "contacted"     // they said YES
	EventNotContacted = "not_contacted" // they said NO
	EventTexted       = "texted"        // the person was told by text where the referral went
	EventHearing      = "hearing"       // the person was reminded of their court hearing
)

// KeepUntil is when the loop (and the conversation that knows it) may go:
// Expires, or after the hearing the person is to be reminded of.
func (l *Loop) KeepUntil() time.Time {
	if l.HearingOn && l.HearingKeep.After(l.Expires) {
		return l.HearingKeep
	}
	return l.Expires
}

// Withdraw is what a STOP does to a loop: no more texts, and nothing of the
// person kept, only whom the referral went to (for the organization's page).
func (l *Loop) Withdraw() {
	l.StopTexts()
	l.Pending, l.Stopped = "", true
	l.TrimReferral()
}

// StopTexts is what words that texts are not safe do to a loop: no text of
// any kind any more, and no hearing kept for a reminder that cannot go.
func (l *Loop) StopTexts() {
	l.Texts, l.FollowUpAt = Conversation{}, time.Time{}
	l.Hearing, l.HearingOffered, l.HearingOn, l.HearingAt, l.HearingKeep = "", false, false, time.Time{}, time.Time{}
}

// TrimReferral drops the person's answers from the loop's referral, keeping
// whom it went to: once it can no longer go on (a STOP, the end of its
// retention).
func (l *Loop) TrimReferral() {
	l.AnswersDropped = true
	if r := l.Referral; r != nil {
		l.Referral = &Referral{Ref: r.Ref, At: r.At, OrgID: r.OrgID, OrgName: r.OrgName, OrgEmail: r.OrgEmail, OrgPhone: r.OrgPhone,
			ProgramID: r.ProgramID, ProgramName: r.ProgramName, EmailLanguage: r.EmailLanguage, Language: r.Language}
	}
}

// AwaitingFollowUp reports whether the person was asked whether the
// organization the referral is with now contacted them, and has not answered.
func (l *Loop) AwaitingFollowUp() bool {
	return l.Status == LoopSent && l.FollowUps > 0 && l.FollowUpAnswer == "" && l.FollowUpOrg == l.OrgID && l.Texts != (Conversation{})
}

// Trimmed reports whether the loop's referral holds no answers any more.
func (l *Loop) Trimmed() bool { return l.AnswersDropped || l.Referral == nil }

// JobRef is the outbox reference of one of the loop's jobs: the referral's
// reference, the loop's id and what the job is (suffix, like "1" for the
// second organization's email, "f1" for the first follow-up).
func (l *Loop) JobRef(suffix string) string { return l.Ref + "~" + l.ID + "~" + suffix }

// The kinds of text a loop sends, for TextWanted.
const (
	TextReroute  = "reroute"
	TextFollowUp = "followup"
	TextHearing  = "hearing"
)

// TextWanted reports whether a text of a kind, queued about the referral
// while it was with the organization org ("" for the fallback), may still
// go: the person may still be texted (no STOP, no word since that texts are
// unsafe); a re-route's text only while the referral is where it says; a
// follow-up only while unanswered; a hearing reminder only while it is on
// and its date has not moved since (moves, the HearingMoves it was for).
func (l *Loop) TextWanted(kind, org string, moves int) bool {
	if l.Stopped || l.Texts == (Conversation{}) {
		return false
	}
	switch kind {
	case TextHearing:
		return l.HearingOn && moves == l.HearingMoves
	case TextFollowUp:
		return l.OrgID == org && l.AwaitingFollowUp()
	}
	return l.OrgID == org
}

// Record appends an event to the history.
func (l *Loop) Record(at time.Time, kind, org, reason string) {
	l.History = append(l.History, LoopEvent{At: at, Kind: kind, Org: org, Reason: reason})
}

// Due is when the loop next needs its worker: the earliest of a pending
// re-route (now), the silence check and the next follow-up; zero for never.
func (l *Loop) Due(now time.Time) time.Time {
	if l.Pending != "" {
		return now
	}
	var due time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	if l.Status == LoopSent && !l.Alerted {
		earliest(l.RespondBy)
	}
	earliest(l.FollowUpAt)
	earliest(l.HearingAt)
	if !l.Trimmed() {
		earliest(l.Expires) // its answers go then, if it lasts longer
	}
	return due
}
