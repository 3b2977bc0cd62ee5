package answer

import (
	"strings"
	"testing"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		in     string
		assume Period
		want   int64
		wantOK bool
	}{
		{"1800", PerMonth, 180000, true},
		{"$1,800", PerMonth, 180000, true},
		{"$1,800.50", PerMonth, 180050, true},
		{"$1,800.50.", PerMonth, 180050, true},
		{"1800 dollars", PerMonth, 180000, true},
		{"1800$", PerMonth, 180000, true},
		{"USD 1800", PerMonth, 180000, true},
		{"1.8k", PerMonth, 180000, true},
		{"1,8k", PerMonth, 180000, true},
		{"2k", PerMonth, 200000, true},
		{"2K", PerMonth, 200000, true},
		{"2 mil", PerMonth, 200000, true},
		{"30 thousand a year", PerMonth, 250000, true},
		{"2000/mo", PerMonth, 200000, true},
		{"2000 per month", PerWeek, 200000, true}, // stated period wins over assume
		{"$2000 a month", PerMonth, 200000, true},
		{"2000 monthly", PerYear, 200000, true},
		{"500 a week", PerMonth, 216667, true},
		{"500/wk", PerMonth, 216667, true},
		{"500 weekly", PerMonth, 216667, true},
		{"500 every week", PerMonth, 216667, true},
		{"500 every two weeks", PerMonth, 108333, true},
		{"500 every 2 weeks", PerMonth, 108333, true},
		{"500 every other week", PerMonth, 108333, true},
		{"1000 biweekly", PerMonth, 216667, true},
		{"1000 bi-weekly", PerMonth, 216667, true},
		{"1000 cada dos semanas", PerMonth, 216667, true},
		{"900 twice a month", PerMonth, 180000, true},
		{"900 2x a month", PerMonth, 180000, true},
		{"900 2 times a month", PerMonth, 180000, true},
		{"900 semi-monthly", PerMonth, 180000, true},
		{"900 semimonthly", PerMonth, 180000, true},
		{"900 quincenal", PerMonth, 180000, true},
		{"900 por quincena", PerMonth, 180000, true},
		{"900 dos veces al mes", PerMonth, 180000, true},
		{"30000 a year", PerMonth, 250000, true},
		{"30k/yr", PerMonth, 250000, true},
		{"30,000 annually", PerMonth, 250000, true},
		{"$30000 per year", PerMonth, 250000, true},
		{"2000 al mes", PerMonth, 200000, true},
		{"500 por semana", PerMonth, 216667, true},
		{"500 a la semana", PerMonth, 216667, true},
		{"30000 al año", PerMonth, 250000, true},
		{"30000 por año", PerMonth, 250000, true},
		{"30000 anual", PerMonth, 250000, true},
		{"1.800", PerMonth, 180000, true},
		{"1.800,50", PerMonth, 180050, true},
		{"1,800.5", PerMonth, 180050, true},
		{"12.345.678", PerYear, 102880650, true}, // 12,345,678 / 12 = 1,028,806.50
		{"1800.555", PerMonth, 180056, true},     // four digits before: a fraction, rounded half up
		{"0.005", PerMonth, 1, true},             // half a cent rounds up
		{"0.0049", PerMonth, 0, true},
		{"1.2345k", PerMonth, 123450, true},
		{"1.23456k", PerMonth, 123456, true}, // exact: the multiplier does not round
		{"0.00495", PerMonth, 0, true},       // 0.495 cents: rounded once, down
		{"0.005 a week", PerMonth, 2, true},  // 0.5 × 52/12 = 2.17 cents
		{"1.0000001", PerMonth, 0, false},    // seven decimals is not money
		{"1.5 million a year", PerMonth, 12500000, true},
		{"0.5 billion", PerYear, 0, false},
		{"0", PerMonth, 0, true},
		{"$0", PerMonth, 0, true},
		{"0 a week", PerMonth, 0, true},
		{"none", PerMonth, 0, true},
		{"nothing", PerMonth, 0, true},
		{"no income", PerMonth, 0, true},
		{"I have no income", PerMonth, 0, true},
		{"zero", PerMonth, 0, true},
		{"nada", PerMonth, 0, true},
		{"ninguno", PerMonth, 0, true},
		{"cero", PerMonth, 0, true},
		{"sin ingresos", PerMonth, 0, true},
		{"no tengo ingresos", PerMonth, 0, true},
		{"Nada.", PerWeek, 0, true},
		{"$0 (none)", PerMonth, 0, true},
		{"1800", PerWeek, 780000, true},
		{"1800", PerTwoWeeks, 390000, true},
		{"1800", PerHalfMonth, 360000, true},
		{"1800", PerYear, 15000, true},
		{"1", PerYear, 8, true}, // 8.33 cents
		{"1", PerWeek, 433, true},
		{"1800 or 2000", PerMonth, 0, false},
		{"1500-2000", PerMonth, 0, false},
		{"$1,800 ($1800)", PerMonth, 180000, true},
		{"1800 a month, 450 a week", PerMonth, 0, false},
		{"none, but 200 from my mom", PerMonth, 0, false},
		{"", PerMonth, 0, false},
		{"   ", PerMonth, 0, false},
		{"$", PerMonth, 0, false},
		{"a lot", PerMonth, 0, false},
		{"two thousand", PerMonth, 0, false}, // spelled-out amounts are not read
		{"k", PerMonth, 0, false},
		{"-5", PerMonth, 0, false},
		{"-$500", PerMonth, 0, false},
		{"$-500", PerMonth, 0, false},
		{"−500", PerMonth, 0, false},
		{"1e9", PerMonth, 0, false},
		{"15 an hour", PerMonth, 0, false},
		{"15/hr", PerMonth, 0, false},
		{"100 a day", PerMonth, 0, false},
		{"600 cada 15 dias", PerMonth, 120000, true},
		{"600 every 14 days", PerMonth, 130000, true},
		{"600 every 7 days", PerMonth, 260000, true},
		{"600 every 10 days", PerMonth, 0, false},
		{"I get paid 1000 every 2 weeks", PerMonth, 216667, true},
		{"like $2,000 a month after taxes", PerMonth, 200000, true},
		{"1200 a month for 2 people", PerMonth, 0, false}, // two numbers
		{"1 800", PerMonth, 0, false},                     // two numbers, not a thousands space
		{"$2.500,00", PerMonth, 250000, true},
		{"2,500.00", PerMonth, 250000, true},
		{"500 every 3 weeks", PerMonth, 0, false},
		{"500 twice a week", PerMonth, 0, false},
		{"500 bimonthly", PerMonth, 0, false},
		{"500 every two months", PerMonth, 0, false},
		{"2000 a month or 500 a week", PerMonth, 0, false},
		{"1,000,00", PerMonth, 0, false},
		{"1.5.3", PerMonth, 0, false},
		{"10000000", PerMonth, 1_000_000_000, true},
		{"10000000.01", PerMonth, 0, false},
		{"120000000 a year", PerMonth, 1_000_000_000, true},
		{"120000012 a year", PerMonth, 0, false},
		{"10001k", PerMonth, 0, false},
		{"1 billion", PerYear, 0, false},
		{"1 million a year", PerMonth, 8333333, true},
		{"99999999999999999999999", PerMonth, 0, false},
		{"1800", Period(99), 0, false},
		{"1800 a month", Period(-1), 180000, true}, // a stated period makes assume irrelevant
		{"٣٠٠", PerMonth, 0, false},
		{"\xff\xfe", PerMonth, 0, false},
		{"1800\xff", PerMonth, 180000, true},
		{"💰1800💰", PerMonth, 180000, true},
		{strings.Repeat("1", 10000), PerMonth, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Money(tt.in, tt.assume)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Money(%q, %d) = %d, %v; want %d, %v", tt.in, tt.assume, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	t.Run("allocations", func(t *testing.T) {
		for _, in := range []string{"1800", "$1,800 a month", "500 a week"} {
			if got := testing.AllocsPerRun(100, func() { Money(in, PerMonth) }); got > 1 {
				t.Errorf("Money(%q) allocates %v times; want at most 1", in, got)
			}
		}
	})
}

// TestPeriodDefault checks that the zero Period is PerMonth, which callers
// rely on when they leave the period unset.
func TestPeriodDefault(t *testing.T) {
	var p Period
	if p != PerMonth {
		t.Errorf("zero Period = %d; want PerMonth (%d)", p, PerMonth)
	}
	if got, ok := Money("1800", p); got != 180000 || !ok {
		t.Errorf("Money(%q, zero Period) = %d, %v; want 180000, true", "1800", got, ok)
	}
}
