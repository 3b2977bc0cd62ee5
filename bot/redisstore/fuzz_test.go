package redisstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// FuzzDecodeState feeds arbitrary bytes as a stored conversation: a state must
// be rejected or survive a round trip and a step.
func FuzzDecodeState(f *testing.F) {
	sample, _, err := pack.Load(defaultpack.FS, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		f.Fatal(err)
	}
	today := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	for i, text := range englishScript {
		st, _ = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today, Ref: "H-7F3K9"})
		if i%4 == 0 {
			f.Add(appendState(nil, &st))
		}
	}
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 255, 4, 'z', 'z', 'z', 'z', 0, 0, 1, 1, 'b', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeState(string(data))
		if err != nil {
			return
		}
		again := appendState(nil, &st)
		if want := referenceEncoding(st); string(again) != string(want) {
			t.Fatalf("a state read from %q encodes to %x; want %x", data, again, want)
		}
		back, err := decodeState(string(again))
		if err != nil {
			t.Fatalf("a state read from %q does not read back: %v", data, err)
		}
		if !reflect.DeepEqual(back, st) {
			t.Fatalf("a state read from %q reads back as %+v; want %+v", data, back, st)
		}
		for _, text := range []string{"hi", "1", "back", "STOP", "start", "yes"} {
			st, _ = sample.Step(st, flows.Input{Text: text, Channel: "sms", Now: today})
		}
	})
}

// BenchmarkMessageRoundTrip is what a message costs besides Redis: decode the
// stored state (mid-screening, eight answers saved), step, and encode the new
// state, whose bytes are then stored.
// Run: go test ./bot/redisstore -run '^$' -bench MessageRoundTrip -benchmem
func BenchmarkMessageRoundTrip(b *testing.B) {
	sample, _, err := pack.Load(defaultpack.FS, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	for _, text := range englishScript[:9] {
		st, _ = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: now, Ref: "H-7F3K9"})
	}
	data := string(appendState(nil, &st))
	in := flows.Input{Text: "3", Channel: "sms", From: "+13125550142", Now: now, Ref: "H-7F3K9"}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		s, err := decodeState(data)
		if err != nil {
			b.Fatal(err)
		}
		next, fx := sample.Step(s, in)
		buf = appendState(buf[:0], &next)
		if len(buf) == 0 || len(fx.Replies) == 0 {
			b.Fatal("no state or no reply")
		}
	}
}
