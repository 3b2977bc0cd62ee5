// Package email renders the emails the hotline sends: the referral an
// organization's intake staff receive, the alert its intake coordinator gets
// when a referral could not be delivered, the coordinator's notice that a
// conversation needs a person, and the coordinator's alert that an
// organization has not answered a referral. Rendering is pure: no I/O and no
// clock, so that the same referral always renders the same email, byte for
// byte, on every attempt and in every process.
package email

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-legal/hotline"
)

// Message is an email ready to send or to write as an .eml file. Every field is
// safe to put where it is meant to go: Subject and the addresses are one line, and
// Text and HTML carry whatever a person typed only in escaped or one-line form.
type Message struct {
	// MessageID is the Message-ID without angle brackets, like
	// "H-7F3K9.3f2a9c1b0d4e5f60@hotline.invalid".
	MessageID string
	// Ref is the referral's reference, like "H-7F3K9", for the X-Hotline-Reference
	// header by which intake systems can file the email.
	Ref string
	// From is the sender as configured, like "Legal Aid Hotline <hotline@example.org>".
	From string
	// To is the one recipient.
	To string
	// ReplyTo is where replies go, like the hotline's coordinator's address;
	// "" sets no Reply-To header.
	ReplyTo string `json:",omitempty"`
	Subject string
	// Date is the email's date: the referral's time, so that it is the same on every
	// attempt, unless Options.Date says otherwise.
	Date time.Time
	// Text is the plain-text part.
	Text string
	// HTML is the HTML part, with the same content as Text.
	HTML string
}

// Options are the settings a rendering needs.
type Options struct {
	// From is the sender, copied into Message.From.
	From string
	// Location is the hotline's time zone, for dates shown to staff; nil means UTC.
	Location *time.Location
	// MessageID is derived by the caller from the referral's reference and job id
	// (see MessageID), so that every attempt carries the same one.
	MessageID string
	// Template overrides the HTML body for one organization (from the pack); nil
	// uses the default. It is executed with the *hotline.Referral as data.
	Template *template.Template
	// HotlineName is the hotline's name, shown in the email; "" says "the hotline".
	HotlineName string
	// Date is the email's Date; zero means the referral's time. An alert written
	// hours after the referral should pass the time it was raised.
	Date time.Time
	// ReplyTo is copied into Message.ReplyTo: the address intake staff reply to
	// (the hotline's coordinator, HOTLINE_COORDINATOR_EMAIL); "" for none.
	ReplyTo string
	// Country is the ISO 3166 region that reads phone numbers written without
	// a country code (the pack's country), for the HTML part's tel: links; ""
	// means US.
	Country string
	// Words are every word of the email, in the language it is written in (the
	// organization's email_language, from the pack). Words that fail Words.Check
	// make rendering fail with a *RenderError.
	Words Words
}

// RenderError is a failure to render an email. Rendering the same referral again
// fails the same way, so it is permanent: a sender should not retry it.
type RenderError struct {
	Err error
}

