package flows_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// today is the tests' date: the sample's court dates are counted from it.
var today = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// englishScript is a whole English screening of the sample pack.
var englishScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes"}

// loadSample loads the sample pack whole (its flow needs the pack's referrer).
func loadSample(t testing.TB) *flows.Flow {
	t.Helper()
	p, _, err := pack.Load(defaultpack.FS, today)
	if err != nil {
		t.Fatalf("pack.Load(sample): %v", err)
	}
	return p.Flow
}

// converse sends texts one a minute and returns the state after the last.
func converse(flow *flows.Flow, texts []string) flows.State {
	var st flows.State
	for i, text := range texts {
		st, _ = flow.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: today.Add(time.Duration(i) * time.Minute), Ref: "H-7F3K9"})
	}
	return st
}

// FuzzUnmarshalState feeds arbitrary bytes as a stored conversation: a state must
// be rejected or survive a round trip and a step.
func FuzzUnmarshalState(f *testing.F) {
	flow := loadSample(f)
	for n := 0; n <= len(englishScript); n += 4 {
		st := converse(flow, englishScript[:n])
		data, _ := st.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 255, 4, 'z', 'z', 'z', 'z', 0, 0, 1, 1, 'b', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var st flows.State
		if err := st.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceEncoding(st); string(again) != string(want) {
			t.Fatalf("a state read from %q encodes to %x; want %x", data, again, want)
		}
		var back flows.State
		if err := back.UnmarshalBinary(again); err != nil {
			t.Fatalf("a state read from %q does not read back: %v", data, err)
		}
		if !reflect.DeepEqual(back, st) {
			t.Fatalf("a state read from %q reads back as %+v; want %+v", data, back, st)
		}
		for _, text := range []string{"hi", "1", "back", "STOP", "start", "yes"} {
			st, _ = flow.Step(st, flows.Input{Text: text, Channel: "sms", Now: today})
		}
	})
}
