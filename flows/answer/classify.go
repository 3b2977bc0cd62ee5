package answer

// Classifier tells which of several classes a message is about, from each
// class's words and phrases: "my landlord locked me out" is about housing when
// housing's phrases hold "landlord" and "locked me out". It is for a person's
// first message, which may tell their problem before any question is asked.
type Classifier struct {
	classes []*Phrases
}

// NewClassifier compiles the words and phrases of each class (see Phrases).
func NewClassifier(classes [][]string) *Classifier {
	c := &Classifier{classes: make([]*Phrases, len(classes))}
	for i, words := range classes {
		c.classes[i] = NewPhrases(words)
	}
	return c
}

// Classify returns the class whose phrases cover most words of the normalized
// message norm, and false when none is found or two classes tie: a wrong
// guess costs the person a correction, no guess only the menu.
func (c *Classifier) Classify(norm string) (class int, ok bool) {
	if c == nil || len(norm) > 4*maxShortAnswer {
		return 0, false
	}
	words := Words(norm)
	best, bestScore, tie := -1, 0, false
	for i, p := range c.classes {
		switch s := p.score(words); {
		case s > bestScore:
			best, bestScore, tie = i, s, false
		case s == bestScore && s > 0:
			tie = true
		}
	}
	if best < 0 || tie {
		return 0, false
	}
	return best, true
}
