package main

import (
	"flag"
	"fmt"

	"github.com/hotline-legal/hotline/flows"
	"github.com/hotline-legal/hotline/pack"
)

// check loads a pack and lists every problem as file:line:col: message. It fails
// on any error, and on warnings too with --strict.
func (e *env) check(args []string) error {
	fset := flag.NewFlagSet("check", flag.ContinueOnError)
	strict := fset.Bool("strict", false, "fail on warnings too (long messages, an old poverty table)")
	arg, err := e.parseFlags(fset, args)
	if err != nil {
		return err
	}
	src, err := e.packSource(arg)
	if err != nil {
		return err
	}
	p, problems, _ := pack.Load(src.FS, e.now())
	tests, testProblems := pack.LoadTests(src.FS)
	problems = append(problems, testProblems...)
	for _, p := range src.Where(problems) {
		fmt.Fprintln(e.stdout, p)
	}
	errs := len(problems.Errors())
	if errs > 0 || *strict && len(problems) > 0 {
		fmt.Fprintf(e.stdout, "%s: %s\n", src, countProblems(problems))
		return errFailed
	}
	fmt.Fprintf(e.stdout, "%s is valid: %d steps, %d organizations, %d languages, %d transcript tests",
		src, len(p.Flow.Steps()), len(p.Directory.Organizations), len(p.Flow.Languages), len(tests))
	if n := len(problems); n > 0 {
		fmt.Fprintf(e.stdout, " (%s)", plural(n, "warning"))
	}
	fmt.Fprintln(e.stdout)
	return nil
}

func countProblems(ps flows.Problems) string {
	errs, warns := len(ps.Errors()), len(ps.Warnings())
	switch {
	case errs > 0 && warns > 0:
		return plural(errs, "error") + ", " + plural(warns, "warning")
	case errs > 0:
		return plural(errs, "error")
	}
	return plural(warns, "warning")
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
