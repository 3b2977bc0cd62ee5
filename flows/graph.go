package flows

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Graph writes the pack's conversation as a Mermaid flowchart: one box per step
// (its id and what it expects), an arrow per way on, labelled with the answer or
// condition that takes it. Paste it into any Markdown viewer that draws Mermaid.
func (p *Flow) Graph(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	b.WriteString("  start((start)) --> " + nodeID(p.start) + "\n")
	words := map[*step][]string{}
	for word, e := range p.entries {
		words[e.target] = append(words[e.target], strings.ToUpper(word))
	}
	for i, s := range p.order {
		if ws := words[s]; len(ws) > 0 {
			sort.Strings(ws)
			fmt.Fprintf(&b, "  entry%d>%s] --> %s\n", i, quote(strings.Join(ws, ", ")), nodeID(s))
		}
	}
	for _, s := range p.order {
		b.WriteString("  " + nodeID(s) + shape(s) + "\n")
		ends := 0
		edge := func(label string, r *rule) {
			arrow := " --> "
			if label != "" {
				arrow = " -->|" + quote(label) + "| "
			}
			switch {
			case r.end:
				ends++
				fmt.Fprintf(&b, "  %s%s%s_end%d([end])\n", nodeID(s), arrow, nodeID(s), ends)
			case r.target != nil:
				b.WriteString("  " + nodeID(s) + arrow + nodeID(r.target) + "\n")
			}
		}
		for i, c := range s.choices {
			if c.rule != nil && c.rule.leads() {
				edge(fmt.Sprintf("%d %s", i+1, c.value), c.rule)
			}
		}
		if s.yes != nil {
			edge("yes", s.yes)
		}
		if s.no != nil {
			edge("no", s.no)
		}
		for _, r := range s.next {
			label := ""
			if r.cond != nil {
				label = r.condSource
			}
			edge(label, r)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// nodeID prefixes step ids, since Mermaid reserves words such as "end".
func nodeID(s *step) string {
	if s == nil {
		return "missing"
	}
	return "s_" + s.id
}

func shape(s *step) string {
	switch {
	case s.refer != nil:
		return "{{" + quote(s.id+" · refer") + "}}"
	case s.end:
		return "([" + quote(s.id+" · end") + "])"
	case s.expect == KindNone:
		return "[/" + quote(s.id+" · says") + "/]"
	}
	return "[" + quote(s.id+" · "+s.expect.String()) + "]"
}

// quote makes a Mermaid string: quotes and brackets inside are written as entities.
func quote(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;")
	return `"` + r.Replace(s) + `"`
}
