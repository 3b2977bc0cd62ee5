package answer

import (
	"strings"
	"testing"
)

// householdWords are the English and Spanish lists the tests use, as a pack
// would supply them (one set for both languages, since people mix them). In
// the pack's YAML:
//
//	self: [me, i, myself, my, mine, "i'm", im, yo, mi, mis, conmigo, con migo,
//	       "single mom", "single mother", "single dad", "single father",
//	       "madre soltera", "mama soltera", "padre soltero", "papa soltero"]
//	alone: ["just me", "only me", "me alone", "just myself", alone, "by myself",
//	        "on my own", "solo yo", "yo solo", "yo sola", "solo a mi", sola, solo,
//	        "nomas yo", "nada mas yo", "solamente yo", "unicamente yo"]
//	one: [wife, husband, partner, spouse, boyfriend, girlfriend, fiance, fiancee,
//	      mom, mother, mommy, dad, father, son, daughter, baby, child, kid,
//	      grandma, grandmother, grandpa, grandfather, grandson, granddaughter,
//	      brother, sister, aunt, uncle, nephew, niece, cousin, roommate,
//	      "step son", stepson, "step daughter", stepdaughter,
//	      esposo, esposa, marido, mujer, pareja, novio, novia, mama, mami, madre,
//	      papa, papi, padre, hijo, hija, bebe, nene, nena, abuela, abuelo,
//	      nieto, nieta, hermano, hermana, tia, tio, sobrino, sobrina, primo,
//	      prima, suegra, suegro, companero, companera, "companero de cuarto",
//	      "companera de cuarto"]
//	many: [kids, children, childs, sons, daughters, babies, adults, roommates,
//	       grandkids, grandchildren, brothers, sisters, siblings, parents, others,
//	       "other people", teens, teenagers, minors, dependents,
//	       hijos, hijas, ninos, ninas, nenes, bebes, adultos, nietos, nietas,
//	       hermanos, hermanas, padres, menores, otros, otras, "otras personas",
//	       companeros, roomies]
//
// Keep "people", "persons", "personas" and "of us" out of the lists: a
// number followed by a word in no list is read as the total ("3 people").
var householdWords = HouseholdWords{
	Self: []string{"me", "i", "myself", "my", "mine", "i'm", "im", "yo", "mi", "mis", "conmigo", "con migo",
		"single mom", "single mother", "single dad", "single father",
		"madre soltera", "mama soltera", "padre soltero", "papa soltero"},
	Alone: []string{"just me", "only me", "me alone", "just myself", "alone", "by myself", "on my own",
		"solo yo", "yo solo", "yo sola", "solo a mi", "sola", "solo", "nomas yo", "nada mas yo",
		"solamente yo", "unicamente yo"},
	One: []string{"wife", "husband", "partner", "spouse", "boyfriend", "girlfriend", "fiance", "fiancee",
		"mom", "mother", "mommy", "dad", "father", "son", "daughter", "baby", "child", "kid",
		"grandma", "grandmother", "grandpa", "grandfather", "grandson", "granddaughter",
		"brother", "sister", "aunt", "uncle", "nephew", "niece", "cousin", "roommate",
		"step son", "stepson", "step daughter", "stepdaughter",
		"esposo", "esposa", "marido", "mujer", "pareja", "novio", "novia", "mama", "mami", "madre",
		"papa", "papi", "padre", "hijo", "hija", "bebe", "nene", "nena", "abuela", "abuelo",
		"nieto", "nieta", "hermano", "hermana", "tia", "tio", "sobrino", "sobrina", "primo",
		"prima", "suegra", "suegro", "companero", "companera", "companero de cuarto",
		"companera de cuarto"},
	Many: []string{"kids", "children", "childs", "sons", "daughters", "babies", "adults", "roommates",
		"grandkids", "grandchildren", "brothers", "sisters", "siblings", "parents", "others",
		"other people", "teens", "teenagers", "minors", "dependents",
		"hijos", "hijas", "ninos", "ninas", "nenes", "bebes", "adultos", "nietos", "nietas",
		"hermanos", "hermanas", "padres", "menores", "otros", "otras", "otras personas",
		"companeros", "roomies"},
}

// TestHouseholdWordsNormalized checks that the test lists are as a pack must
// supply them.
func TestHouseholdWordsNormalized(t *testing.T) {
	for _, l := range [][]string{householdWords.Self, householdWords.Alone, householdWords.One, householdWords.Many} {
		for _, w := range l {
			if Normalize(w) != w {
				t.Errorf("%q is not normalized: %q", w, Normalize(w))
			}
		}
	}
}

