package redisstore

import (
	"encoding/binary"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// richState exercises every field of the encoding: all flags, an empty value,
// non-ASCII text, a string longer than 127 bytes (a two-byte length), a negative
// Seen and Tries above one byte's varint.
func richState() flows.State {
	long := ""
	for range 20 {
		long += "0123456789"
	}
	return flows.State{
		Step: "court_date",
		Answers: []flows.Answer{
			{Name: "callback", Value: "+13125550142"},
			{Name: "case_type", Value: "housing"},
			{Name: "language", Value: "es"},
			{Name: "name", Value: "María José Ñúñez 😀"},
			{Name: "notes", Value: long},
			{Name: "opponent", Value: ""},
			{Name: "urgent_reason", Value: "court date soon; lockout"},
		},
		History: []string{"language", "emergency", "safety", "zip", "problem", "problem"},
		Tries:   300,
		Seen:    -1764082800,
		Flags:   flows.Ended | flows.OptedOut | flows.Human | flows.Resuming,
	}
}

// richStateHex is richState in version 1 of the encoding, as the encoder wrote it
// before it was optimised (and so as states already stored were written): it must
// keep decoding to richState, and richState must keep encoding to these bytes.
const richStateHex = "010f0a636f7572745f64617465ac02df91ae920d070863616c6c6261636b0c2b313331323535353031343209636173655f7479706507686f7573696e67086c616e6775616765026573046e616d651a4d6172c3ad61204a6f73c3a920c391c3bac3b1657a20f09f9880056e6f746573c8013031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839086f70706f6e656e74000d757267656e745f726561736f6e18636f757274206461746520736f6f6e3b206c6f636b6f757406086c616e677561676509656d657267656e637906736166657479037a69700770726f626c656d0770726f626c656d"

func TestStateGoldenEncoding(t *testing.T) {
	want, err := hex.DecodeString(richStateHex)
	if err != nil {
		t.Fatal(err)
	}
	st := richState()
	got := appendState(make([]byte, 0, stateLen(&st)), &st)
	if string(got) != string(want) {
		t.Errorf("appendState:\n%x\nwant\n%x", got, want)
	}
	if len(got) != cap(got) {
		t.Errorf("stateLen is %d, but the encoding is %d bytes", cap(got), len(got))
	}
	if got := appendState([]byte("prefix"), &st); string(got) != "prefix"+string(want) {
		t.Errorf("appendState after a prefix:\n%x", got)
	}
	back, err := decodeState(string(want))
	if err != nil {
		t.Fatalf("decodeState: %v", err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Errorf("decoded:\n%+v\nwant\n%+v", back, st)
	}
}

// englishScript is a whole English screening of the sample pack.
var englishScript = []string{"hi", "1", "yes", "no", "60612", "1", "yes", "11/30", "Acme Properties", "3", "2000", "Maria", "yes", "yes", "yes"}

// TestStateEncodingMatchesReference encodes every state of the English screening
// and more, and the empty state, with appendState and with referenceEncoding: the
// bytes must be the same, and must decode to the state.
func TestStateEncodingMatchesReference(t *testing.T) {
	sample, _, err := pack.Load(defaultpack.FS, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	states := []flows.State{{}, richState()}
	var st flows.State
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	for i, text := range append(englishScript, "hola", "2", "back", "agent", "stop", "help", "start") {
		st, _ = sample.Step(st, flows.Input{Text: text, Channel: "sms", From: "+13125550142", Now: now.Add(time.Duration(i) * time.Minute)})
		states = append(states, st)
	}
	// A screening's state lives in Redis for days; it must stay small.
	if n := stateLen(&states[12]); n > 400 {
		t.Errorf("the state before the last answer encodes to %d bytes; want at most 400", n)
	}
	for _, st := range states {
		checkEncoding(t, st)
	}
}

// checkEncoding checks that st encodes to referenceEncoding's bytes and decodes
// back to itself.
func checkEncoding(t *testing.T, st flows.State) {
	t.Helper()
	got := appendState(nil, &st)
	if want := referenceEncoding(st); string(got) != string(want) {
		t.Fatalf("appendState(%+v):\n%x\nwant\n%x", st, got, want)
	}
	back, err := decodeState(string(got))
	if err != nil {
		t.Fatalf("decodeState(%x): %v", got, err)
	}
	if len(st.Answers) == 0 {
		st.Answers = nil // empty and nil encode alike
	}
	if len(st.History) == 0 {
		st.History = nil
	}
	if !reflect.DeepEqual(back, st) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", back, st)
	}
}

// referenceEncoding is version 1 of the state encoding written as plainly as
// possible (it is the encoder as it was before it was optimised), for the tests to
// hold the real encoder to.
func referenceEncoding(s flows.State) []byte {
	str := func(b []byte, s string) []byte {
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	b := []byte{1, byte(s.Flags)}
	b = str(b, s.Step)
	b = binary.AppendUvarint(b, uint64(s.Tries))
	b = binary.AppendVarint(b, s.Seen)
	b = binary.AppendUvarint(b, uint64(len(s.Answers)))
	for _, a := range s.Answers {
		b = str(b, a.Name)
		b = str(b, a.Value)
	}
	b = binary.AppendUvarint(b, uint64(len(s.History)))
	for _, h := range s.History {
		b = str(b, h)
	}
	return b
}
