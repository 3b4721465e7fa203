package policy

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Wildcard matching without regexp or allocation.
//
// A pattern is a list of pieces: literal text, policy variables (resolved from
// the request context at match time and always matched literally, so a user
// name containing "*" grants nothing extra), "*" (any run of characters,
// including ":" and "/") and "?" (exactly one character). AWS documents that a
// "*" inside an ARN segment should not cross a ":" unless it ends the segment;
// fedstore lets every "*" span colons, because S3 keys may contain ":" and a
// Deny on "bucket/*.secret" must also cover "a:b.secret".

type pieceKind uint8

const (
	pLit pieceKind = iota
	pVar
	pStar
	pQuest
)

type piece struct {
	kind   pieceKind
	text   string // literal text, or the lower-cased context key of a variable
	def    string // default value of a variable
	hasDef bool
	vi     int // index of the variable among the pattern's variables
}

type matchMode uint8

const (
	mGlob   matchMode = iota
	mAny              // "*"
	mExact            // no wildcard, no variable
	mPrefix           // literal followed by a single trailing "*"
)

// pattern is a compiled Resource, Action or condition value.
type pattern struct {
	mode matchMode
	lit  string
	// raw is the literal as written when lit was lower-cased (an exact
	// action): a request's action usually has the same spelling, so one
	// string comparison decides before any case folding.
	raw    string
	ascii  bool // lit is ASCII: a shorter subject cannot match it, folded or not
	pieces []piece
	nvars  int
}

// maxInlineVars is how many variables one pattern resolves without a heap
// allocation.
const maxInlineVars = 8

// match reports whether s matches the pattern. fold makes literal text match
// case-insensitively (Unicode simple folding).
func (p *pattern) match(s string, ctx *Context, fold bool) bool {
	switch p.mode {
	case mAny:
		return true
	case mExact:
		if s == p.lit || (s == p.raw && p.raw != "") {
			return true
		}
		if p.ascii && len(s) < len(p.lit) {
			// Every rune that folds to an ASCII letter is at least as long
			// in UTF-8, so a shorter subject never matches.
			return false
		}
		if fold {
			// hasPrefix folds like strings.EqualFold (simple folding, rune by
			// rune) but stops at the first differing ASCII byte, which is
			// what tells two action names apart.
			n, ok := hasPrefix(s, p.lit, true)
			return ok && n == len(s)
		}
		return false
	case mPrefix:
		if p.ascii && len(s) < len(p.lit) {
			return false
		}
		_, ok := hasPrefix(s, p.lit, fold)
		return ok
	}
	if p.nvars == 0 {
		return glob(p.pieces, nil, s, fold)
	}
	// A leading literal that s does not start with fails the match (as glob
	// would at once), so the variables need not be looked up: most resource
	// patterns name another bucket than the request's.
	if pc := &p.pieces[0]; pc.kind == pLit {
		if _, ok := hasPrefix(s, pc.text, fold); !ok {
			return false
		}
	}
	var buf [maxInlineVars]string
	vals := buf[:0]
	for i := range p.pieces {
		pc := &p.pieces[i]
		if pc.kind != pVar {
			continue
		}
		v, ok := ctx.single(pc.text)
		if !ok {
			if !pc.hasDef {
				return false // a variable without a value matches nothing
			}
			v = pc.def
		}
		vals = append(vals, v)
	}
	return glob(p.pieces, vals, s, fold)
}

// resolved reports whether every variable of the pattern that has no
// default has a (single) value in ctx.
func (p *pattern) resolved(ctx *Context) bool {
	if p.nvars == 0 {
		return true
	}
	for i := range p.pieces {
		pc := &p.pieces[i]
		if pc.kind == pVar && !pc.hasDef {
			if _, ok := ctx.single(pc.text); !ok {
				return false
			}
		}
	}
	return true
}

// glob matches s against pieces with greedy "*" and single-point
// backtracking: O(len(s) * pattern length) in the worst case. Text pieces
// (literals and resolved variables) are compared whole, and after a "*" the
// next text piece is searched for with strings.Index.
func glob(ps []piece, vals []string, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for pi < len(ps) || si < len(s) {
		if pi < len(ps) {
			pc := &ps[pi]
			switch pc.kind {
			case pStar:
				starP, starS = pi, si
				pi++
				if !skipTo(ps, vals, pi, s, &starS, fold) {
					return false
				}
				si = starS
				continue
			case pQuest:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					pi++
					continue
				}
			default:
				if n, ok := hasPrefix(s[si:], pieceText(pc, vals), fold); ok {
					si += n
					pi++
					continue
				}
			}
		}
		// Mismatch: let the last "*" swallow one more character.
		if starP < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		pi = starP + 1
		if !skipTo(ps, vals, pi, s, &starS, fold) {
			return false
		}
		si = starS
	}
	return true
}

