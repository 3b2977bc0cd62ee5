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
		{"2 grand", PerMonth, 200000, true},
		{"2 grand a month", PerWeek, 200000, true},
		{"about 2 grand a month", PerMonth, 200000, true},
		{"30 grand a year", PerMonth, 250000, true},
		// Once: the amount itself, and no period.
		{"$6,000", Once, 600000, true},
		{"6k", Once, 600000, true},
		{"i owe 6000", Once, 600000, true},
		{"debo 6.000 dolares", Once, 600000, true},
		{"6 grand", Once, 600000, true},
		{"$1,234.56", Once, 123456, true},
		{"0.005", Once, 1, true},
		{"nothing", Once, 0, true},
		{"10000000", Once, 1_000_000_000, true},
		{"10000001", Once, 0, false},
		{"6000 a month", Once, 0, false},
		{"600 a week", Once, 0, false},
		{"6000 al año", Once, 0, false},
		{"15 an hour", Once, 0, false},
		{"1200 a paycheck", Once, 0, false},
		{"6000 or 7000", Once, 0, false},
		// Hourly rates, paychecks and hours are ReadMoney's; Money refuses
		// them rather than read them as monthly.
		{"15 an hour 30 hours a week", PerMonth, 0, false},
		{"$15/hr, 30 hrs a week", PerMonth, 0, false},
		{"15 la hora", PerMonth, 0, false},
		{"1200 a paycheck", PerMonth, 0, false},
		{"1200 per check", PerMonth, 0, false},
		{"1200 por cheque", PerMonth, 0, false},
		{"my paycheck is 1200", PerMonth, 0, false},
		{"1200 a paycheck every 2 weeks", PerMonth, 260000, true}, // the period wins
		{"I get a check for 900 a month", PerMonth, 90000, true},
		{"900 ssi check", PerMonth, 90000, true},
		{"I get a check for 900", PerMonth, 90000, true},
		{"1800", PerHour, 0, false},
		{"1800", PerPaycheck, 0, false},
		{"1800 a month", PerHour, 180000, true},
		{"1800 part time", PerMonth, 180000, true},
		{"$15/h", PerMonth, 0, false}, // was $15 a month before "h" was an hour word
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

