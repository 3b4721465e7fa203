package policy

import (
	"fmt"
	"strings"
)

// Policy versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Kind says which sort of policy a document must be.
type Kind int

const (
	// KindAny accepts statements with or without Principal.
	KindAny Kind = iota
	// KindIdentity is an identity or session policy: Principal and
	// NotPrincipal are refused.
	KindIdentity
	// KindResource is a resource (bucket) policy: every statement needs a
	// Principal or NotPrincipal.
	KindResource
)

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use.
type Policy struct {
	version    string // "" if absent
	id         string
	hasID      bool
	variables  bool // Version 2012-10-17: ${...} are policy variables
	statements []statement
	warnings   []Warning
}

// Version is the document's Version ("" if it had none).
func (p *Policy) Version() string { return p.version }

// ID is the document's Id ("" if it had none).
func (p *Policy) ID() string { return p.id }

// Len is the number of statements.
func (p *Policy) Len() int { return len(p.statements) }

// Warnings lists findings that do not invalidate the document, such as
// unknown S3 actions; the CLI prints them.
func (p *Policy) Warnings() []Warning { return append([]Warning(nil), p.warnings...) }

// Parse parses a policy document of any kind (see KindAny).
func Parse(data []byte) (*Policy, error) { return ParseKind(data, KindAny) }

// ParseIdentity parses an identity or session policy.
func ParseIdentity(data []byte) (*Policy, error) { return ParseKind(data, KindIdentity) }

// ParseResource parses a resource (bucket) policy.
func ParseResource(data []byte) (*Policy, error) { return ParseKind(data, KindResource) }

// ParseKind parses and validates a policy document. Errors wrap
// ErrPolicyTooLarge, or are a *ValidationError wrapping ErrMalformedPolicy.
func ParseKind(data []byte, kind Kind) (*Policy, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrPolicyTooLarge, len(data), MaxDocumentSize)
	}
	root, err := decodeTree(data)
	if err != nil {
		return nil, err
	}
	c := &compiler{data: data, kind: kind}
	p := c.document(root)
	if c.err != nil {
		return nil, c.err
	}
	p.warnings = c.warnings
	return p, nil
}

// compiler turns a node tree into a Policy, stopping at the first error.
type compiler struct {
	data      []byte
	kind      Kind
	variables bool
	err       *ValidationError
	warnings  []Warning
	sids      map[string]bool
}

func (c *compiler) fail(path string, off int, format string, args ...any) {
	if c.err != nil {
		return
	}
	line, col := lineCol(c.data, off)
	c.err = &ValidationError{Path: path, Msg: fmt.Sprintf(format, args...), Offset: off, Line: line, Column: col}
}

func (c *compiler) warn(path, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Path: path, Msg: fmt.Sprintf(format, args...)})
}

var topFields = []string{"Version", "Id", "Statement"}

var statementFields = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func (c *compiler) document(root node) *Policy {
	if root.kind != nObject {
		c.fail("", root.off, "a policy document must be a JSON object, not %s", root.kind)
		return nil
	}
	p := &Policy{}
	var stmts *node
	for i := range root.members {
		m := &root.members[i]
		switch m.key {
		case "Version":
			if m.val.kind != nString {
				c.fail("Version", m.val.off, "must be a string (%q)", Version2012)
				return nil
			}
			if m.val.str != Version2012 && m.val.str != Version2008 {
				c.fail("Version", m.val.off, "unsupported version %q (want %q or %q)", m.val.str, Version2012, Version2008)
				return nil
			}
			p.version = m.val.str
		case "Id":
			if m.val.kind != nString {
				c.fail("Id", m.val.off, "must be a string, not %s", m.val.kind)
				return nil
			}
			p.id, p.hasID = m.val.str, true
		case "Statement":
			stmts = &m.val
		default:
			c.fail("", m.keyOff, "unknown top-level field %q%s", m.key, suggest(m.key, topFields))
			return nil
		}
	}
	p.variables = p.version == Version2012
	c.variables = p.variables
	if stmts == nil {
		c.fail("", root.off, "missing Statement")
		return nil
	}
	if p.version == "" && strings.Contains(string(c.data), "${") {
		c.warn("Version", "absent: policy variables such as ${aws:username} are taken literally; add \"Version\": %q", Version2012)
	}
	switch stmts.kind {
	case nObject:
		if s, ok := c.statement(*stmts, "Statement"); ok {
			p.statements = append(p.statements, s)
		}
	case nArray:
		if len(stmts.items) == 0 {
			c.fail("Statement", stmts.off, "has no statements")
			return nil
		}
		for i, n := range stmts.items {
			s, ok := c.statement(n, fmt.Sprintf("Statement[%d]", i))
			if !ok {
				return nil
			}
			p.statements = append(p.statements, s)
		}
	default:
		c.fail("Statement", stmts.off, "must be an object or an array of objects, not %s", stmts.kind)
	}
	return p
}

// strings reads a string or a non-empty array of strings, with offsets.
func (c *compiler) strings(n node, path string) ([]string, []int, bool) {
	switch n.kind {
	case nString:
		return []string{n.str}, []int{n.off}, true
	case nArray:
		if len(n.items) == 0 {
			c.fail(path, n.off, "must not be an empty array")
			return nil, nil, false
		}
		vals := make([]string, len(n.items))
		offs := make([]int, len(n.items))
		for i, it := range n.items {
			if it.kind != nString {
				c.fail(fmt.Sprintf("%s[%d]", path, i), it.off, "must be a string, not %s", it.kind)
				return nil, nil, false
			}
			vals[i], offs[i] = it.str, it.off
		}
		return vals, offs, true
	}
	c.fail(path, n.off, "must be a string or an array of strings, not %s", n.kind)
	return nil, nil, false
}

func itemPath(path string, n node, i int) string {
	if n.kind == nArray {
		return fmt.Sprintf("%s[%d]", path, i)
	}
	return path
}
