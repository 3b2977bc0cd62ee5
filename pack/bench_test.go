package pack_test

import (
	"testing"
	"time"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/flows/defaultpack"
	"github.com/hotline-legal/hotline/pack"
)

// BenchmarkScreening runs the whole English screening (13 messages, 12 steps, to a
// referral) in-process: one op is one conversation. Goal: under 100 µs and 200
// allocations. Run: go test ./flows -run '^$' -bench Screening -benchmem
func BenchmarkScreening(b *testing.B) {
	sample := loadSample(b)
	start := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	in := flows.Input{Channel: "sms", From: "+13125550142", Ref: "H-7F3K9"}
	b.ReportAllocs()
	for b.Loop() {
		var st flows.State
		var fx pack.Effects
		for i, text := range englishScript {
			in.Text, in.Now = text, start.Add(time.Duration(i)*time.Minute)
			st, fx = sample.Step(st, in)
		}
		if fx.Referral == nil {
			b.Fatal("no referral")
		}
	}
}

// BenchmarkStepWithEncoding is one message as the server handles it: decode the
// stored state, step, encode it again.
func BenchmarkStepWithEncoding(b *testing.B) {
	sample := loadSample(b)
	st, _ := converse(sample, englishScript[:9], "+13125550142")
	data, _ := st.MarshalBinary()
	in := flows.Input{Text: "3", Channel: "sms", From: "+13125550142", Now: today}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var s flows.State
		if err := s.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		next, _ := sample.Step(s, in)
		buf, _ = next.AppendBinary(buf[:0])
	}
}

// BenchmarkMessageRoundTrip is exactly what the webhook does for one inbound
// message: decode the stored state (mid-screening, eight answers saved), step, and
// encode the new state with MarshalBinary, whose bytes are then stored.
// Run: go test ./flows -run '^$' -bench MessageRoundTrip -benchmem
func BenchmarkMessageRoundTrip(b *testing.B) {
	sample := loadSample(b)
	st, _ := converse(sample, englishScript[:9], "+13125550142")
	data, _ := st.MarshalBinary()
	in := flows.Input{Text: "3", Channel: "sms", From: "+13125550142", Now: today, Ref: "H-7F3K9"}
	b.ReportAllocs()
	for b.Loop() {
		var s flows.State
		if err := s.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		next, fx := sample.Step(s, in)
		out, err := next.MarshalBinary()
		if err != nil || len(out) == 0 || len(fx.Replies) == 0 {
			b.Fatal("no state or no reply")
		}
	}
}

// BenchmarkLoad loads and checks the whole sample sample.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := pack.Load(defaultpack.FS, today); err != nil {
			b.Fatal(err)
		}
	}
}
