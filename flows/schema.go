package flows

// The shapes of the pack files as coordinators write them. They are decoded with
// positions (see decode.go), checked, and compiled into a Pack (compile.go). Field
// tags are the YAML names documented in flows/README.md.

// packFile is pack.yaml: the hotline's settings.
type packFile struct {
	Pos
	Name        string              `yaml:"name"`
	Languages   []Scalar            `yaml:"languages"`
	Timezone    Scalar              `yaml:"timezone"`
	Country     Scalar              `yaml:"country"`
	Hotline     hotlineYAML         `yaml:"hotline"`
	Start       Scalar              `yaml:"start"`
	IdleAfter   Scalar              `yaml:"idle_after"`
	PovertyArea Scalar              `yaml:"poverty_area"`
	Keywords    map[string][]Scalar `yaml:"keywords"`
	Entry       []entryYAML         `yaml:"entry"`
}

type hotlineYAML struct {
	Pos
	Phone string `yaml:"phone"`
	Hours *Text  `yaml:"hours"`
}

// entryYAML maps the first word of a new conversation to a step (keyword dispatch).
type entryYAML struct {
	Pos
	Words    []Scalar    `yaml:"words"`
	Language Scalar      `yaml:"language"`
	Goto     Scalar      `yaml:"goto"`
	Set      assignments `yaml:"set"`
}

// flowFile is one file under flows/.
type flowFile struct {
	Steps []stepYAML `yaml:"steps"`
	name  string     // the file's name without .yaml: a goto may name the flow
}

type stepYAML struct {
	Pos
	ID        Scalar       `yaml:"id"`
	Say       *Text        `yaml:"say"`
	Ask       *Text        `yaml:"ask"`
	Expect    Scalar       `yaml:"expect"`
	Save      Scalar       `yaml:"save"`
	Label     string       `yaml:"label"`
	Optional  bool         `yaml:"optional"`
	Choices   []choiceYAML `yaml:"choices"`
	Min       *int         `yaml:"min"`
	Max       *int         `yaml:"max"`
	Per       Scalar       `yaml:"per"`
	MaxLength int          `yaml:"max_length"`
	Reask     *Text        `yaml:"reask"`
	Tries     int          `yaml:"tries"`
	Yes       *ruleYAML    `yaml:"yes"`
	No        *ruleYAML    `yaml:"no"`
	Next      nextYAML     `yaml:"next"`
	End       bool         `yaml:"end"`
	Refer     *referYAML   `yaml:"refer"`
}

// ruleYAML is what happens on a branch: an optional condition, then actions and
// where to go.
type ruleYAML struct {
	Pos
	If     *Condition  `yaml:"if"`
	Say    *Text       `yaml:"say"`
	Set    assignments `yaml:"set"`
	Urgent Scalar      `yaml:"urgent"`
	Goto   Scalar      `yaml:"goto"`
	End    bool        `yaml:"end"`
}

type choiceYAML struct {
	Pos
	Value Scalar   `yaml:"value"`
	Label string   `yaml:"label"`
	Words []Scalar `yaml:"words"`
	LSC   string   `yaml:"lsc"`
	ruleYAML
}

type referYAML struct {
	Pos
	Matched  *Text `yaml:"matched"`
	Urgent   *Text `yaml:"urgent"`
	Fallback *Text `yaml:"fallback"`
}

// directoryFile is directory.yaml: organizations and the services they offer, in the
// spirit of the Human Services Data Specification (organization → services).
type directoryFile struct {
	Fallback      fallbackYAML `yaml:"fallback"`
	Organizations []orgYAML    `yaml:"organizations"`
}

type fallbackYAML struct {
	Pos
	Name        string `yaml:"name"`
	Phone       string `yaml:"phone"`
	Description string `yaml:"description"`
}

type orgYAML struct {
	Pos
	ID             Scalar        `yaml:"id"`
	Name           string        `yaml:"name"`
	Description    string        `yaml:"description"`
	Phone          string        `yaml:"phone"`
	Email          Scalar        `yaml:"email"`
	Website        string        `yaml:"website"`
	Hours          string        `yaml:"hours"`
	Languages      []Scalar      `yaml:"languages"`
	ResponseTime   string        `yaml:"response_time"`
	IncludeAnswers *bool         `yaml:"include_answers"`
	EmailTemplate  Scalar        `yaml:"email_template"`
	Services       []serviceYAML `yaml:"services"`
}

type serviceYAML struct {
	Pos
	ID          Scalar   `yaml:"id"`
	Name        string   `yaml:"name"`
	CaseTypes   []Scalar `yaml:"case_types"`
	ZIPs        []Scalar `yaml:"zips"`
	IncomeLimit Scalar   `yaml:"income_limit"`
	Priority    int      `yaml:"priority"`
	Languages   []Scalar `yaml:"languages"`
}

// povertyFile is poverty-YYYY.yaml: one year of the HHS poverty guidelines.
type povertyFile struct {
	Pos
	Year   Scalar                 `yaml:"year"`
	Source string                 `yaml:"source"`
	Areas  map[string]povertyArea `yaml:"areas"`
}

type povertyArea struct {
	Pos
	Label     string `yaml:"label"`
	Base      int    `yaml:"base"`
	PerPerson int    `yaml:"per_person"`
}