func TestHousehold(t *testing.T) {
	tests := []struct {
		in       string
		want     int
		wantSure bool
		wantOK   bool
	}{
		// Plain numbers: sure.
		{"3", 3, true, true},
		{" 3. ", 3, true, true},
		{"three", 3, true, true},
		{"Three!", 3, true, true},
		{"tres", 3, true, true},
		{"3 people", 3, true, true},
		{"3 personas", 3, true, true},
		{"una persona", 1, true, true},
		{"one person", 1, true, true},
		{"we are 4", 4, true, true},
		{"there are 4 of us", 4, true, true},
		{"the two of us", 2, true, true},
		{"somos 4", 4, true, true},
		{"Somos cuatro", 4, true, true},
		{"4 including me", 4, true, true},
		{"4 people including me", 4, true, true},
		{"4 counting me", 4, true, true},
		{"4 with me", 4, true, true},
		{"4 con migo", 4, true, true},
		{"4 conmigo", 4, true, true},
		{"somos 5 en total", 5, true, true},
		{"5 total", 5, true, true},
		{"my household is 4", 4, true, true},
		{"in my house we are 6", 6, true, true},
		{"en mi casa somos 6", 6, true, true},
		{"solo 3", 3, true, true},
		{"only 2", 2, true, true},
		{"just the 2 of us", 2, true, true},
		{"4 (four)", 4, true, true},
		{"99", 99, true, true},
		{"1", 1, true, true},
		{"4 with my kids", 4, true, true}, // the total stands although the kids are not counted
		// Totals that agree with the people listed: sure.
		{"4: me, my wife and 2 kids", 4, true, true},
		{"we are 4, me and my 3 kids", 4, true, true},
		{"me and my 2 kids, 3 in total", 3, true, true},
		{"5 (me, my husband and 3 kids)", 5, true, true},
		{"4, my wife and 2 kids", 4, true, true}, // the person is the fourth
		{"4, 2 adults and 2 kids", 4, true, true},
		{"3 people: me and my 2 kids", 3, true, true},
		// Alone: sure.
		{"just me", 1, true, true},
		{"Just me.", 1, true, true},
		{"only me", 1, true, true},
		{"alone", 1, true, true},
		{"I live alone", 1, true, true},
		{"by myself", 1, true, true},
		{"I live by myself", 1, true, true},
		{"solo yo", 1, true, true},
		{"Sólo yo", 1, true, true},
		{"yo sola", 1, true, true},
		{"vivo sola", 1, true, true},
		{"nomas yo", 1, true, true},
		{"just me, no one else", 1, true, true},
		// Counted from words: unsure.
		{"me", 1, false, true},
		{"yo", 1, false, true},
		{"myself", 1, false, true},
		{"me and 3 kids", 4, false, true},
		{"me and my 2 kids", 3, false, true},
		{"Me & my 2 kids", 3, false, true},
		{"me + 2 kids", 3, false, true},
		{"me n my 2 kids", 3, false, true},
		{"me, my 2 kids", 3, false, true},
		{"me and my two kids", 3, false, true},
		{"me and 3 of my kids", 4, false, true},
		{"me and my 2 young kids", 3, false, true},
		{"my wife and I", 2, false, true},
		{"My wife and I.", 2, false, true},
		{"me and my wife", 2, false, true},
		{"me and my mom", 2, false, true},
		{"me, my husband and 2 kids", 4, false, true},
		{"me, my husband, and our 2 kids", 4, false, true},
		{"my husband, me and our 3 children", 5, false, true},
		{"me my wife my 2 sons and my daughter", 5, false, true},
		{"my son and daughter", 3, false, true},
		{"my mom my dad and me", 3, false, true},
		{"I live with my mom", 2, false, true},
		{"I live with my 2 kids and my husband", 4, false, true},
		{"I have 2 kids", 3, false, true},
		{"my 3 kids", 4, false, true},
		{"my 3 kids and me", 4, false, true},
		{"my 3", 4, false, true},
		{"me and 3", 4, false, true},
		{"me plus 3", 4, false, true},
		{"me with 3", 4, false, true},
		{"me and 2 other people", 3, false, true},
		{"me and 2 others", 3, false, true},
		{"2 people and me", 3, false, true},
		{"just me and my son", 2, false, true},
		{"me and a roommate", 2, false, true},
		{"me and 2 roommates", 3, false, true},
		{"me and my 2 year old", 2, false, true},
		{"me and my 2 year old son", 2, false, true},
		{"me, my 5yo and my 3yo", 3, false, true},
		{"me and my son, 5 years old", 2, false, true},
		{"me, my son and a 2 year old", 3, false, true},
		{"I'm a single mom with 2 kids", 3, false, true},
		{"me, kids: 3", 4, false, true},
		{"me and my 2 kids (ages 5 and 7)", 3, false, true},
		{"me and my 3 kids ages 2, 5 and 9", 4, false, true},
		{"yo y mis 2 hijos de edades 3 y 5", 3, false, true},
		{"im a single mom of 2", 3, false, true},
		{"madre soltera de 3 ninos", 4, false, true},
		{"a family of 4", 4, true, true},
		{"una familia de 4", 4, true, true},
		{"me and one kid", 2, false, true},
		{"I live with my boyfriend and his 2 kids", 4, false, true},
		{"yo y 2 mas", 3, false, true},
		{"4 yo y mis 3 hijos", 4, true, true},
		{"2 adults and my 3 kids", 6, false, true}, // a known miscount: "my" adds the person; unsure, so confirmed
		{"me and kids 3", 4, false, true},
		{"me and my 0 kids", 1, false, true},
		{"2 adults and 3 kids", 5, false, true},
		{"2 adults, 3 children", 5, false, true},
		{"two adults and three kids", 5, false, true},
		{"3 kids", 3, false, true}, // the person may be among them: confirm
		{"wife and 2 kids", 3, false, true},
		// Spanish.
		{"yo y mis 3 hijos", 4, false, true},
		{"Yo y mis tres hijos", 4, false, true},
		{"mi esposo y yo", 2, false, true},
		{"mi esposa, mis 2 hijas y yo", 4, false, true},
		{"yo, mi esposo y 2 niños", 4, false, true},
		{"mi mamá, mi papá y yo", 3, false, true},
		{"solo yo y mi hija", 2, false, true},
		{"sola con mis 2 hijos", 3, false, true},
		{"vivo con mi pareja", 2, false, true},
		{"yo y mi bebé de 8 meses", 2, false, true},
		{"madre e hijo", 2, false, true},
		{"2 adultos y 3 niños", 5, false, true},
		{"dos adultos y tres niños", 5, false, true},
		{"mis 2 hijos y yo", 3, false, true},
		{"yo con 3", 4, false, true},
		{"2 y yo", 3, false, true},
		{"yo y mi companero de cuarto", 2, false, true},
		{"somos 3, mi esposo, mi hijo y yo", 3, true, true},
		{"Soy madre soltera con 2 hijos", 3, false, true},
		// Refusals.
		{"", 0, false, false},
		{"   ", 0, false, false},
		{"me and my kids", 0, false, false},
		{"yo y mis hijos", 0, false, false},
		{"my kids", 0, false, false},
		{"3 or 4", 0, false, false},
		{"three or four", 0, false, false},
		{"3-4", 0, false, false},
		{"0", 0, false, false},
		{"zero", 0, false, false},
		{"100", 0, false, false},
		{"1000 people", 0, false, false},
		{"99999999999999999999", 0, false, false},
		{"me and 99 kids", 0, false, false},
		{"-3", 0, false, false},
		{"2.5", 0, false, false},
		{"2,5 people", 0, false, false},
		{"1e9", 0, false, false},
		{"٣", 0, false, false},
		{"3 ٣", 0, false, false},
		{"a lot", 0, false, false},
		{"a few", 0, false, false},
		{"no one", 0, false, false},
		{"people", 0, false, false},
		{"many", 0, false, false},
		{"3, me and my 3 kids", 0, false, false}, // the total disagrees with the list
		{"5: me and my wife", 0, false, false},
		{"me and my kids and 2 others", 0, false, false},
		{"\xff\xfe", 0, false, false},
		{"👍", 0, false, false},
		{strings.Repeat("me and my 2 kids ", 1000), 0, false, false},
		{strings.Repeat("and ", 100), 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, sure, ok := Household(tt.in, householdWords)
			if n != tt.want || sure != tt.wantSure || ok != tt.wantOK {
				t.Errorf("Household(%q) = %d, %v, %v; want %d, %v, %v", tt.in, n, sure, ok, tt.want, tt.wantSure, tt.wantOK)
			}
		})
	}
	t.Run("no words", func(t *testing.T) {
		// With empty lists only totals are read.
		for in, want := range map[string]int{"3": 3, "somos 4": 4, "3 kids": 3} {
			if n, sure, ok := Household(in, HouseholdWords{}); n != want || !sure || !ok {
				t.Errorf("Household(%q, no words) = %d, %v, %v; want %d, true, true", in, n, sure, ok, want)
			}
		}
		if n, sure, ok := Household("just me", HouseholdWords{}); ok {
			t.Errorf("Household(%q, no words) = %d, %v, %v; want not ok", "just me", n, sure, ok)
		}
	})
	t.Run("odd lists", func(t *testing.T) {
		// Empty entries and entries that end inside a token never match.
		w := HouseholdWords{Self: []string{"", "m"}, One: []string{"wif", ""}, Many: []string{"k"}}
		if n, sure, ok := Household("me and my wife", w); ok {
			t.Errorf("Household with odd lists = %d, %v, %v; want not ok", n, sure, ok)
		}
	})
	t.Run("allocations", func(t *testing.T) {
		for _, in := range []string{"3", "me and my 2 kids", "Yo y mis 3 hijos"} {
			if got := testing.AllocsPerRun(100, func() { Household(in, householdWords) }); got > 1 {
				t.Errorf("Household(%q) allocates %v times; want at most 1", in, got)
			}
		}
	})
}
