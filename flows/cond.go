package flows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Condition is an `if:` as written in a pack, for example
//
//	case_type == housing
//	days_until(court_date) <= 14 and days_until(court_date) >= 0
//	not served(zip)
//
// Grammar: or/and/not, parentheses, and comparisons `operand op value` with op one of
// == (or =), !=, <, <=, >, >=. An operand is a variable or one of the functions
// days_until(date), weekend(date) (a Saturday or Sunday), answered(variable) and
// the pack domain's own (Options.Functions,
// like served(zip)). A variable alone is true when it
// is yes (for yes/no variables) or answered (for the rest). Comparisons are checked
// against the variable's kind when the pack loads.
type Condition struct {
	Pos
	Source string
	root   condNode
}

func (c *Condition) decodeYAML(d *decoder, n *yaml.Node) {
	c.Pos = d.pos(n)
	if s, ok := d.scalar(n, "if", "a condition like `case_type == housing`"); ok {
		c.Source = s
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			c.Col++ // columns in messages then point into the condition itself
		}
	}
}

// condNode is a compiled condition.
type condNode interface {
	eval(t *turn) bool
}

type andNode struct{ a, b condNode }
type orNode struct{ a, b condNode }
type notNode struct{ a condNode }

func (n andNode) eval(t *turn) bool { return n.a.eval(t) && n.b.eval(t) }
func (n orNode) eval(t *turn) bool  { return n.a.eval(t) || n.b.eval(t) }
func (n notNode) eval(t *turn) bool { return !n.a.eval(t) }

// operand is the left side of a comparison.
type operand struct {
	fn   string // "", "days_until", "answered" or a domain function's name
	name string // the variable
	kind Kind   // the variable's kind
	// test is a domain function's, when fn names one.
	test func(string) bool
}

// number returns the operand as a number for <, <= and friends: days for
// days_until, dollars for money, the value for numbers.
func (o operand) number(t *turn) (float64, bool) {
	v, ok := t.get(o.name)
	if !ok || v == "" {
		return 0, false
	}
	if o.fn == "days_until" {
		d, ok := parseDate(v)
		if !ok {
			return 0, false
		}
		return float64(daysBetween(t.today, d)), true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	if o.kind == KindMoney {
		f /= 100 // money is kept in cents; coordinators write dollars
	}
	return f, true
}

// truth is the operand used alone as a condition.
type truth struct{ o operand }

func (n truth) eval(t *turn) bool {
	v, ok := t.get(n.o.name)
	switch {
	case n.o.test != nil:
		return ok && n.o.test(v)
	case n.o.fn == "answered":
		return ok
	case n.o.fn == "weekend":
		d, isDate := parseDate(v)
		return ok && isDate && (d.Weekday() == time.Saturday || d.Weekday() == time.Sunday)
	case n.o.kind == KindYesNo:
		return v == "yes"
	default:
		return ok && v != ""
	}
}

type compare struct {
	o     operand
	op    string
	str   string  // the value for == and != on text
	num   float64 // the value for numeric comparisons
	isNum bool
}

func (n compare) eval(t *turn) bool {
	if n.isNum {
		x, ok := n.o.number(t)
		if !ok {
			return n.op == "!="
		}
		switch n.op {
		case "==":
			return x == n.num
		case "!=":
			return x != n.num
		case "<":
			return x < n.num
		case "<=":
			return x <= n.num
		case ">":
			return x > n.num
		default:
			return x >= n.num
		}
	}
	v, _ := t.get(n.o.name)
	if n.op == "==" {
		return v == n.str
	}
	return v != n.str
}

// condParser compiles a condition, reporting problems at their column.
type condParser struct {
	c     *Condition
	toks  []token
	i     int
	vars  map[string]*varInfo
	funcs map[string]Function
	err   *Error
}

type token struct {
	text string
	col  int // offset in the source
	str  bool
}

func (p *condParser) fail(col int, format string, args ...any) {
	if p.err == nil {
		pos := p.c.Pos
		pos.Col += col
		p.err = &Error{Pos: pos, Msg: "if: " + fmt.Sprintf(format, args...)}
	}
}

// compileCondition parses c.Source against the pack's variables and the domain's
// functions.
func compileCondition(c *Condition, vars map[string]*varInfo, funcs map[string]Function) *Error {
	p := &condParser{c: c, vars: vars, funcs: funcs}
	p.toks = p.lex(c.Source)
	if p.err != nil {
		return p.err
	}
	if len(p.toks) == 0 {
		p.fail(0, "the condition is empty")
		return p.err
	}
	root := p.or()
	if p.err == nil && p.i < len(p.toks) {
		p.fail(p.toks[p.i].col, "unexpected %q; join conditions with `and` or `or`", p.toks[p.i].text)
	}
	c.root = root
	return p.err
}

func (p *condParser) lex(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				p.fail(i, "a quote is never closed")
				return nil
			}
			toks = append(toks, token{text: s[i+1 : i+1+end], col: i, str: true})
			i += end + 2
		case strings.IndexByte("()", c) >= 0:
			toks = append(toks, token{text: s[i : i+1], col: i})
			i++
		case strings.IndexByte("=!<>", c) >= 0:
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{text: s[i:j], col: i})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{text: s[i:j], col: i})
			i = j
		default:
			p.fail(i, "unexpected character %q", s[i:i+1])
			return nil
		}
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) && !p.toks[p.i].str {
		return p.toks[p.i].text
	}
	return ""
}

