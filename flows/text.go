package flows

import (
	"slices"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"
)

// Text is a message as written in a pack: either one text per language
// (`{en: "...", es: "..."}`) or, written as a plain string, the name of a shared
// message in messages.yaml. Beside the languages, a channel's name (web:) may
// hold the wording for that channel, again one text per language.
type Text struct {
	Pos
	Key    string
	ByLang map[string]Scalar
	// Variants are the wordings for channels that have their own, by the
	// channel's name (see variantChannels).
	Variants map[string]*Text
}

// variantChannels are the channels a text may have its own wording for, as a
// key beside its languages: the same pack speaks by text message and in the
// web chat, and "text START to come back" is wrong on a web page. A text's
// variants are indexed like this list.
var variantChannels = []string{channelWeb}

// channelWeb is the web chat's channel (Input.Channel).
const channelWeb = "web"

// variantIndex is the index in variantChannels of a channel, plus one; 0 for
// a channel without variants (sms, whatsapp, terminal), which gets the main
// wording.
func variantIndex(channel string) int {
	for i, c := range variantChannels {
		if c == channel {
			return i + 1
		}
	}
	return 0
}

func (t *Text) decodeYAML(d *decoder, n *yaml.Node) {
	t.Pos = d.pos(n)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		t.Key = n.Value
	case n.Kind == yaml.MappingNode:
		t.ByLang = map[string]Scalar{}
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := d.resolve(n.Content[i]), n.Content[i+1]
			if !d.key(k, seen) {
				continue
			}
			if slices.Contains(variantChannels, k.Value) {
				// A variant is one text per language, never a shared
				// message's name nor variants of its own.
				vt := &Text{Pos: d.pos(d.resolve(v))}
				d.decodeField(v, &vt.ByLang, k.Value)
				if t.Variants == nil {
					t.Variants = map[string]*Text{}
				}
				t.Variants[k.Value] = vt
				continue
			}
			var s Scalar
			d.decodeField(v, &s, k.Value)
			t.ByLang[k.Value] = s
		}
	default:
		d.errorf(n, "expected a message: one text per language (en: ..., es: ...) or the name of a shared message, got %s", describe(n))
	}
}

// texts returns the text and its variants, for checks that read each one's
// languages alike.
func (t *Text) texts() []*Text {
	out := []*Text{t}
	for _, c := range variantChannels {
		if v := t.Variants[c]; v != nil {
			out = append(out, v)
		}
	}
	return out
}

// template is one language of a message, split at its {placeholders} once at load so
// that sending it is a walk over parts.
type template []tplPart

type tplPart struct {
	lit string // literal text, when ref is empty
	ref string // a placeholder's name, like "name" or "org.phone"
}

// Part is a piece of a text as a pack writes it: literal words, or the name of a
// {placeholder}.
type Part struct {
	Text        string
	Placeholder bool
}

// ParseText splits a text at its {placeholders}, as the pack's texts are read
// everywhere: "{{" is a literal "{", a "}" alone is literal, names are trimmed.
// ok is false for a brace that is never closed or a placeholder without a name.
func ParseText(s string) (parts []Part, ok bool) {
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '{' {
			lit.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			lit.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, false
		}
		name := strings.TrimSpace(s[i+1 : i+end])
		if name == "" {
			return nil, false
		}
		if lit.Len() > 0 {
			parts = append(parts, Part{Text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, Part{Text: name, Placeholder: true})
		i += end
	}
	if lit.Len() > 0 {
		parts = append(parts, Part{Text: lit.String()})
	}
	return parts, true
}

// parseTemplate compiles a text of the pack (see ParseText).
func parseTemplate(s string) (template, bool) {
	parts, ok := ParseText(s)
	if !ok {
		return nil, false
	}
	t := make(template, 0, max(len(parts), 1))
	for _, p := range parts {
		if p.Placeholder {
			t = append(t, tplPart{ref: p.Text})
		} else {
			t = append(t, tplPart{lit: p.Text})
		}
	}
	if len(t) == 0 {
		t = append(t, tplPart{})
	}
	return t, true
}

// placeholderLookup gives the value of a placeholder when a message is sent.
type placeholderLookup interface {
	placeholder(name string) string
}

func (t template) render(b *strings.Builder, vars placeholderLookup) {
	for _, p := range t {
		if p.ref == "" {
			b.WriteString(p.lit)
		} else {
			b.WriteString(vars.placeholder(p.ref))
		}
	}
}

// freeze writes the placeholders whose values are the same for everyone (see
// Flow.static) into the template's text, in one language and for one channel
// (variantIndex), for step cur (nil for a text not tied to one step).
func (t template) freeze(p *Flow, lang, channel int, cur *step) template {
	var out template
	var lit strings.Builder
	for _, part := range t {
		if part.ref == "" {
			lit.WriteString(part.lit)
			continue
		}
		if v, ok := p.static(part.ref, lang, channel, cur); ok {
			lit.WriteString(v)
			continue
		}
		if lit.Len() > 0 {
			out = append(out, tplPart{lit: lit.String()})
			lit.Reset()
		}
		out = append(out, part)
	}
	if lit.Len() > 0 || len(out) == 0 {
		out = append(out, tplPart{lit: lit.String()})
	}
	return out
}

// uses reports whether the template has the placeholder name.
func (t template) uses(name string) bool {
	for _, p := range t {
		if p.ref == name {
			return true
		}
	}
	return false
}

// static returns the text when it has no placeholders, to avoid building strings
// for the common case.
func (t template) static() (string, bool) {
	if len(t) == 1 && t[0].ref == "" {
		return t[0].lit, true
	}
	return "", false
}

// literal returns the text's own words, each placeholder a space: what it says
// whatever the placeholders hold.
func (t template) literal() string {
	var b strings.Builder
	for _, p := range t {
		if p.ref == "" {
			b.WriteString(p.lit)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// sample returns the text with each placeholder written as its name in braces, for
// measuring its length.
func (t template) sample() string {
	var b strings.Builder
	for _, p := range t {
		if p.ref == "" {
			b.WriteString(p.lit)
		} else {
			b.WriteString("{" + p.ref + "}")
		}
	}
	return b.String()
}

// gsm7 is the GSM 03.38 basic character set; gsm7Ext the extension table, whose
// characters take two septets. A message with any other character is sent as UCS-2.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// Segments reports how many SMS segments s takes and whether it fits GSM-7: 160
// characters in one GSM-7 segment or 153 per segment when split; 70 UTF-16 units in
// one UCS-2 segment or 67 when split. One character outside GSM-7 (á, a curly quote,
// an emoji) makes the whole message UCS-2.
func Segments(s string) (segments int, gsm bool) {
	septets := 0
	gsm = true
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		return split(septets, 160, 153), true
	}
	units := 0
	for _, r := range s {
		units += utf16.RuneLen(r)
	}
	return split(units, 70, 67), false
}

func split(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
