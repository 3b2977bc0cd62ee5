package bot

import (
	"strings"
	"sync"
	"time"
)

// unsure remembers, per conversation, the last message whose fate the service
// could not learn: its commit got no answer before its deadline, and the last
// look (recheck) got none either. The person was told to send it again, but it
// may have been applied, its answer lost on the way back. If the next message
// of that conversation in this process is the same text, and the store now says
// the first was applied, the resend is answered with the first one's replies
// instead of being taken as the answer to the next question.
//
// In memory, per process: a resend that reaches another process is stepped as
// usual. A few entries at most in normal times; bounded anyway.
type unsure struct {
	mu sync.Mutex
	m  map[string]unsureMessage
}

// unsureMessage is a message of unknown fate.
type unsureMessage struct {
	id, text string
	until    time.Time
}

// Bounds of the unsure messages kept.
const (
	// unsureFor is how long a message of unknown fate is remembered: the
	// person resends within minutes of the apology, or not at all.
	unsureFor = time.Hour
	// maxUnsure bounds the map: an outage long enough to fill it is long
	// enough for the circuit to be open, so few messages reach that far.
	maxUnsure = 10_000
)

func newUnsure() *unsure { return &unsure{m: map[string]unsureMessage{}} }

// add remembers that the message id with text, of conversation key, may or may
// not have been applied.
func (u *unsure) add(key, id, text string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.m) >= maxUnsure {
		for k, v := range u.m { // the expired ones
			if now.After(v.until) {
				delete(u.m, k)
			}
		}
		for k := range u.m { // else any one
			if len(u.m) < maxUnsure {
				break
			}
			delete(u.m, k)
		}
	}
	u.m[key] = unsureMessage{id: id, text: text, until: now.Add(unsureFor)}
}

// take returns and forgets the message of unknown fate of conversation key, if
// there is one and text is the same (a resend).
func (u *unsure) take(key, text string, now time.Time) (unsureMessage, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	m, ok := u.m[key]
	if !ok {
		return unsureMessage{}, false
	}
	delete(u.m, key)
	if now.After(m.until) || !strings.EqualFold(strings.TrimSpace(m.text), strings.TrimSpace(text)) {
		return unsureMessage{}, false
	}
	return m, true
}
