// Package bot is the conversation service: it applies each inbound message to its
// conversation exactly once and carries out the engine's effects.
package bot

import (
	"fmt"
	"io"
)

// ReferenceAlphabet has no characters that read alike on a phone screen or over the
// phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V.
const ReferenceAlphabet = "34679ACDEFGHJKMNPQRTWXY"

// NewReference returns a short reference for a referral, like "H-7F3K9", that a
// person can read out over the phone. rand should be crypto/rand.Reader. A first
// character other than 0 starts the reference (the store's shard, so that
// references checked unique within a shard are unique everywhere).
func NewReference(rand io.Reader, first byte) (string, error) {
	ref := []byte("H-00000")
	i := 2
	if first != 0 {
		ref[2] = first
		i = 3
	}
	var buf [16]byte
	for i < len(ref) {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return "", fmt.Errorf("bot: reference: %w", err)
		}
		for _, b := range buf {
			// Rejection sampling (bytes from 253 up are skipped) keeps every
			// character equally likely.
			if int(b) >= 256/len(ReferenceAlphabet)*len(ReferenceAlphabet) {
				continue
			}
			ref[i] = ReferenceAlphabet[int(b)%len(ReferenceAlphabet)]
			i++
			if i == len(ref) {
				break
			}
		}
	}
	return string(ref), nil
}
