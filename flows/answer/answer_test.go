package answer

import (
	"strings"
	"testing"
)

// long is a 10 KB answer, for checking that huge input is handled, not
// choked on.
var long = strings.Repeat("yes ", 2560)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"  ¡SÍ!  ", "si"},
		{"Atrás.", "atras"},
		{"STOP ", "stop"},
		{"", ""},
		{"   ", ""},
		{"¿?!.", ""},
		{"yes", "yes"},
		{"Ñandú ÜBER Çava", "nandu uber cava"},
		{"ÀÉÎÕÜ àéîõü", "aeiou aeiou"},
		{"Straße", "strasse"},
		{"STRAẞE", "strasse"}, // capital sharp s lowercases into the fold table
		{"Œuvre Æon", "oeuvre aeon"},
		{"Łódź", "lodz"},
		{"e\u0301", "e"}, // decomposed é
		{"a\u00a0\u00a0b", "a b"},
		{"a\t\n\r b", "a b"},
		{"a\u2003b\u3000c", "a b c"},
		{"\xff\xfeyes\xff", "yes"},
		{"y\xc3es", "yes"}, // truncated UTF-8 in the middle
		{"ye\x00s\x07", "yes"},
		{"zero\u200bwidth", "zerowidth"},
		{"“Yes”", "yes"},
		{"‘no’", "no"},
		{"I don’t know", "i don't know"},
		{"«vale»", "vale"},
		{"no...", "no"},
		{"hmm… ok!", "hmm… ok"},
		{"¡ sí !", "si"},
		{"a , b", "a , b"}, // only the ends are trimmed
		{"$1,800.50.", "$1,800.50"},
		{"#2", "#2"},
		{"2)", "2)"},
		{"👍", "👍"},
		{"👍\ufe0f", "👍"},
		{"ПРИВЕТ", "привет"},
		{"٣", "٣"},
		{"ºª", "oa"},
		{"\ufffd", "\ufffd"}, // a literal replacement character is valid text
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("10KB", func(t *testing.T) {
		got := Normalize(strings.ToUpper(long))
		if want := strings.TrimSpace(long); got != want {
			t.Errorf("Normalize(10 KB) has length %d; want %d", len(got), len(want))
		}
	})
}

func TestNormalizeAllocs(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"yes", 0},
		{" 60612 ", 0},
		{"yes.", 0},
		{"Yes", 1},
		{"  ¡SÍ!  ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, func() { Normalize(tt.in) }); got > tt.want {
				t.Errorf("Normalize(%q) allocates %v times; want at most %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		in     string
		max    int
		want   string
		wantOK bool
	}{
		{"José García", 0, "José García", true},
		{"  José   García \n", 100, "José García", true},
		{"line one\nline two", 0, "line one line two", true},
		{"a\x00b\x1fc\x7fd", 0, "abcd", true},
		{"\xff\xfeok", 0, "ok", true},
		{"bad\u202Eevil", 0, "badevil", true},
		{"\ufeffhello", 0, "hello", true},
		{"tab\tsep", 0, "tab sep", true},
		{"nbsp\u00a0\u00a0here", 0, "nbsp here", true},
		{"👍🏽 family 👨‍👩‍👧", 0, "👍🏽 family 👨‍👩‍👧", true}, // ZWJ sequences survive
		{"", 0, "", false},
		{"   ", 0, "", false},
		{"\x00\x01", 0, "", false},
		{"\xff\xfe", 0, "", false},
		{"ñandú", 5, "ñandú", true}, // five runes, more bytes
		{"ñandús", 5, "ñandús", false},
		{"abc", -1, "abc", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Text(tt.in, tt.max)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Text(%q, %d) = %q, %v; want %q, %v", tt.in, tt.max, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	t.Run("10KB", func(t *testing.T) {
		if _, ok := Text(long, 500); ok {
			t.Errorf("Text(10 KB, 500) ok; want too long")
		}
		if got, ok := Text(long, 0); !ok || got != strings.TrimSpace(long) {
			t.Errorf("Text(10 KB, 0) = len %d, %v; want len %d, true", len(got), ok, len(long)-1)
		}
	})
	t.Run("clean input does not allocate", func(t *testing.T) {
		if got := testing.AllocsPerRun(100, func() { Text("José García", 100) }); got != 0 {
			t.Errorf("Text allocates %v times; want 0", got)
		}
	})
}

