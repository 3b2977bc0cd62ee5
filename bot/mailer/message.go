package mailer

import (
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"regexp"
	"strings"
	"unicode"

	"github.com/hotline-legal/hotline/bot/email"
	gomail "github.com/wneessen/go-mail"
)

// newMsg builds the MIME message for m: the one both the SMTP path sends and the
// EMLDir path writes. It is deterministic (the multipart boundary is derived from
// the content, not random; go-mail's User-Agent is left out), so that writing the
// same message twice gives the same bytes.
//
// Headers: From, To, Reply-To (when m has one), Subject, Date, Message-ID,
// MIME-Version, Content-Type multipart/alternative with a text/plain and a text/html part (UTF-8,
// quoted-printable), X-Hotline-Reference and Auto-Submitted: auto-generated (so
// that vacation responders and ticket systems do not answer a robot). Nothing a
// person typed goes into a header: the Subject holds only the pack's words
// and case label, the parsed ZIP and court date, and is one line anyway.
func newMsg(m email.Message) (*gomail.Msg, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, permanent("mailer: From %q is not an email address: %v", m.From, err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, permanent("mailer: To %q is not one email address: %v", m.To, err)
	}
	var replyTo *mail.Address
	if m.ReplyTo != "" {
		if replyTo, err = mail.ParseAddress(m.ReplyTo); err != nil {
			return nil, permanent("mailer: Reply-To %q is not an email address: %v", m.ReplyTo, err)
		}
	}
	if !messageID.MatchString(m.MessageID) {
		return nil, permanent("mailer: Message-ID %q is not like ref.hash@domain", m.MessageID)
	}
	if m.Ref != "" && !reference.MatchString(m.Ref) {
		return nil, permanent("mailer: reference %q is not like H-7F3K9", m.Ref)
	}
	if m.Date.IsZero() {
		return nil, permanent("mailer: message %s has no date", m.MessageID)
	}
	if m.Text == "" || m.HTML == "" {
		return nil, permanent("mailer: message %s lacks its text or HTML part", m.MessageID)
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithBoundary(boundary(m)))
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to)
	if replyTo != nil {
		msg.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, replyTo)
	}
	// go-mail encodes the Subject as RFC 2047 words when it is not plain ASCII
	// ("·", accents); folding it to one line first is belt and braces.
	msg.Subject(headerLine(m.Subject))
	msg.SetDateWithValue(m.Date)
	msg.SetMessageIDWithValue(m.MessageID)
	if m.Ref != "" {
		msg.SetGenHeader("X-Hotline-Reference", m.Ref)
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

var (
	// messageID is a dot-atom left side and a host name, as email.MessageID makes.
	messageID = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$")
	reference = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// boundary is the multipart boundary for m: a hash of everything in it, so the
// same message always gets the same boundary, and no text in the message can
// contain it (that would need a hash of itself).
func boundary(m email.Message) string {
	h := sha256.New()
	for _, s := range []string{m.MessageID, m.From, m.To, m.Subject, m.Text, m.HTML} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "hotline-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// headerLine folds line breaks and control characters into spaces.
func headerLine(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, "\uFFFD"), func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r) || r == 0x2028 || r == 0x2029
	}), " ")
}