func (p *condParser) next() (token, bool) {
	if p.i >= len(p.toks) {
		p.fail(len(p.c.Source), "the condition ends too soon")
		return token{}, false
	}
	p.i++
	return p.toks[p.i-1], true
}

func (p *condParser) or() condNode {
	n := p.and()
	for p.err == nil && p.peek() == "or" {
		p.i++
		n = orNode{n, p.and()}
	}
	return n
}

func (p *condParser) and() condNode {
	n := p.not()
	for p.err == nil && p.peek() == "and" {
		p.i++
		n = andNode{n, p.not()}
	}
	return n
}

func (p *condParser) not() condNode {
	if p.peek() == "not" {
		p.i++
		return notNode{p.not()}
	}
	if p.peek() == "(" {
		p.i++
		n := p.or()
		if t, ok := p.next(); ok && t.text != ")" {
			p.fail(t.col, "expected ) here, found %q", t.text)
		}
		return n
	}
	return p.comparison()
}

// builtinFunctions are the language's own condition functions.
var builtinFunctions = []string{"answered", "days_until", "weekend"}

func (p *condParser) comparison() condNode {
	t, ok := p.next()
	if !ok {
		return nil
	}
	if t.str || !isName(t.text) {
		p.fail(t.col, "expected a variable name, found %q", t.text)
		return nil
	}
	o := operand{name: t.text}
	if p.peek() == "(" {
		known := append(slices.Clone(builtinFunctions), sortedKeys(p.funcs)...)
		if !slices.Contains(known, t.text) {
			p.fail(t.col, "unknown function %q%s; known: %s", t.text, suggest(t.text, known), strings.Join(known, ", "))
			return nil
		}
		p.i++
		arg, ok := p.next()
		if !ok {
			return nil
		}
		o.fn, o.name = t.text, arg.text
		t = arg
		if close, ok := p.next(); ok && close.text != ")" {
			p.fail(close.col, "expected ) after %s(%s", o.fn, arg.text)
			return nil
		}
	}
	v, known := p.vars[o.name]
	if !known {
		p.fail(t.col, "unknown variable %q%s; variables come from a step's save (or id) and from set", o.name, suggest(o.name, sortedKeys(p.vars)))
		return nil
	}
	v.used = true
	o.kind = v.kind
	switch {
	case (o.fn == "days_until" || o.fn == "weekend") && v.kind != KindDate:
		p.fail(t.col, "%s needs a date variable; %q is %s", o.fn, o.name, v.kind)
		return nil
	}
	if fn, ok := p.funcs[o.fn]; ok {
		if v.kind != fn.Kind {
			p.fail(t.col, "%s needs a %s variable; %q is %s", o.fn, fn.Kind, o.name, v.kind)
			return nil
		}
		o.test = fn.Test
	}
	op := p.peek()
	switch op {
	case "==", "=", "!=", "<", "<=", ">", ">=":
		p.i++
	default:
		if o.fn == "days_until" {
			p.fail(t.col, "compare days_until(...) with a number, like days_until(%s) <= 14", o.name)
			return nil
		}
		return truth{o}
	}
	if op == "=" {
		op = "=="
	}
	val, ok := p.next()
	if !ok {
		return nil
	}
	c := compare{o: o, op: op, str: val.text}
	numeric := o.fn == "days_until" || v.kind == KindNumber || v.kind == KindMoney
	switch {
	case o.fn == "answered" || o.fn == "weekend" || o.test != nil:
		p.fail(val.col, "%s(...) is true or false; use it alone, or with not", o.fn)
	case numeric:
		f, err := strconv.ParseFloat(strings.TrimPrefix(val.text, "$"), 64)
		if err != nil || val.str {
			p.fail(val.col, "%s is a number; compare it with a number, not %q", describeOperand(o), val.text)
		}
		c.num, c.isNum = f, true
	case op != "==" && op != "!=":
		p.fail(val.col-len(op)-1, "%s can only be compared with == or !=", describeOperand(o))
	case v.kind == KindYesNo && val.text != "yes" && val.text != "no":
		p.fail(val.col, "%q is yes or no, not %q", o.name, val.text)
	case len(v.values) > 0 && !slices.Contains(v.values, val.text):
		p.fail(val.col, "%q is never %q; it can be: %s", o.name, val.text, strings.Join(v.values, ", "))
	}
	return c
}

func describeOperand(o operand) string {
	if o.fn != "" {
		return o.fn + "(" + o.name + ")"
	}
	return strconv.Quote(o.name)
}

// isName reports whether s can name a variable or step.
func isName(s string) bool {
	if s == "" || s == "and" || s == "or" || s == "not" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}