func TestIsSkip(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"skip", true},
		{"SKIP", true},
		{"Skip.", true},
		{"skip please", true},
		{"none", true},
		{"n/a", true},
		{"N/A", true},
		{"na", true},
		{"no one", true},
		{"nobody", true},
		{"pass", true},
		{"omitir", true},
		{"saltar", true},
		{"ninguno", true},
		{"Ninguna", true},
		{"nadie", true},
		{"no se", true},
		{"No sé.", true},
		{"no lo sé", true},
		{"i don't know", true},
		{"I don’t know", true},
		{"i dont know", true},
		{"don't know", true},
		{"idk", true},
		{"IDK!!", true},
		{"¿no sé?", true},
		{"pass, thanks", true},
		{"", false},
		{"   ", false},
		{"no", false},
		{"yes", false},
		{"skipping school", false},
		{"I don't know if I can skip work", false},
		{"Maria", false},
		{"\xff\xfe", false},
		{"👍", false},
		{long, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsSkip(tt.in); got != tt.want {
				t.Errorf("IsSkip(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestYesNo(t *testing.T) {
	tests := []struct {
		in              string
		wantYes, wantOK bool
	}{
		{"yes", true, true},
		{"Yes", true, true},
		{" YES! ", true, true},
		{"y", true, true},
		{"yeah", true, true},
		{"yep", true, true},
		{"yup", true, true},
		{"yes please", true, true},
		{"sure", true, true},
		{"ok", true, true},
		{"okay", true, true},
		{"OK.", true, true},
		{"correct", true, true},
		{"right", true, true},
		{"true", true, true},
		{"si", true, true},
		{"sí", true, true},
		{"Sí.", true, true},
		{"¡SÍ!", true, true},
		{"s", true, true},
		{"claro", true, true},
		{"correcto", true, true},
		{"de acuerdo", true, true},
		{"vale", true, true},
		{"yesss", true, true},
		{"siii", true, true},
		{"yes it is", true, true},
		{"yes, I do", true, true},
		{"si claro", true, true},
		{"si, tengo", true, true},
		{"👍", true, true},
		{"👍🏽", true, true},
		{"👍👍", true, true},
		{"👍\ufe0f", true, true},
		{"no", false, true},
		{"No.", false, true},
		{"NO!", false, true},
		{"n", false, true},
		{"nope", false, true},
		{"nah", false, true},
		{"not", false, true},
		{"false", false, true},
		{"incorrect", false, true},
		{"nooo", false, true},
		{"no thanks", false, true},
		{"no gracias", false, true},
		{"no, I don't", false, true},
		{"not really", false, true},
		{"not yet", false, true},
		{"👎", false, true},
		{"absolutely not", false, true},
		{"claro que no", false, true},
		{"okey", true, true},
		{"nop", false, true},
		{"", false, false},
		{"   ", false, false},
		{"maybe", false, false},
		{"quizás", false, false},
		{"no se", false, false},
		{"No sé", false, false},
		{"no lo se", false, false},
		{"not sure", false, false},
		{"no idea", false, false},
		{"no estoy segura", false, false},
		{"no, I don't know", false, false},
		{"yes or no", false, false},
		{"si no", false, false},
		{"yes no", false, false},
		{"no, yes", false, false},
		{"right now", false, false},
		{"n/a", false, false},
		{"nothing", false, false},
		{"yesterday", false, false},
		{"sin", false, false},
		{"\xff\xfe", false, false},
		{"😀", false, false},
		{"3", false, false},
		{long, true, true}, // "yes yes yes ...": a leading yes
		{strings.Repeat("x", 10000), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			yes, ok := YesNo(tt.in)
			if yes != tt.wantYes || ok != tt.wantOK {
				t.Errorf("YesNo(%q) = %v, %v; want %v, %v", tt.in, yes, ok, tt.wantYes, tt.wantOK)
			}
		})
	}
	t.Run("allocations", func(t *testing.T) {
		for _, in := range []string{"yes", "no thanks", "Sí"} {
			if got := testing.AllocsPerRun(100, func() { YesNo(in) }); got > 1 {
				t.Errorf("YesNo(%q) allocates %v times; want at most 1", in, got)
			}
		}
	})
}

// legalIssues is a typical Choice menu.
var legalIssues = [][]string{
	{"1", "housing", "eviction", "evicted", "desalojo", "landlord", "casero"},
	{"2", "family", "divorce", "custody", "familia", "divorcio", "custodia"},
	{"3", "immigration", "inmigracion", "visa", "green card"},
	{"4", "other", "otro", "something else"},
}

func TestChoice(t *testing.T) {
	tests := []struct {
		in        string
		options   [][]string
		wantIndex int
		wantOK    bool
	}{
		{"1", legalIssues, 0, true},
		{" 2 ", legalIssues, 1, true},
		{"#2", legalIssues, 1, true},
		{"2.", legalIssues, 1, true},
		{"2)", legalIssues, 1, true},
		{"(3)", legalIssues, 2, true},
		{"option 2", legalIssues, 1, true},
		{"Opción 2", legalIssues, 1, true},
		{"number 4", legalIssues, 3, true},
		{"Housing", legalIssues, 0, true},
		{"DESALOJO", legalIssues, 0, true},
		{"inmigración", legalIssues, 2, true},
		{"I'm getting evicted by my landlord", legalIssues, 0, true},
		{"my landlord gave me 3 days", legalIssues, 0, true},
		{"I need a green card", legalIssues, 2, true},
		{"green card stuff", legalIssues, 2, true},
		{"1 housing", legalIssues, 0, true},
		{"something else entirely", legalIssues, 3, true},
		{"divorce and custody", legalIssues, 1, true},
		{"landlord wants a divorce", legalIssues, 0, false}, // two options
		{"1 or 2", legalIssues, 0, false},
		{"3 days", legalIssues, 0, false}, // digits only match exactly
		{"22", legalIssues, 0, false},
		{"housingx", legalIssues, 0, false}, // whole words only
		{"families", legalIssues, 0, false},
		{"", legalIssues, 0, false},
		{"   ", legalIssues, 0, false},
		{"\xff\xfe", legalIssues, 0, false},
		{"👍", legalIssues, 0, false},
		{"1", nil, 0, false},
		{"1", [][]string{{}, {""}, {"1"}}, 2, true},
		{"", [][]string{{""}}, 0, false},
		{"yes", [][]string{{"yes", "si"}, {"no"}}, 0, true},
		{"si", [][]string{{"yes", "si"}, {"si"}}, 0, false}, // same word in two options
		{"nothing", [][]string{{"yes"}, {"no"}}, 0, false},
		{long, legalIssues, 0, false},
		{long + " landlord", legalIssues, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			index, ok := Choice(tt.in, tt.options)
			if index != tt.wantIndex || ok != tt.wantOK {
				t.Errorf("Choice(%q) = %d, %v; want %d, %v", tt.in, index, ok, tt.wantIndex, tt.wantOK)
			}
		})
	}
}

func TestChoiceAllocations(t *testing.T) {
	for _, in := range []string{"1", "#2", "Housing", "I'm getting evicted by my landlord"} {
		if got := testing.AllocsPerRun(100, func() { Choice(in, legalIssues) }); got > 1 {
			t.Errorf("Choice(%q) allocates %v times; want at most 1", in, got)
		}
	}
}
