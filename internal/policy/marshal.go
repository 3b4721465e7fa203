package policy

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON writes the canonical form of the document: fields in the
// order AWS documents them (Version, Id, Statement; Sid, Effect, Principal,
// NotPrincipal, Action, NotAction, Resource, NotResource, Condition),
// Statement always an array, a one-element list as a plain string,
// principal types, condition operators and keys sorted, and condition values
// as strings. Parsing the output gives back an equal Policy, and marshalling
// that gives the same bytes. Use json.Indent for a human layout.
func (p *Policy) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(&b, name)
		b.WriteByte(':')
	}
	if p.version != "" {
		field("Version")
		writeString(&b, p.version)
	}
	if p.hasID {
		field("Id")
		writeString(&b, p.id)
	}
	field("Statement")
	b.WriteByte('[')
	for i := range p.statements {
		if i > 0 {
			b.WriteByte(',')
		}
		p.statements[i].marshal(&b)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// String is the canonical compact JSON.
func (p *Policy) String() string {
	b, _ := p.MarshalJSON()
	return string(b)
}

func (s *statement) marshal(b *bytes.Buffer) {
	b.WriteByte('{')
	if s.sid != "" {
		writeString(b, "Sid")
		b.WriteByte(':')
		writeString(b, s.sid)
		b.WriteByte(',')
	}
	writeString(b, "Effect")
	b.WriteByte(':')
	writeString(b, s.effect.String())
	if s.principal != nil {
		name := "Principal"
		if s.notPrincipal {
			name = "NotPrincipal"
		}
		b.WriteByte(',')
		writeString(b, name)
		b.WriteByte(':')
		s.principal.marshal(b)
	}
	list := func(name, notName string, not bool, vals []string) {
		if not {
			name = notName
		}
		b.WriteByte(',')
		writeString(b, name)
		b.WriteByte(':')
		writeList(b, vals)
	}
	list("Action", "NotAction", s.notAction, s.actionsRaw)
	list("Resource", "NotResource", s.notResource, s.resourceRaw)
	if len(s.condRaw) > 0 {
		b.WriteByte(',')
		writeString(b, "Condition")
		b.WriteString(":{")
		for i, blk := range s.condRaw {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, blk.op)
			b.WriteString(":{")
			for j, kv := range blk.keys {
				if j > 0 {
					b.WriteByte(',')
				}
				writeString(b, kv.key)
				b.WriteByte(':')
				writeList(b, kv.vals)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (ps *principalSpec) marshal(b *bytes.Buffer) {
	if ps.star {
		writeString(b, "*")
		return
	}
	b.WriteByte('{')
	for i, t := range ps.sortedTypes() {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, t)
		b.WriteByte(':')
		writeList(b, ps.values[t])
	}
	b.WriteByte('}')
}

func writeList(b *bytes.Buffer, vals []string) {
	if len(vals) == 1 {
		writeString(b, vals[0])
		return
	}
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, v)
	}
	b.WriteByte(']')
}

// writeString writes s as a JSON string, escaping only what JSON requires
// (and invalid UTF-8 as U+FFFD), so "&" and "<" stay readable.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && w == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+w])
			}
			i += w
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				hex := strconv.FormatUint(uint64(c), 16)
				if len(hex) < 2 {
					b.WriteByte('0')
				}
				b.WriteString(hex)
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}
