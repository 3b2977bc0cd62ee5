package main

import "flag"

// graph prints the pack's flow as a Mermaid flowchart.
func (e *env) graph(args []string) error {
	arg, err := e.parseFlags(flag.NewFlagSet("graph", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	p, _, err := e.loadPack(arg)
	if err != nil {
		return err
	}
	return p.Flow.Graph(e.stdout)
}
