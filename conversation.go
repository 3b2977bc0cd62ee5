package hotline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"hash"
	"sync"
)

// The channels people reach the hotline by.
const (
	ChannelSMS      = "sms"
	ChannelWhatsApp = "whatsapp"
	ChannelWeb      = "web"
)

// AnswersAfterStop reports whether a channel answers every message, after
// STOP too: the web chat does (a message after STOP starts anew), while a
// phone number gets silence until START, as carriers require.
func AnswersAfterStop(channel string) bool {
	return channel == ChannelWeb
}

// Conversation is who is talking on which line: one channel, one sender, one
// hotline number. Each has its own state; a reminder goes back the same way.
type Conversation struct {
	// Channel is "sms", "whatsapp" or "web".
	Channel string
	// From is the sender: an E.164 number (without "whatsapp:"), or a web session id.
	From string
	// To is the hotline number written to, "" on the web.
	To string
}

// Keys names conversations in storage. A key is an HMAC-SHA256 of the
// conversation under a server secret, so that no phone number appears in Redis
// keys, logs or metrics, and a key cannot be reversed: an unkeyed hash of a phone
// number is reversed by trying every number of an area code in seconds. Two
// servers with different secrets give one person different keys.
type Keys struct {
	// macs holds HMACs keyed with the secret: one is made per message
	// otherwise, and a key is computed for every message.
	macs sync.Pool
}

// MinSecretLen is the shortest secret Keys accepts: 32 bytes, 256 bits.
const MinSecretLen = 32

// NewKeys returns the Keys of a secret of at least MinSecretLen bytes.
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) < MinSecretLen {
		return nil, errors.New("hotline: the secret of conversation keys must be at least 32 bytes")
	}
	k := &Keys{}
	secret = append([]byte(nil), secret...)
	k.macs.New = func() any { return hmac.New(sha256.New, secret) }
	return k, nil
}

// Of returns the conversation's storage key: 24 lower-case letters and digits.
func (k *Keys) Of(c Conversation) string {
	var buf [128]byte // on the stack for any real sender and number
	b := append(append(append(append(append(buf[:0], c.Channel...), 0), c.From...), 0), c.To...)
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(b)
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	k.macs.Put(mac)
	return keyEncoding.EncodeToString(sum[:15])
}

// keyEncoding is base32 in lower case, without padding: 15 bytes make 24 letters.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Message is one inbound message.
type Message struct {
	Conversation
	// ID identifies the message for deduplication (Twilio's MessageSid); a message
	// delivered twice with one ID is applied once. "" turns deduplication off.
	ID string
	// Text is what the person wrote.
	Text string
	// MediaOnly marks media sent without text.
	MediaOnly bool
	// Silent applies the message but sends no reply: the carrier already answered
	// it (Twilio's Advanced Opt-Out handled STOP, START or HELP).
	Silent bool
	// ReferralsClosed says the sender may make no more referrals for now (the
	// web chat's daily cap per connection): a message that would make one is not
	// applied, and gets the pack's referral_limit text instead; a message that
	// asks for a person is applied, but the coordinator is not emailed.
	ReferralsClosed bool
	// Language is the language the web chat's page is in ("es"), or "": a new
	// conversation starts in it, without asking which language.
	Language string
	// LookupsClosed says the sender may look up no more referrals by their
	// reference for now (the web chat's cap per connection): a message that
	// is a reference is answered as any other text.
	LookupsClosed bool
	// SwitchLanguage marks a message that is no text but the page's language
	// button: the conversation switches to Language and the question waiting
	// is asked again in it.
	SwitchLanguage bool
}
