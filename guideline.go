package hotline

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
