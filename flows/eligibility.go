package flows

import (
	htmltemplate "html/template"
	"slices"
	"strconv"
)

// Directory is the organizations a pack refers people to, each with the services it
// offers (HSDS-style: organization → services), and the fallback for everyone else.
type Directory struct {
	Organizations []*Organization
	Fallback      Fallback
	services      []*Service // every service, in the order listed, for matching
}

// Fallback is where people go when no service matches: referred by text only.
type Fallback struct {
	Name        string
	Phone       string
	Description string
}

// Organization is one legal aid organization.
type Organization struct {
	ID           string
	Name         string
	Description  string
	Phone        string
	Email        string
	Website      string
	Hours        string
	Languages    []string
	ResponseTime string
	// IncludeAnswers says whether referral emails list every question and answer.
	IncludeAnswers bool
	Services       []*Service
	// emailTemplate replaces the default HTML of the referral email, when set.
	emailTemplate *htmltemplate.Template
}

// Service is one kind of help an organization offers, to whom and where.
type Service struct {
	ID        string
	Name      string
	Org       *Organization
	CaseTypes []string
	Languages []string // the organization's, unless the service says otherwise
	// IncomeLimit is the highest household income served, as a percentage of the
	// poverty guideline; 0 means no limit.
	IncomeLimit int
	Priority    int
	zips        []zipRange
}

// zipRange is an inclusive range of five-digit ZIP codes.
type zipRange struct{ lo, hi int }

// parseZIPPattern reads "60612", "606xx" or "600xx-629xx".
func parseZIPPattern(s string) (zipRange, bool) {
	lo, hi, isRange := s, s, false
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			lo, hi, isRange = s[:i], s[i+1:], true
			break
		}
	}
	a, ok1 := zipBound(lo, '0')
	b, ok2 := zipBound(hi, '9')
	if !ok1 || !ok2 || a > b || isRange && lo == hi {
		return zipRange{}, false
	}
	return zipRange{a, b}, true
}

// zipBound reads a five-character pattern of digits then x's, filling the x's with fill.
func zipBound(s string, fill byte) (int, bool) {
	if len(s) != 5 {
		return 0, false
	}
	b := []byte(s)
	wild := false
	for i, c := range b {
		switch {
		case c == 'x' || c == 'X':
			wild = true
			b[i] = fill
		case c >= '0' && c <= '9' && !wild:
		default:
			return 0, false
		}
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil
}

func (s *Service) covers(zip int) bool {
	for _, r := range s.zips {
		if zip >= r.lo && zip <= r.hi {
			return true
		}
	}
	return false
}

// Serves reports whether any service of the directory covers a ZIP code.
func (d *Directory) Serves(zip string) bool {
	z, err := strconv.Atoi(zip)
	if err != nil || len(zip) != 5 {
		return false
	}
	for _, s := range d.services {
		if s.covers(z) {
			return true
		}
	}
	return false
}

// Person is what matching needs to know of the person.
type Person struct {
	CaseType  string
	ZIP       string
	Language  string
	Household int
	// MonthlyIncomeCents is the household's income per month before taxes, in cents.
	MonthlyIncomeCents int64
	// IncomeKnown is false when the flow never asked about income; services with an
	// income limit then do not match.
	IncomeKnown bool
}

// Match returns the service that should take the person: of every service that
// covers the ZIP, the case type, the income and the language, the lowest priority
// number wins, and ties go to the first listed. It returns nil when none matches.
func (d *Directory) Match(p Person, g Guideline) *Service {
	z, err := strconv.Atoi(p.ZIP)
	if err != nil {
		return nil
	}
	var best *Service
	for _, s := range d.services {
		if !slices.Contains(s.CaseTypes, p.CaseType) || !s.covers(z) || !slices.Contains(s.Languages, p.Language) {
			continue
		}
		if s.IncomeLimit > 0 && (!p.IncomeKnown || !g.Within(p.MonthlyIncomeCents, p.Household, s.IncomeLimit)) {
			continue
		}
		if best == nil || s.Priority < best.Priority {
			best = s
		}
	}
	return best
}

// Guideline is one year's HHS poverty guideline for one area: the yearly income at
// 100% for a household of one, and what each further person adds.
type Guideline struct {
	Year      int
	Area      string
	Source    string
	Base      int64 // dollars a year for one person
	PerPerson int64 // dollars a year for each further person
}

// Annual returns the guideline in dollars a year for a household size.
func (g Guideline) Annual(household int) int64 {
	if household < 1 {
		household = 1
	}
	return g.Base + g.PerPerson*int64(household-1)
}

// Percent returns a monthly income as a percentage of the guideline.
func (g Guideline) Percent(monthlyCents int64, household int) float64 {
	annual := g.Annual(household)
	if annual <= 0 {
		return 0
	}
	return float64(monthlyCents) * 12 / float64(annual)
}

// Within reports whether a monthly income is at or under limit percent of the
// guideline. It works in whole cents so that the boundary is exact: a household of
// four at $41,250 a year is at exactly 125% of the 2026 guideline, and within it.
func (g Guideline) Within(monthlyCents int64, household int, limit int) bool {
	// annual cents × 100 ≤ limit × annual dollars × 100, divided through by 100.
	return monthlyCents*12 <= int64(limit)*g.Annual(household)
}
