package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotline-legal/hotline/internal/spell"
)

// The config file is read into a yaml.Node tree rather than unmarshalled into a
// struct: that way every problem has its line and column, unknown and duplicate
// keys are caught (Unmarshal ignores the first and, into a Node, allows the second),
// and a value may be written in any YAML style since only its text is kept.

// fileValue is one setting as written in the config file.
type fileValue struct {
	text      string
	line, col int
}

// readFile reads the config file. A file that cannot be read is one problem
// naming it.
func readFile(name string, keys []string) (map[string]fileValue, []error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, []error{fmt.Errorf("config: %s: cannot read the config file (%v)", name, pathReason(err))}
	}
	return parseFile(name, src, keys)
}

// yamlLine splits yaml.v3's "yaml: line N: message".
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseFile reads the settings of a config file's text: a mapping of known keys to
// single values. A value that is null (`key:` or `key: ~`) is left out, as unset.
func parseFile(name string, src []byte, keys []string) (map[string]fileValue, []error) {
	var problems []error
	problem := func(line, col int, format string, args ...any) {
		problems = append(problems, fmt.Errorf("config: %s:%d:%d: %s", name, line, col, fmt.Sprintf(format, args...)))
	}

	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // empty, or only comments: nothing set
		}
		line, msg := syntaxError(err)
		problem(line, 1, "YAML syntax: %s", msg)
		return nil, problems
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, msg := syntaxError(err)
		problem(line, 1, "YAML syntax: %s", msg)
	default:
		// A second document would be silently ignored; say so instead.
		problem(next.Line, next.Column, "a second YAML document (after ---); a config file holds one")
	}

	if len(doc.Content) == 0 {
		return nil, problems
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, problems
	}
	if root.Kind != yaml.MappingNode {
		problem(root.Line, root.Column, "expected \"key: value\" lines, got %s", describe(root))
		return nil, problems
	}

	values := make(map[string]fileValue)
	seen := make(map[string]int) // key → line first seen
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			problem(k.Line, k.Column, "expected a key name, got %s", describe(k))
			continue
		}
		key := k.Value
		if !slices.Contains(keys, key) {
			if s := suggest(key, keys); s != "" {
				problem(k.Line, k.Column, "unknown key %q; did you mean %q?", key, s)
			} else {
				problem(k.Line, k.Column, "unknown key %q; the keys are %s", key, strings.Join(keys, ", "))
			}
			continue
		}
		if first, dup := seen[key]; dup {
			problem(k.Line, k.Column, "duplicate key %q (first set on line %d); keep one", key, first)
			continue
		}
		seen[key] = k.Line
		at := v // an alias is reported where it is used, not where it points
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.ScalarNode {
			problem(at.Line, at.Column, "%s: expected a single value, got %s", key, describe(v))
			continue
		}
		if v.Tag == "!!null" {
			continue
		}
		values[key] = fileValue{text: strings.TrimSpace(v.Value), line: at.Line, col: at.Column}
	}
	return values, problems
}

// syntaxError finds the line of a yaml.v3 syntax error. yaml.v3 gives no column;
// column 1 is used so that the position still opens in an editor.
func syntaxError(err error) (line int, msg string) {
	msg = err.Error()
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return 1, strings.TrimPrefix(msg, "yaml: ")
	}
	line, _ = strconv.Atoi(m[1])
	msg = m[2]
	// yaml.v3 numbers its parser errors (these) from 0 but its scanner errors
	// from 1; both are shown from 1 here.
	if strings.HasPrefix(msg, "did not find expected") {
		line++
	}
	return line, msg
}

// describe names a node's kind for messages, in words a non-programmer knows.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("the value %q", n.Value)
}

// suggest finds the key someone probably meant: the environment name written in
// the file ("HOTLINE_ADDR", "REDIS_URL"), a key in other case or with dashes, a
// near misspelling, or the start of a key ("redis" → "redis_url").
func suggest(got string, keys []string) string {
	g := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(got), "-", "_"))
	g = strings.TrimPrefix(g, "hotline_")
	if slices.Contains(keys, g) {
		return g
	}
	best, bestDist := "", -1
	for _, k := range keys {
		d := spell.Distance(g, k)
		near := d <= max(1, len(k)/3)
		prefix := len(g) >= 3 && (strings.HasPrefix(k, g) || strings.HasPrefix(g, k))
		if (near || prefix) && (bestDist < 0 || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}
