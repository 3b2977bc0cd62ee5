package flows

// What a caller needs to describe a conversation to a person who must take it
// over (the coordinator's needs-a-person notice): the question it stands at and
// what a saved value means, in the pack's words.

// StepLabel returns the label of the step id, in the pack's words (its label:,
// else its question in the first language), or "" for a step the flow does not
// have: a conversation may outlive a pack reload that removed its step.
func (p *Flow) StepLabel(id string) string {
	if s := p.steps[id]; s != nil {
		return s.label
	}
	return ""
}

// Describe returns what the pack says of a value saved in a variable: its kind
// and, for a choice, its label and code. Step and Question are empty: the value
// is described apart from the step that asked for it.
func (p *Flow) Describe(variable, value string) Answered {
	return p.answered(nil, variable, value)
}
