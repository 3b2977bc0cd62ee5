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
// allocations. Run: go test ./pack -run '^$' -bench Screening -benchmem
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

// BenchmarkLoad loads and checks the whole sample pack.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := pack.Load(defaultpack.FS, today); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreen describes the web chat's screen (buttons, progress) at the
// problem menu, as each web chat answer does after its step.
// Run: go test ./pack -run '^$' -bench Screen -benchmem
func BenchmarkScreen(b *testing.B) {
	sample := loadSample(b)
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, sample.Flow.Location)
	var st flows.State
	for _, text := range englishScript[:5] {
		st, _ = sample.Step(st, flows.Input{Text: text, Channel: "web", Now: now})
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := sample.Screen(st, nil, "web"); s.Question == nil || len(s.Question.Choices) != 8 {
			b.Fatalf("no menu: %+v", s)
		}
	}
}
