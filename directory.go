package hotline

import (
	"slices"
	"strconv"
)

// Directory is the organizations a hotline refers people to, each with the
// programs it runs (HSDS-style: organization → services), and the fallback for
// everyone no program takes.
type Directory struct {
	Organizations []*Organization
	Fallback      Fallback
}

// Fallback is where people go when no program matches: referred by text only.
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
	// Respond is ResponseTime read as a span of time (ParseResponseTime),
	// after which the organization's silence on a referral is noticed;
	// RespondKnown is false when ResponseTime names none.
	Respond      ResponseTime
	RespondKnown bool
	// IncludeAnswers says whether referral emails list every question and answer.
	IncludeAnswers bool
	// EmailLanguage is the language its referral emails are written in.
	EmailLanguage string
	// Handoff is where the organization also takes each referral as signed
	// JSON, for its case-management system; nil for none.
	Handoff  *Handoff
	Programs []*Program
}

// Handoff is an organization's JSON hand-off: each referral is POSTed to URL,
// signed with HMAC-SHA256 under the key in the environment variable SecretEnv.
type Handoff struct {
	URL       string `json:"url"`
	SecretEnv string `json:"secret_env"`
	// Email says whether the referral email is sent too (the default).
	Email bool `json:"email"`
}

// Program is one kind of help an organization offers, to whom and where (a
// "service" in directory.yaml and in HSDS).
type Program struct {
	ID        string
	Name      string
	Org       *Organization
	CaseTypes []string
	// Languages are the organization's, unless the program says otherwise.
	Languages []string
	// IncomeLimit is the highest household income served, as a percentage of the
	// poverty guideline; 0 means no limit.
	IncomeLimit int
	// Priority orders matching programs: the lowest number wins.
	Priority int
	ZIPs     []ZIPRange
}

// ZIPRange is an inclusive range of five-digit ZIP codes.
type ZIPRange struct{ Lo, Hi int }

// ParseZIPRange reads "60612", "606xx" or "600xx-629xx".
func ParseZIPRange(s string) (ZIPRange, bool) {
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
		return ZIPRange{}, false
	}
	return ZIPRange{a, b}, true
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

// Covers reports whether the program serves a five-digit ZIP code.
func (p *Program) Covers(zip int) bool {
	for _, r := range p.ZIPs {
		if zip >= r.Lo && zip <= r.Hi {
			return true
		}
	}
	return false
}

// Programs returns every program of the directory in the order listed.
func (d *Directory) Programs() []*Program {
	var all []*Program
	for _, o := range d.Organizations {
		all = append(all, o.Programs...)
	}
	return all
}

// Serves reports whether any program of the directory covers a ZIP code.
func (d *Directory) Serves(zip string) bool {
	z, ok := zipNumber(zip)
	if !ok {
		return false
	}
	for _, o := range d.Organizations {
		for _, p := range o.Programs {
			if p.Covers(z) {
				return true
			}
		}
	}
	return false
}

func zipNumber(zip string) (int, bool) {
	if len(zip) != 5 {
		return 0, false
	}
	z, err := strconv.Atoi(zip)
	return z, err == nil
}

// Person is what matching needs to know of the person.
type Person struct {
	CaseType string
	ZIP      string
	Language string
	// Household is the number of people in the household; 0 when not known.
	Household int
	// MonthlyIncomeCents is the household's income per month before taxes, in cents.
	MonthlyIncomeCents int64
	// IncomeKnown is false when the screening never asked about income; programs
	// with an income limit then do not match, nor do they when the household's
	// size is not known (an income is judged against it).
	IncomeKnown bool
}

// Match returns the program that should take the person: of every program that
// covers the ZIP, the case type, the income and the language, the lowest priority
// number wins, and ties go to the first listed. It returns nil when none matches.
func (d *Directory) Match(p Person, g Guideline) *Program {
	return d.MatchExcept(p, g, nil)
}

// MatchExcept is Match among the organizations not in excluded (by id): those
// that declined a referral already.
func (d *Directory) MatchExcept(p Person, g Guideline, excluded []string) *Program {
	z, ok := zipNumber(p.ZIP)
	if !ok {
		return nil
	}
	var best *Program
	for _, o := range d.Organizations {
		if slices.Contains(excluded, o.ID) {
			continue
		}
		for _, s := range o.Programs {
			if !slices.Contains(s.CaseTypes, p.CaseType) || !s.Covers(z) || !slices.Contains(s.Languages, p.Language) {
				continue
			}
			if s.IncomeLimit > 0 && (!p.IncomeKnown || p.Household < 1 || !g.Within(p.MonthlyIncomeCents, p.Household, s.IncomeLimit)) {
				continue
			}
			if best == nil || s.Priority < best.Priority {
				best = s
			}
		}
	}
	return best
}

// Organization returns the organization with an id, or nil.
func (d *Directory) Organization(id string) *Organization {
	for _, o := range d.Organizations {
		if o.ID == id {
			return o
		}
	}
	return nil
}
