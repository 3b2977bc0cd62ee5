package flows

import "github.com/hotline-legal/hotline/flows/answer"

// Classify reads a person's first message as the engine does: the value of the
// choice it tells at the pack's guess: step ("" when it tells none, or the pack
// has no such step), and whether it says the person is in danger (words.yaml
// danger:). It never leaves the process: a first message is the most private
// thing a person sends.
func (p *Flow) Classify(text string) (choice string, danger bool) {
	norm := answer.Normalize(text)
	_, danger = p.spotDanger(norm)
	if p.guessStep != nil {
		if i, ok := p.classes.Classify(norm); ok {
			choice = p.guessStep.choices[i].value
		}
	}
	return choice, danger
}

// spotDanger reports whether a normalized message says the person is in danger,
// and in which language's words (an index of Flow.Languages). Phrases that say
// the opposite, in any language ("not in danger", "no estoy en peligro"), are
// masked first, so that the danger phrases inside them do not count.
func (p *Flow) spotDanger(norm string) (lang int, ok bool) {
	if len(p.words.danger) == 0 || norm == "" {
		return 0, false
	}
	words := answer.Words(norm)
	for _, nd := range p.words.notDanger {
		words = nd.Mask(words)
	}
	for i, d := range p.words.danger {
		if _, ok := d.MatchWords(words); ok {
			return i, true
		}
	}
	return 0, false
}

// saysNotDanger reports whether a normalized message holds a not_danger phrase
// ("I'm safe"): at the danger question, a clear no.
func (p *Flow) saysNotDanger(norm string) bool {
	words := answer.Words(norm)
	for _, nd := range p.words.notDanger {
		if _, ok := nd.MatchWords(words); ok {
			return true
		}
	}
	return false
}
