package main

import (
	"flag"
	"fmt"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// test runs the pack's transcript tests and ends with "N passed, M failed".
func (e *env) test(args []string) error {
	fset := flag.NewFlagSet("test", flag.ContinueOnError)
	verbose := fset.Bool("v", false, "list passing transcripts too")
	arg, err := e.parseFlags(fset, args)
	if err != nil {
		return err
	}
	p, src, err := e.loadPack(arg)
	if err != nil {
		return err
	}
	tests, problems := pack.LoadTests(src.FS)
	if len(problems.Errors()) > 0 {
		for _, p := range src.Where(problems) {
			fmt.Fprintln(e.stdout, p)
		}
		return errFailed
	}
	passed, failed := 0, 0
	for _, t := range tests {
		where := src.Where(flows.Problems{{Pos: t.Pos}})[0].Pos
		fails := p.Run(t)
		if len(fails) == 0 {
			passed++
			if *verbose {
				fmt.Fprintf(e.stdout, "ok    %s: %s\n", where, t.Name)
			}
			continue
		}
		failed++
		fmt.Fprintf(e.stdout, "FAIL  %s: %s\n", where, t.Name)
		for _, f := range fails {
			fmt.Fprintf(e.stdout, "      %s\n", f)
		}
	}
	fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return errFailed
	}
	return nil
}
