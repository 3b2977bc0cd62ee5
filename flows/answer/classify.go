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
// message norm, and false when none is found. When two classes cover as many
// words, the one told first wins ("we are being evicted and I have 3 kids" is
// about the eviction): people tell their problem before its circumstances. A
// tie that even that leaves (the same words in two classes) gives no guess: a
// wrong guess costs the person a correction, no guess only the menu.
func (c *Classifier) Classify(norm string) (class int, ok bool) {
	if c == nil || len(norm) > 4*maxShortAnswer {
		return 0, false
	}
	words := Words(norm)
	best, bestScore, bestFirst, tie := -1, 0, 0, false
	for i, p := range c.classes {
		s, first := p.score(words)
		switch {
		case s == 0:
		case s > bestScore, s == bestScore && first < bestFirst:
			best, bestScore, bestFirst, tie = i, s, first, false
		case s == bestScore && first == bestFirst:
			tie = true
		}
	}
	if best < 0 || tie {
		return 0, false
	}
	return best, true
}
