package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	_ "time/tzdata" // the hotline's time zone must load even where the system has no tz database

	"github.com/hotline-legal/hotline/pack"
)

const usage = `hotline: a legal aid intake bot

Usage:
  hotline serve   [--config FILE]          run the SMS and web chat bot
  hotline check   [PACK] [--strict]        check a pack; list every problem
  hotline chat    [PACK] [--lang es]       try the conversation, and its referral's loop, in this terminal
  hotline test    [PACK] [-v]              run the pack's transcript tests
  hotline graph   [PACK]                   print the flow as a Mermaid flowchart
  hotline health                           exit 0 when the local server is ready (for HEALTHCHECK)

PACK is a pack folder; it defaults to $HOTLINE_FLOWS, then the sample pack built
into the binary. Run "hotline COMMAND --help" for a command's options.
`

// exitError carries an exit status; its message has already been printed.
type exitError struct{ status int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.status) }

// errFailed ends a command that printed its own report (a failed check or test).
var errFailed = exitError{1}

// errUsage ends a command called the wrong way.
var errUsage = exitError{2}

func exitStatus(err error) int {
	var e exitError
	if errors.As(err, &e) {
		return e.status
	}
	return 1
}

// env is what every command gets from the outside world.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	random io.Reader // for referral references
}

// run is the whole program: it reads the command line and runs one command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, random: rand.Reader}
	return e.run(args)
}

// run runs one command in this environment.
func (e *env) run(args []string) error {
	stdout, stderr := e.stdout, e.stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = e.serve(rest)
	case "check":
		err = e.check(rest)
	case "chat":
		err = e.chat(rest)
	case "test":
		err = e.test(rest)
	case "graph":
		err = e.graph(rest)
	case "health":
		err = e.health(rest)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "hotline: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
	var exit exitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(stderr, "hotline %s: %v\n", args[0], err)
	}
	return err
}

// parseFlags parses a command's flags, which may come before or after its one
// optional argument (the pack folder), and returns that argument.
func (e *env) parseFlags(fset *flag.FlagSet, args []string) (string, error) {
	fset.SetOutput(e.stderr)
	var positional []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", exitError{0}
			}
			return "", errUsage
		}
		args = fset.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if len(positional) > 1 {
		fmt.Fprintf(e.stderr, "hotline %s: expected at most one pack folder, got %s\n", fset.Name(), strings.Join(positional, " "))
		return "", errUsage
	}
	if len(positional) == 1 {
		return positional[0], nil
	}
	return "", nil
}

// packSource finds the pack: the argument, else HOTLINE_FLOWS, else the sample.
func (e *env) packSource(arg string) (pack.Source, error) {
	dir := arg
	if dir == "" {
		dir = e.getenv("HOTLINE_FLOWS")
	}
	return pack.Open(dir)
}

// loadPack loads and checks a pack, printing its problems when it has errors.
func (e *env) loadPack(arg string) (*pack.Pack, pack.Source, error) {
	src, err := e.packSource(arg)
	if err != nil {
		return nil, src, err
	}
	p, problems, err := pack.Load(src.FS, e.now())
	if err != nil {
		for _, p := range src.Where(problems) {
			fmt.Fprintln(e.stderr, p)
		}
		fmt.Fprintf(e.stderr, "%s: %s\n", src, countProblems(problems))
		return nil, src, errFailed
	}
	return p, src, nil
}
