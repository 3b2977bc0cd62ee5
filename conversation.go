package hotline

import (
	"crypto/sha256"
	"encoding/base32"
)

// The channels people reach the hotline by.
const (
	ChannelSMS      = "sms"
	ChannelWhatsApp = "whatsapp"
	ChannelWeb      = "web"
)

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

// Key returns the conversation's storage key: a hash, so that no phone number
// appears in Redis keys, logs of keys or metrics.
func (c Conversation) Key() string {
	var buf [128]byte // on the stack for any real sender and number
	b := append(append(append(append(append(buf[:0], c.Channel...), 0), c.From...), 0), c.To...)
	sum := sha256.Sum256(b)
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
}
