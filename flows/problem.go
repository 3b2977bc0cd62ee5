package flows

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a place in a pack file, for messages a coordinator can act on.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col, the form editors jump to.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return "pack"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// orPos returns p, or fallback when p is unset (a field that was not written).
func orPos(p, fallback Pos) Pos {
	if p.File == "" {
		return fallback
	}
	return p
}

// Error is one problem in a pack that a coordinator must fix (or, when Warning is
// set, should look at). It reads "file:line:col: message".
type Error struct {
	Pos
	Msg     string
	Warning bool
}

// Error formats the problem as "file:line:col: message" ("warning: " marks warnings).
func (e *Error) Error() string {
	if e.Warning {
		return e.Pos.String() + ": warning: " + e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// Problems is every error and warning found while loading a pack, in file order.
// Load returns it as its error when it holds at least one error.
type Problems []*Error

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Errors returns only the problems that are errors, not warnings.
func (ps Problems) Errors() Problems {
	return slices.DeleteFunc(slices.Clone(ps), func(e *Error) bool { return e.Warning })
}

// Warnings returns only the warnings.
func (ps Problems) Warnings() Problems {
	return slices.DeleteFunc(slices.Clone(ps), func(e *Error) bool { return !e.Warning })
}

// sort orders problems by file, line and column, and drops exact repeats so that
// one mistake reported by two checks is read once.
func (ps Problems) sort() Problems {
	slices.SortStableFunc(ps, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.CompactFunc(ps, func(a, b *Error) bool { return *a == *b })
}

// report collects problems while a pack is decoded and checked.
type report struct {
	problems Problems
	// failed is set by the first error, kept or not: past maxProblems the rest
	// are dropped, but an error among them must still fail the pack.
	failed bool
}

// maxProblems caps a report: past it, more problems are more noise than help (and
// a hostile file could otherwise produce millions).
const maxProblems = 200

func (r *report) errorf(p Pos, format string, args ...any) {
	r.add(&Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (r *report) warnf(p Pos, format string, args ...any) {
	r.add(&Error{Pos: p, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (r *report) add(e *Error) {
	r.failed = r.failed || !e.Warning
	switch {
	case len(r.problems) < maxProblems:
		r.problems = append(r.problems, e)
	case len(r.problems) == maxProblems:
		// Shown as an error only when errors are among those dropped: many
		// warnings alone (long texts, say) do not fail a pack.
		r.problems = append(r.problems, &Error{Pos: e.Pos, Msg: fmt.Sprintf("more than %d problems; fix these first", maxProblems), Warning: !r.failed})
	case !e.Warning && r.problems[maxProblems].Warning:
		r.problems[maxProblems].Warning = false
	}
}

func (r *report) hasErrors() bool { return r.failed }

// Sorted returns the problems ordered by file, line and column, without exact
// repeats.
func (ps Problems) Sorted() Problems { return slices.Clone(ps).sort() }

// Suggest returns ` (did you mean "x"?)` for the name in known closest to got,
// when one is close, and "" otherwise.
func Suggest(got string, known []string) string { return suggest(got, known) }