func TestReadMoney(t *testing.T) {
	type r = MoneyReading
	tests := []struct {
		in     string
		assume Period
		want   MoneyReading
		wantOK bool
	}{
		// Hourly, full time assumed: 15×40×52/12 = 2600.
		{"$15 an hour", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 an hour", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15/hr", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 / hr", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 hourly", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"$15/h", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"$18.50/hr 32 hours/week", PerMonth, r{256533, 1850, PerHour, 32, false}, true},
		{"15 an hour 40h a week", PerMonth, r{260000, 1500, PerHour, 40, false}, true},
		{"1200 a paycheck twice a month", PerMonth, r{240000, 120000, PerHalfMonth, 0, false}, true},
		{"15 x hora", PerMonth, r{}, false}, // "x" counts times: not read
		{"15 per hour", PerYear, r{260000, 1500, PerHour, 40, true}, true},
		{"$15 per hr", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"$15 hr", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 dollars an hour", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"I make $15 an hour", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 an hour full time", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 la hora", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 por hora", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"15 a la hora", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"Gano $15 por hora", PerMonth, r{260000, 1500, PerHour, 40, true}, true},
		{"$15.50/hr", PerMonth, r{268667, 1550, PerHour, 40, true}, true}, // 15.5×40×52/12 = 2686.666…
		{"7.25 an hour", PerMonth, r{125667, 725, PerHour, 40, true}, true},
		// Hourly with hours a week.
		{"15 an hour 30 hours a week", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"$15/hr, 30 hrs a week", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"$15/hr 30hrs/wk", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"15 an hour, 30 hours per week", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"15 an hour 30 hours weekly", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"I work 30 hours a week at $15 an hour", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"30 hrs a week, 15/hr", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"15 la hora 30 horas a la semana", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"15 por hora, 30 horas por semana", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"trabajo 30 horas semanales a 15 la hora", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		{"15 an hour, 60 hours a week", PerMonth, r{390000, 1500, PerHour, 60, false}, true},
		{"15/hr 100 hrs a week", PerMonth, r{650000, 1500, PerHour, 100, false}, true},
		{"15/hr 1 hour a week", PerMonth, r{6500, 1500, PerHour, 1, false}, true},
		{"15 an hour part time 20 hours a week", PerMonth, r{130000, 1500, PerHour, 20, false}, true},
		{"15 an hour 30 hours", PerMonth, r{195000, 1500, PerHour, 30, true}, true}, // a week assumed
		{"15 an hour, 30 hours a week, 30 hrs/wk", PerMonth, r{195000, 1500, PerHour, 30, false}, true},
		// assume PerHour: a bare amount is an hourly rate.
		{"15", PerHour, r{260000, 1500, PerHour, 40, true}, true},
		{"$15, 20 hours a week", PerHour, r{130000, 1500, PerHour, 20, false}, true},
		{"2000 a month", PerHour, r{200000, 200000, PerMonth, 0, false}, true},
		// Hourly refusals.
		{"15 an hour 0 hours a week", PerMonth, r{}, false},
		{"15 an hour 101 hours a week", PerMonth, r{}, false},
		{"15 an hour 37.5 hours a week", PerMonth, r{}, false},
		{"15 an hour 8 hours a day", PerMonth, r{}, false},
		{"15 an hour 80 hours every two weeks", PerMonth, r{}, false},
		{"15 an hour 30 hours a week 20 hours a week", PerMonth, r{}, false},
		{"15 an hour part time", PerMonth, r{}, false},
		{"15 an hour, part-time", PerMonth, r{}, false},
		{"15 la hora medio tiempo", PerMonth, r{}, false},
		{"15 la hora tiempo parcial", PerMonth, r{}, false},
		{"15 an hour or 16 an hour", PerMonth, r{}, false},
		{"15 an hour, 2000 a month", PerMonth, r{}, false},
		{"15 an hour, 2000 a paycheck", PerMonth, r{}, false},
		{"15 an hour paycheck", PerMonth, r{}, false},
		{"I work 30 hours a week", PerMonth, r{}, false},
		{"30 hours a week, 500 a week", PerMonth, r{}, false},
		{"30 hours", PerHour, r{}, false},
		{"15 hours", PerMonth, r{}, false},
		{"15hr", PerMonth, r{}, false}, // hours or a rate: not understood
		{"15 every 2 hours", PerMonth, r{}, false},
		{"100 a day", PerMonth, r{}, false},
		{"200000000 an hour", PerMonth, r{}, false},
		// Paychecks, every two weeks assumed: ×26/12.
		{"1200 a paycheck", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"$1,200 per paycheck", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 per check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 each paycheck", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 every check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 a check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1.2k a check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 dollars a check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 a pay check", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"my paycheck is 1200", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 por cheque", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1200 cada cheque", PerMonth, r{260000, 120000, PerPaycheck, 0, true}, true},
		{"1000", PerPaycheck, r{216667, 100000, PerPaycheck, 0, true}, true},
		{"1200 a paycheck every 2 weeks", PerMonth, r{260000, 120000, PerTwoWeeks, 0, false}, true},
		{"1200 a paycheck, paid weekly", PerMonth, r{520000, 120000, PerWeek, 0, false}, true},
		{"mi cheque es de 900 a la quincena", PerMonth, r{180000, 90000, PerHalfMonth, 0, false}, true},
		{"I get a check for 900", PerMonth, r{90000, 90000, PerMonth, 0, false}, true},
		{"900 ssi check", PerMonth, r{90000, 90000, PerMonth, 0, false}, true},
		{"1200 a paycheck or 1300", PerMonth, r{}, false},
		// "grand" and Once.
		{"2 grand", PerMonth, r{200000, 200000, PerMonth, 0, false}, true},
		{"2 grand a month", PerWeek, r{200000, 200000, PerMonth, 0, false}, true},
		{"$6,000", Once, r{600000, 600000, Once, 0, false}, true},
		{"6k", Once, r{600000, 600000, Once, 0, false}, true},
		{"i owe 6000", Once, r{600000, 600000, Once, 0, false}, true},
		{"debo 6 mil", Once, r{600000, 600000, Once, 0, false}, true},
		{"0.005", Once, r{1, 1, Once, 0, false}, true},
		{"6000 a month", Once, r{}, false},
		{"15 an hour", Once, r{}, false},
		{"1200 a paycheck", Once, r{}, false},
		{"6000, 30 hours", Once, r{}, false},
		// What Money reads, ReadMoney reads the same way.
		{"1800", PerMonth, r{180000, 180000, PerMonth, 0, false}, true},
		{"500 a week", PerMonth, r{216667, 50000, PerWeek, 0, false}, true},
		{"1000 biweekly", PerMonth, r{216667, 100000, PerTwoWeeks, 0, false}, true},
		{"900 twice a month", PerMonth, r{180000, 90000, PerHalfMonth, 0, false}, true},
		{"30k/yr", PerMonth, r{250000, 3000000, PerYear, 0, false}, true},
		{"1800", PerWeek, r{780000, 180000, PerWeek, 0, false}, true},
		{"nada", PerMonth, r{0, 0, PerMonth, 0, false}, true},
		{"1800.555", PerMonth, r{180056, 180056, PerMonth, 0, false}, true},
		{"1800", Period(99), r{}, false},
		{"", PerMonth, r{}, false},
		{"a lot", PerHour, r{}, false},
		{"-15 an hour", PerMonth, r{}, false},
		{strings.Repeat("15 an hour ", 1000), PerMonth, r{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ReadMoney(tt.in, tt.assume)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ReadMoney(%q, %d) = %+v, %v; want %+v, %v", tt.in, tt.assume, got, ok, tt.want, tt.wantOK)
			}
			if c, mok := Money(tt.in, tt.assume); mok && (!ok || got.Cents != c || got.Unsure) {
				t.Errorf("Money(%q, %d) = %d, true but ReadMoney = %+v, %v", tt.in, tt.assume, c, got, ok)
			}
		})
	}
	t.Run("allocations", func(t *testing.T) {
		for _, in := range []string{"15 an hour", "$15/hr, 30 hrs a week", "1200 a paycheck"} {
			if got := testing.AllocsPerRun(100, func() { ReadMoney(in, PerMonth) }); got > 1 {
				t.Errorf("ReadMoney(%q) allocates %v times; want at most 1", in, got)
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

// TestReadMoneyWith: a pack's own words make answers in another language
// readable; without them, "15 par heure" would be $15 a month.
func TestReadMoneyWith(t *testing.T) {
	fr := NewMoneyWords([]string{"heure", "heures"}, []string{"paie"}, []string{"semaine"}, nil, nil, []string{"mois"}, []string{"an"})
	tests := []struct {
		in     string
		cents  int64
		unsure bool
	}{
		{"15 par heure", 260000, true}, // full time assumed
		{"500 par semaine", 216667, false},
		{"2000 par mois", 200000, false},
		{"24000 par an", 200000, false},
		{"1200 par paie", 260000, true}, // every two weeks assumed
		{"500 a week", 216667, false},   // the parser's own words still work
	}
	for _, tt := range tests {
		r, ok := ReadMoneyWith(tt.in, PerMonth, fr)
		if !ok || r.Cents != tt.cents || r.Unsure != tt.unsure {
			t.Errorf("ReadMoneyWith(%q) = %+v, %v; want %d cents, unsure %v", tt.in, r, ok, tt.cents, tt.unsure)
		}
	}
	if r, ok := ReadMoney("15 par heure", PerMonth); ok && r.Per == PerHour {
		t.Errorf("without the pack's words, heure should be unknown: %+v", r)
	}
}