// skipTo moves *at to the first position from which the text piece at
// ps[pi] can match (case-sensitive only; otherwise it leaves *at alone). It
// reports false when that text occurs nowhere further on.
func skipTo(ps []piece, vals []string, pi int, s string, at *int, fold bool) bool {
	if fold || pi >= len(ps) || (ps[pi].kind != pLit && ps[pi].kind != pVar) {
		return true
	}
	i := strings.Index(s[*at:], pieceText(&ps[pi], vals))
	if i < 0 {
		return false
	}
	*at += i
	return true
}

// hasPrefix reports whether s starts with t (case-insensitively with fold)
// and how many bytes of s that prefix spans.
func hasPrefix(s, t string, fold bool) (int, bool) {
	if !fold {
		return len(t), strings.HasPrefix(s, t)
	}
	si := 0
	for ti := 0; ti < len(t); {
		if si >= len(s) {
			return 0, false
		}
		a, b := t[ti], s[si]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			ti++
			si++
			continue
		}
		ra, wa := utf8.DecodeRuneInString(t[ti:])
		rb, wb := utf8.DecodeRuneInString(s[si:])
		if !equalFoldRune(ra, rb) {
			return 0, false
		}
		ti += wa
		si += wb
	}
	return si, true
}

func pieceText(pc *piece, vals []string) string {
	if pc.kind == pVar {
		return vals[pc.vi]
	}
	return pc.text
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// compileOpts says how to read a pattern's text.
type compileOpts struct {
	wildcards bool // "*" and "?" are wildcards (else literal)
	variables bool // "${...}" are policy variables (Version 2012-10-17)
	lower     bool // lower-case literal text (actions)
	prefix    bool // allow the mPrefix fast path
}

// compilePattern turns text into a pattern. It returns the variable keys
// used (as written) so the caller can validate them, or an error message.
func compilePattern(text string, o compileOpts) (pattern, []string, string) {
	var ps []piece
	var keys []string
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t := lit.String()
			if o.lower {
				t = strings.ToLower(t)
			}
			ps = append(ps, piece{kind: pLit, text: t})
			lit.Reset()
		}
	}
	nvars := 0
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case o.variables && c == '$' && i+1 < len(text) && text[i+1] == '{':
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				return pattern{}, nil, "unterminated policy variable in " + quote(text)
			}
			inner := text[i+2 : i+end]
			i += end + 1
			switch inner {
			case "*", "?", "$":
				lit.WriteString(inner)
				continue
			}
			key, def, hasDef, msg := parseVariable(inner)
			if msg != "" {
				return pattern{}, nil, msg
			}
			flush()
			keys = append(keys, key)
			ps = append(ps, piece{kind: pVar, text: strings.ToLower(key), def: def, hasDef: hasDef, vi: nvars})
			nvars++
		case o.wildcards && c == '*':
			flush()
			if len(ps) == 0 || ps[len(ps)-1].kind != pStar { // "**" is "*"
				ps = append(ps, piece{kind: pStar})
			}
			i++
		case o.wildcards && c == '?':
			flush()
			ps = append(ps, piece{kind: pQuest})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	p := pattern{pieces: ps, nvars: nvars}
	switch {
	case len(ps) == 1 && ps[0].kind == pStar:
		p.mode = mAny
	case len(ps) == 0:
		p.mode = mExact
	case len(ps) == 1 && ps[0].kind == pLit:
		p.mode, p.lit = mExact, ps[0].text
		if o.lower && p.lit != text && strings.ToLower(text) == p.lit {
			p.raw = text
		}
	case o.prefix && len(ps) == 2 && ps[0].kind == pLit && ps[1].kind == pStar:
		p.mode, p.lit = mPrefix, ps[0].text
	}
	p.ascii = isASCII(p.lit)
	return p, keys, ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// parseVariable reads the inside of "${...}": a key, optionally followed by
// ", 'default'".
func parseVariable(inner string) (key, def string, hasDef bool, msg string) {
	key = inner
	if k, d, ok := strings.Cut(inner, ","); ok {
		key = k
		d = strings.TrimSpace(d)
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return "", "", false, "policy variable default must be in single quotes: " + quote("${"+inner+"}")
		}
		def, hasDef = d[1:len(d)-1], true
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", "", false, "empty policy variable \"${}\""
	}
	if !strings.Contains(key, ":") {
		return "", "", false, "policy variable " + quote("${"+inner+"}") + " has no service prefix (want e.g. ${aws:username} or ${jwt:sub})"
	}
	return key, def, hasDef, ""
}

func quote(s string) string { return strconv.Quote(s) }
