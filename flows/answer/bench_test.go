package answer

import (
	"testing"
	"time"
)

// The benchmark inputs are typical answers, cycled so that no single fast
// path dominates.

func BenchmarkNormalize(b *testing.B) {
	inputs := []string{"yes", "  ¡SÍ!  ", "Atrás.", "I'm getting evicted by my landlord", "60612"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Normalize(inputs[i%len(inputs)])
	}
}

func BenchmarkMoney(b *testing.B) {
	inputs := []string{"1800", "$1,800.50", "500 a week", "30k/yr", "900 twice a month", "nada"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Money(inputs[i%len(inputs)], PerMonth)
	}
}

func BenchmarkDate(b *testing.B) {
	inputs := []string{"12/3", "Dec 3rd", "3 de diciembre", "tomorrow", "next monday", "2026-12-03"}
	today := time.Date(2026, time.November, 20, 15, 4, 5, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Date(inputs[i%len(inputs)], today)
	}
}

func BenchmarkChoice(b *testing.B) {
	inputs := []string{"1", "#2", "Housing", "I'm getting evicted by my landlord", "option 3"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Choice(inputs[i%len(inputs)], legalIssues)
	}
}

func BenchmarkReadMoney(b *testing.B) {
	inputs := []string{"1800", "$15 an hour", "$15/hr, 30 hrs a week", "15 la hora 30 horas a la semana", "1200 a paycheck", "2 grand a month"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ReadMoney(inputs[i%len(inputs)], PerMonth)
	}
}

func BenchmarkHousehold(b *testing.B) {
	inputs := []string{"3", "just me", "me and my 2 kids", "Yo y mis 3 hijos", "me, my husband and 2 kids", "somos 4"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Household(inputs[i%len(inputs)], householdWords)
	}
}
