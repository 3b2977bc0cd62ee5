package flows

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotline-legal/hotline/internal/spell"
)

// The pack files are decoded by hand from yaml.Node rather than with yaml.v3's
// Unmarshal because coordinators need every problem at once, each with its
// file:line:col: Unmarshal stops at the first type error of a field, gives no columns
// and names Go types ("cannot unmarshal !!str into int"). This decoder walks the node
// tree into plain structs, reports unknown fields with a suggestion, wrong types in
// words, duplicate keys, and goes on.

// nodeDecoder is implemented by field types that read themselves from YAML (texts,
// positioned scalars, conditions).
type nodeDecoder interface {
	decodeYAML(d *decoder, n *yaml.Node)
}

// maxNodes bounds the work one file may cause: YAML aliases can make a small file
// expand into a huge tree ("billion laughs").
const maxNodes = 200_000

type decoder struct {
	file   string
	r      *report
	budget int
}

func newDecoder(file string, r *report) *decoder {
	return &decoder{file: file, r: r, budget: maxNodes}
}

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.r.errorf(d.pos(n), format, args...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads one YAML document into a node tree. A syntax error is reported with
// its line (yaml.v3 does not give the column of syntax errors; column 1 is used).
func (d *decoder) parse(src []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		msg := err.Error()
		line := 1
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
			// yaml.v3 numbers its parser errors (these) from 0 but its scanner
			// errors from 1; both are shown from 1 here.
			if strings.HasPrefix(msg, "did not find expected") {
				line++
			}
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.r.errorf(Pos{File: d.file, Line: line, Col: 1}, "YAML syntax: %s", msg)
		return nil, false
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.r.errorf(Pos{File: d.file, Line: 1, Col: 1}, "the file is empty")
		return nil, false
	}
	return doc.Content[0], true
}

// resolve follows aliases and charges the node budget.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	d.budget--
	return n
}

// decode fills v (a pointer) from n.
func (d *decoder) decode(n *yaml.Node, v any) {
	d.value(n, reflect.ValueOf(v).Elem(), "")
}

// decodeField fills v (a pointer) from n, naming field in messages.
func (d *decoder) decodeField(n *yaml.Node, v any, field string) {
	d.value(n, reflect.ValueOf(v).Elem(), field)
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, field string) {
	n = d.resolve(n)
	if d.budget < 0 {
		if d.budget == -1 {
			d.errorf(n, "the file is too large or uses too many aliases (more than %d values)", maxNodes)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		d.errorf(n, "%sthe alias *%s leads nowhere", fieldPrefix(field), n.Value)
		return
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			nd.decodeYAML(d, n)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), field)
		v.Set(p)
	case reflect.Struct:
		d.structure(n, v, field)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "%sexpected a list (lines starting with \"- \" or [a, b]), got %s", fieldPrefix(field), describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, s.Index(i), field)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, "%sexpected a mapping (name: value lines), got %s", fieldPrefix(field), describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := d.resolve(n.Content[i]), n.Content[i+1]
			if !d.key(k, seen) {
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			d.value(val, e, k.Value)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.scalar(n, field, "text"); ok {
			v.SetString(s)
		}
	case reflect.Int:
		if s, ok := d.scalar(n, field, "a whole number"); ok {
			i, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
			if err != nil {
				d.errorf(n, "%sexpected a whole number, got %q", fieldPrefix(field), s)
				return
			}
			v.SetInt(int64(i))
		}
	case reflect.Float64:
		if s, ok := d.scalar(n, field, "a number"); ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				d.errorf(n, "%sexpected a number, got %q", fieldPrefix(field), s)
				return
			}
			v.SetFloat(f)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n, field, "true or false"); ok {
			b, ok := parseBool(s)
			if !ok {
				d.errorf(n, "%sexpected true or false, got %q", fieldPrefix(field), s)
				return
			}
			v.SetBool(b)
		}
	default:
		// A programming error in the schema types, not a coordinator's.
		panic(fmt.Sprintf("flows: cannot decode into %s", v.Type()))
	}
}