// Error says what failed, prefixed "email: ".
func (e *RenderError) Error() string { return "email: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RenderError) Unwrap() error { return e.Err }

// Permanent reports true: retrying cannot fix a rendering (see mailer.IsPermanent).
func (e *RenderError) Permanent() bool { return true }

// Render writes the referral email for the organization r was referred to, in
// o.Words. Everything a person typed is escaped in the HTML part and kept on one
// line in the text part, so that it cannot forge markup, headers or sections.
func Render(r *hotline.Referral, o Options) (Message, error) {
	if r == nil {
		return Message{}, &RenderError{Err: errors.New("no referral to render")}
	}
	if err := o.Words.check(); err != nil {
		return Message{}, &RenderError{Err: err}
	}
	v := newView(r, o)
	html, err := renderHTML(o.Template, r, v)
	if err != nil {
		return Message{}, err
	}
	return Message{
		MessageID: o.MessageID,
		Ref:       r.Ref,
		From:      o.From,
		To:        oneLine(r.OrgEmail),
		ReplyTo:   oneLine(o.ReplyTo),
		Subject:   v.Title,
		Date:      messageDate(r, o),
		Text:      v.text(),
		HTML:      html,
	}, nil
}

// RenderAlert writes the email to the intake coordinator (to) when the referral r
// could not be delivered after attempts tries, the last failing with lastErr. It
// says what to do and carries the referral itself, so that the coordinator can pass
// it on by phone. The organization's own template is not used: the alert must
// render even when that template is what failed.
func RenderAlert(r *hotline.Referral, to string, attempts int, lastErr string, o Options) (Message, error) {
	if r == nil {
		return Message{}, &RenderError{Err: errors.New("no referral to render an alert for")}
	}
	if err := o.Words.check(); err != nil {
		return Message{}, &RenderError{Err: err}
	}
	v := newView(r, o)
	v.alert(r, attempts, lastErr)
	html, err := renderHTML(nil, r, v)
	if err != nil {
		return Message{}, err
	}
	return Message{
		MessageID: o.MessageID,
		Ref:       r.Ref,
		From:      o.From,
		To:        oneLine(to),
		ReplyTo:   oneLine(o.ReplyTo),
		Subject:   v.Title,
		Date:      messageDate(r, o),
		Text:      v.text(),
		HTML:      html,
	}, nil
}

func messageDate(r *hotline.Referral, o Options) time.Time {
	if !o.Date.IsZero() {
		return o.Date
	}
	return r.At
}

// MessageID builds a Message-ID (without angle brackets) from a referral reference
// and a job id, like "H-7F3K9.3f2a9c1b0d4e5f60@hotline.invalid". It is stable, so
// that a resend after a crash carries the same Message-ID and the receiving side can
// tell it is the same email; a different job (a new referral, or an alert) gets a
// different one. The job id is hashed, so any id is fine; domain "" (or one that
// is not a plain host name) uses hotline.invalid.
func MessageID(ref, jobID, domain string) string {
	sum := sha256.Sum256([]byte(ref + "\x00" + jobID))
	local := strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, ref)
	if local == "" {
		local = "hotline"
	}
	domain = strings.ToLower(strings.TrimSpace(domain))
	if !hostName.MatchString(domain) {
		domain = "hotline.invalid"
	}
	return local + "." + hex.EncodeToString(sum[:8]) + "@" + domain
}

var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// PhoneForPeople writes a North American E.164 number as (312) 555-0142; other
// numbers stay as they are.
func PhoneForPeople(e164 string) string {
	if len(e164) == 12 && strings.HasPrefix(e164, "+1") && allDigits(e164[2:]) {
		d := e164[2:]
		return fmt.Sprintf("(%s) %s-%s", d[:3], d[3:6], d[6:])
	}
	return e164
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// telURL is a tel: link for an E.164 number, or "" for anything else. html/template
// refuses tel: URLs it cannot vouch for, so only numbers of this exact form are
// marked safe.
func telURL(phone string) template.URL {
	if e164.MatchString(phone) {
		return template.URL("tel:" + phone)
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	if len(digits) == 10 && !strings.ContainsAny(phone, "+") {
		// A North American number written for people, like (312) 555-0111.
		return template.URL("tel:+1" + digits)
	}
	return ""
}

// oneLine folds every kind of line break, control and bidirectional-override
// character into a single space, and bad UTF-8 into U+FFFD. Whatever a person typed
// then stays on its own line of the text part: a name like "Maria\r\nBcc: x" cannot
// start a line (or header) of its own, and "\u202e" cannot reverse what follows.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, breaks), " ")
}

func breaks(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.IsSpace(r):
		return true // covers \t \n \v \f \r, NEL, NBSP and the other spaces
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0xFEFF:
		return true // bidirectional controls and the byte order mark
	}
	return false
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
