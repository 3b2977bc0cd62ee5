package answer

import (
	"reflect"
	"testing"
)

func TestPhrasesMatch(t *testing.T) {
	tests := []struct {
		phrase, msg string
		want        bool
	}{
		{"hit me", "He HIT me!!", true},
		{"hit me", "he hot me", false},                       // short words are exact
		{"hes going to kill", "he's going to kill me", true}, // apostrophes dropped
		{"scared", "im so scraed", true},                     // neighbours swapped
		{"scared", "we shared the apartment", false},         // c→h is not a likely typo
		{"lease", "please help", false},                      // the first letter must be right
		{"stalking me", "hes talking me into it", false},     // so must the first letter
		{"fired", "there was a fire", false},                 // the message's word must be 5+ letters too
		{"custody", "need custady of my son", true},          // a vowel for another
		{"divorcio", "quiero el divorsio", true},             // letters that sound alike
		{"landlord", "my landlrod", true},
		{"abuse", "it would amuse him", false},
		{"debt", "i have debts", true},      // plural
		{"debts", "a debt", true},           // singular
		{"papel", "me piden papeles", true}, // Spanish plural in -es
		{"me pega", "mes pega", false},      // two letters: no plural
		{"deuda", "tengo deudas", true},
		{"desalojar", "quieren desalojarme", true}, // a pronoun attached to an infinitive
		{"amenazando", "sigue amenazandome", true}, // and to a gerund
		{"casa", "casame", false},                  // not to other words
		{"me va a matar", "me va a matar", true},
		{"tengo miedo", "tengo mucho miedo", false}, // words one after another
		{"in danger", "", false},
	}
	for _, tt := range tests {
		_, got := NewPhrases([]string{tt.phrase}).Match(Normalize(tt.msg))
		if got != tt.want {
			t.Errorf("%q in %q: %v, want %v", tt.phrase, tt.msg, got, tt.want)
		}
	}
}

func TestPhrasesIndex(t *testing.T) {
	p := NewPhrases([]string{"", "gun", "knife", "pistola"})
	if i, ok := p.Match(Normalize("He has a KNIFE")); !ok || i != 1 {
		t.Errorf("Match = %d, %v; want 1, true (empty phrases are left out)", i, ok)
	}
}

func TestPhrasesMask(t *testing.T) {
	danger := NewPhrases([]string{"scared", "in danger"})
	notDanger := NewPhrases([]string{"not in danger", "scared of losing"})
	for msg, want := range map[string]bool{
		"im not in danger":                           false,
		"im scared of losing my apartment":           false,
		"im scared of losing my home, scared of him": true,
		"im scared":      true,
		"were in danger": true,
	} {
		_, got := danger.MatchWords(notDanger.Mask(Words(Normalize(msg))))
		if got != want {
			t.Errorf("%q: danger %v, want %v", msg, got, want)
		}
	}
	words := Words("a b c")
	if got := notDanger.Mask(words); &got[0] != &words[0] {
		t.Error("Mask copied words it did not change")
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string][]string{
		"he's here":      {"hes", "here"},
		"don't, 'quote'": {"dont", "quote"},
		"a`b c":          {"ab", "c"},
		"' '":            nil,
		"3 dias":         {"3", "dias"},
	} {
		got := Words(in)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLikelySwap(t *testing.T) {
	for _, tt := range []struct {
		a, b byte
		want bool
	}{
		{'a', 'o', true}, {'c', 's', true}, {'s', 'c', true}, {'b', 'v', true}, {'r', 't', true}, {'t', 'r', true},
		{'c', 'h', false}, {'m', 'b', false}, {'e', 't', false}, {'1', 'x', false},
	} {
		if got := likelySwap(tt.a, tt.b); got != tt.want {
			t.Errorf("likelySwap(%c, %c) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPhrasesLeadsAndWhole(t *testing.T) {
	q := NewPhrases([]string{"why", "what does", "como"})
	for msg, want := range map[string]bool{
		"why do you need my name":       true,
		"what does conflict check mean": true,
		"what is that":                  false, // "what does", not "what"
		"casa como nueva":               false, // not at the start
		"como":                          true,
	} {
		if got := q.Leads(Words(Normalize(msg))); got != want {
			t.Errorf("Leads(%q) = %v, want %v", msg, got, want)
		}
	}
	l := NewPhrases([]string{"english", "en espanol"})
	for msg, want := range map[string]bool{
		"English":         true,
		"en español":      true,
		"Ingles Markets":  false,
		"english teacher": false,
		"en espanol plis": false,
	} {
		if got := l.Whole(Words(Normalize(msg))); got != want {
			t.Errorf("Whole(%q) = %v, want %v", msg, got, want)
		}
	}
}