// key checks a mapping key: a plain scalar, not a merge key, not seen before.
func (d *decoder) key(k *yaml.Node, seen map[string]*yaml.Node) bool {
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, "a key must be a plain name, got %s", describe(k))
		return false
	}
	if k.Tag == "!!merge" {
		d.errorf(k, "merge keys (<<) are not supported; write the fields out")
		return false
	}
	if first, dup := seen[k.Value]; dup {
		d.errorf(k, "%q is given twice (first at line %d)", k.Value, first.Line)
		return false
	}
	seen[k.Value] = k
	return true
}

// scalar returns the text of a scalar node, reporting anything else as a type error.
func (d *decoder) scalar(n *yaml.Node, field, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "%sexpected %s, got %s", fieldPrefix(field), want, describe(n))
		return "", false
	}
	return n.Value, true
}

// structure decodes a mapping into a struct whose fields carry yaml tags. An
// embedded struct without a tag contributes its fields inline; a field named Pos of
// type Pos receives the mapping's position.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, field string) {
	// Positions are set even on a wrong node, so that later checks of this value
	// still point somewhere.
	fields := map[string]reflect.Value{}
	var names []string
	collectFields(v, fields, &names, d.pos(n))
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%sexpected a mapping (name: value lines), got %s", fieldPrefix(field), describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := d.resolve(n.Content[i]), n.Content[i+1]
		if !d.key(k, seen) {
			continue
		}
		f, ok := fields[k.Value]
		if !ok {
			d.errorf(k, "unknown field %q%s; expected one of: %s", k.Value, suggest(k.Value, names), strings.Join(names, ", "))
			continue
		}
		d.value(val, f, k.Value)
	}
}

var posType = reflect.TypeFor[Pos]()

func collectFields(v reflect.Value, fields map[string]reflect.Value, names *[]string, p Pos) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		switch {
		case sf.Type == posType:
			v.Field(i).Set(reflect.ValueOf(p))
		case sf.Anonymous && tag == "":
			collectFields(v.Field(i), fields, names, p)
		case tag == ",inline":
			// An extension's struct, behind an interface: its fields are read as
			// if they were this struct's own.
			if f := v.Field(i); f.Kind() == reflect.Interface && !f.IsNil() && f.Elem().Kind() == reflect.Pointer {
				collectFields(f.Elem().Elem(), fields, names, p)
			}
		case tag != "" && tag != "-":
			if _, dup := fields[tag]; dup {
				// A program error: a domain's Settings field named like one of
				// the language's would silently take its value.
				panic(fmt.Sprintf("flows: the field %q is declared twice in %s", tag, t))
			}
			fields[tag] = v.Field(i)
			*names = append(*names, tag)
		}
	}
}

func fieldPrefix(field string) string {
	if field == "" {
		return ""
	}
	return field + ": "
}

// describe names what a node is, in a coordinator's words.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	}
	return "something else"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// suggest returns `; did you mean "x"?` for the closest known name, when one is close.
func suggest(got string, known []string) string {
	best, bestDist := "", 3
	if len(got) <= 3 {
		bestDist = 2
	}
	for _, k := range known {
		if dist := spell.Distance(strings.ToLower(got), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Scalar is a single value from a pack file together with where it was written, so
// that a later check (a goto to a missing step, say) can point at it.
type Scalar struct {
	Pos
	Value string
}

func (s *Scalar) decodeYAML(d *decoder, n *yaml.Node) {
	s.Pos = d.pos(n)
	if v, ok := d.scalar(n, "", "a single value"); ok {
		s.Value = v
	}
}

// Strings is one text or a list of texts, as a pack file gives them: `expect: hello`
// or `expect: [hello, world]`.
type Strings []string

func (t *Strings) decodeYAML(d *decoder, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		*t = Strings{n.Value}
		return
	}
	var list []string
	d.decode(n, &list)
	*t = list
}
