package hotline

import "time"

// Notice tells the hotline's coordinator that a conversation needs a person:
// the person asked for one (AGENT, "talk to a person"), or the bot could not
// understand an answer after every try. It is plain data, queued like a
// referral; it carries what a staff member needs to call back and nothing the
// person wrote: no message bodies, no answers beyond the flags.
type Notice struct {
	// Ref is the notice's own reference, drawn for the message that raised it
	// (a referral the conversation makes later has its own).
	Ref string    `json:"ref"`
	At  time.Time `json:"at"`
	// Reason is NoticeAsked or NoticeNotUnderstood.
	Reason string `json:"reason"`
	// Step is the id of the question the person was at, and StepLabel its label
	// in the pack's words ("ZIP code").
	Step      string `json:"step"`
	StepLabel string `json:"step_label"`
	Channel   string `json:"channel"`
	Language  string `json:"language"`
	// Callback is the number to call back in E.164 form: the one the person
	// gave, else the one they text from; "" on the web chat before they gave one.
	Callback      string   `json:"callback,omitempty"`
	CaseType      string   `json:"case_type,omitempty"`
	CaseLabel     string   `json:"case_label,omitempty"`
	SafetyConcern bool     `json:"safety_concern"`
	Urgent        bool     `json:"urgent"`
	UrgentReasons []string `json:"urgent_reasons,omitempty"`
	// TextsUnsafe is set when the person said texts to their number are not
	// safe, or that someone else reads their phone; VoicemailUnsafe when they
	// said no voicemail, or someone reads their phone and they did not say a
	// voicemail is fine.
	TextsUnsafe     bool `json:"texts_unsafe,omitempty"`
	VoicemailUnsafe bool `json:"voicemail_unsafe,omitempty"`
	// Withdraws is, for a NoticeWithdrawn, the reference of the notice the
	// person's STOP takes back.
	Withdraws string `json:"withdraws,omitempty"`
}

// The reasons for a Notice.
const (
	// NoticeAsked: the person asked for a person.
	NoticeAsked = "asked"
	// NoticeNotUnderstood: the bot could not understand an answer after every
	// try; the conversation goes on, but a person should look.
	NoticeNotUnderstood = "not_understood"
	// NoticeWithdrawn: the person sent STOP after a notice: staff must not text
	// them, and should call only if they know it is safe (the abuser may have
	// walked in).
	NoticeWithdrawn = "withdrawn"
)
