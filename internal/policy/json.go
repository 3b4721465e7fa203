package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds nesting; the deepest legal element
// (Statement[i].Condition.Op.Key[j]) is 5 levels down.
const maxDepth = 16

type nodeKind uint8

const (
	nString nodeKind = iota
	nNumber
	nBool
	nNull
	nArray
	nObject
)

func (k nodeKind) String() string {
	return [...]string{"a string", "a number", "a boolean", "null", "an array", "an object"}[k]
}

// node is a JSON value with the byte offset where it starts. Objects keep
// their members in document order so errors and duplicates are reported
// exactly.
type node struct {
	kind    nodeKind
	str     string // string, number text, "true"/"false"
	off     int
	items   []node
	members []member
}

type member struct {
	key    string
	keyOff int
	val    node
}

// decodeTree parses data into a node tree. Syntax errors, duplicate object
// keys, excessive nesting and trailing data are reported with their offset.
func decodeTree(data []byte) (node, error) {
	d := &treeDecoder{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	d.dec.UseNumber()
	n, err := d.value(0)
	if err != nil {
		return node{}, err
	}
	off := d.next()
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return node{}, d.errAt(off, "unexpected data after the policy document")
	}
	return n, nil
}

type treeDecoder struct {
	data []byte
	dec  *json.Decoder
}

// next is the offset where the next token starts (after whitespace and the
// separators that Token consumes silently).
func (d *treeDecoder) next() int {
	off := int(d.dec.InputOffset())
	for off < len(d.data) {
		switch d.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (d *treeDecoder) errAt(off int, format string, args ...any) *ValidationError {
	line, col := lineCol(d.data, off)
	return &ValidationError{Msg: fmt.Sprintf(format, args...), Offset: off, Line: line, Column: col}
}

func (d *treeDecoder) syntax(off int, err error) *ValidationError {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off = int(se.Offset) // the offending byte (Decoder counts from 0)
		return d.errAt(off, "invalid JSON: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return d.errAt(len(d.data), "invalid JSON: unexpected end of document")
	default:
		return d.errAt(off, "invalid JSON: %s", err.Error())
	}
}

func (d *treeDecoder) value(depth int) (node, error) {
	off := d.next()
	if depth > maxDepth {
		return node{}, d.errAt(off, "invalid JSON: nested deeper than %d levels", maxDepth)
	}
	tok, err := d.dec.Token()
	if err != nil {
		return node{}, d.syntax(off, err)
	}
	switch t := tok.(type) {
	case string:
		return node{kind: nString, str: t, off: off}, nil
	case json.Number:
		return node{kind: nNumber, str: t.String(), off: off}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return node{kind: nBool, str: s, off: off}, nil
	case nil:
		return node{kind: nNull, off: off}, nil
	case json.Delim:
		switch t {
		case '[':
			n := node{kind: nArray, off: off}
			for d.dec.More() {
				item, err := d.value(depth + 1)
				if err != nil {
					return node{}, err
				}
				n.items = append(n.items, item)
			}
			return n, d.closing(']')
		case '{':
			n := node{kind: nObject, off: off}
			for d.dec.More() {
				koff := d.next()
				ktok, err := d.dec.Token()
				if err != nil {
					return node{}, d.syntax(koff, err)
				}
				key, ok := ktok.(string)
				if !ok {
					return node{}, d.errAt(koff, "invalid JSON: object key is not a string")
				}
				for _, m := range n.members {
					if m.key == key {
						return node{}, d.errAt(koff, "duplicate key %q", key)
					}
				}
				val, err := d.value(depth + 1)
				if err != nil {
					return node{}, err
				}
				n.members = append(n.members, member{key: key, keyOff: koff, val: val})
			}
			return n, d.closing('}')
		}
	}
	return node{}, d.errAt(off, "invalid JSON: unexpected token %v", tok)
}

func (d *treeDecoder) closing(want json.Delim) error {
	off := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return d.syntax(off, err)
	}
	if tok != want {
		return d.errAt(off, "invalid JSON: expected %q", rune(want))
	}
	return nil
}
