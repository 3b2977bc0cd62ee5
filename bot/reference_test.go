package bot_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hotline-legal/hotline/bot"
)

func TestNewReference(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		ref, err := bot.NewReference(rand.Reader, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ref) != 7 || !strings.HasPrefix(ref, "H-") || strings.ContainsAny(ref[2:], "0O1IL2Z5S8BUV") {
			t.Fatalf("NewReference() = %q: want H- and five characters without look-alikes", ref)
		}
		seen[ref] = true
	}
	// 23^5 ≈ 6.4 million references: 2,000 draws should almost never repeat.
	if len(seen) < 1990 {
		t.Errorf("only %d distinct references in 2000", len(seen))
	}
	// Bytes at or over 253 are skipped so that every character is equally likely.
	ref, err := bot.NewReference(bytes.NewReader(append(bytes.Repeat([]byte{255}, 16), make([]byte, 16)...)), 0)
	if err != nil || ref != "H-33333" {
		t.Errorf("NewReference(255s then 0s) = %q, %v; want H-33333", ref, err)
	}
	if _, err := bot.NewReference(iotest.ErrReader(errors.New("no entropy")), 0); err == nil {
		t.Error("NewReference with a failing reader succeeded")
	}
}
