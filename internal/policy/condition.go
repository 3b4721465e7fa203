package policy

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Condition semantics (AWS's, made explicit):
//
//   - A key missing from the context (or present with no values) makes the
//     condition false, except: "...IfExists" operators are true; negated
//     operators (StringNotEquals, StringNotLike, NumericNotEquals,
//     DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike,
//     StringNotEqualsIgnoreCase) are true; ForAllValues: is true (the empty
//     set); ForAnyValue: is false; Null tests presence itself.
//   - A policy key lists alternatives: a request value matches an operator if
//     it matches any of them; for a negated operator if it matches none.
//   - Without a qualifier, a positive operator needs one request value to
//     match; a negated one needs every request value to match none of the
//     policy values. ForAnyValue: needs one request value to satisfy the
//     operator; ForAllValues: needs every one to.
//   - A request value that cannot be read as the operator's type (a number,
//     a date, an IP address, a boolean, an ARN) satisfies neither the
//     operator nor its negation.
//   - Variables in values resolve as in Resource; a variable without a value
//     makes that policy value match nothing. So that missing information
//     never widens access, a negated operator in an Allow statement whose
//     values use a variable the request lacks is false (in a Deny statement
//     it is true, as the value matches nothing: the Deny still applies).

type family uint8

const (
	fString family = iota
	fNumeric
	fDate
	fBool
	fBinary
	fIP
	fArn
	fNull
)

type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type opInfo struct {
	family family
	negate bool
	fold   bool // IgnoreCase
	like   bool // wildcards in values
	cmp    comparison
}

var operators = map[string]opInfo{
	"StringEquals":              {family: fString},
	"StringNotEquals":           {family: fString, negate: true},
	"StringEqualsIgnoreCase":    {family: fString, fold: true},
	"StringNotEqualsIgnoreCase": {family: fString, fold: true, negate: true},
	"StringLike":                {family: fString, like: true},
	"StringNotLike":             {family: fString, like: true, negate: true},
	"NumericEquals":             {family: fNumeric},
	"NumericNotEquals":          {family: fNumeric, negate: true},
	"NumericLessThan":           {family: fNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {family: fNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {family: fNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {family: fNumeric, cmp: cmpGe},
	"DateEquals":                {family: fDate},
	"DateNotEquals":             {family: fDate, negate: true},
	"DateLessThan":              {family: fDate, cmp: cmpLt},
	"DateLessThanEquals":        {family: fDate, cmp: cmpLe},
	"DateGreaterThan":           {family: fDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {family: fDate, cmp: cmpGe},
	"Bool":                      {family: fBool},
	"BinaryEquals":              {family: fBinary},
	"IpAddress":                 {family: fIP},
	"NotIpAddress":              {family: fIP, negate: true},
	"ArnEquals":                 {family: fArn, like: true},
	"ArnLike":                   {family: fArn, like: true},
	"ArnNotEquals":              {family: fArn, like: true, negate: true},
	"ArnNotLike":                {family: fArn, like: true, negate: true},
	"Null":                      {family: fNull},
}

type qualifier uint8

const (
	qNone qualifier = iota
	qAny
	qAll
)

const (
	prefixAny = "ForAnyValue:"
	prefixAll = "ForAllValues:"
)

type arnPattern struct {
	any   bool
	parts [6]pattern
}

// condition is one compiled (operator, key, values) triple.
type condition struct {
	op       opInfo
	ifExists bool
	qual     qualifier
	key      string // lower-cased
	pats     []pattern
	nums     []float64
	times    []int64 // Unix nanoseconds
	bools    []bool
	prefixes []netip.Prefix
	arns     []arnPattern
	// strictVars: a negated operator in an Allow statement with variables
	// in its values; an unresolved variable makes every request value
	// invalid, so the condition is false.
	strictVars bool
}

type condBlock struct {
	op   string
	keys []condKV
}

type condKV struct {
	key  string
	vals []string
}

func (c *condition) eval(ctx *Context) bool {
	vals, _ := ctx.lookup(c.key)
	present := len(vals) > 0
	if c.op.family == fNull {
		for _, want := range c.bools {
			if want != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.qual == qAll:
			return true
		case c.qual == qAny:
			return false
		}
		return c.op.negate
	}
	all := c.qual == qAll || (c.qual == qNone && c.op.negate)
	for _, v := range vals {
		if c.one(v, ctx) != all {
			return !all
		}
	}
	return all
}

// one reports whether a request value satisfies the operator (negation
// included).
func (c *condition) one(v string, ctx *Context) bool {
	m, valid := c.positive(v, ctx)
	if c.op.negate {
		return valid && !m
	}
	return m
}

func (c *condition) positive(v string, ctx *Context) (matched, valid bool) {
	if c.strictVars && !c.resolved(ctx) {
		return false, false
	}
	switch c.op.family {
	case fString, fBinary:
		return anyMatch(c.pats, v, ctx, c.op.fold), true
	case fNumeric:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) {
			return false, false
		}
		for _, y := range c.nums {
			if compare(x, y, c.op.cmp) {
				return true, true
			}
		}
		return false, true
	case fDate:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, y := range c.times {
			if compare(t, y, c.op.cmp) {
				return true, true
			}
		}
		return false, true
	case fBool:
		b, ok := parseBool(v)
		if !ok {
			return false, false
		}
		for _, y := range c.bools {
			if b == y {
				return true, true
			}
		}
		return false, true
	case fIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, false
		}
		a = a.Unmap().WithZone("")
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true, true
			}
		}
		return false, true
	case fArn:
		parts, ok := splitARN(v, false)
		if !ok || parts[0] != "arn" {
			return false, false
		}
		for i := range c.arns {
			if c.arns[i].match(&parts, ctx) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// resolved reports whether every variable without a default in the
// condition's values has a value.
func (c *condition) resolved(ctx *Context) bool {
	for i := range c.pats {
		if !c.pats[i].resolved(ctx) {
			return false
		}
	}
	for i := range c.arns {
		for j := range c.arns[i].parts {
			if !c.arns[i].parts[j].resolved(ctx) {
				return false
			}
		}
	}
	return true
}

func (c *condition) hasVars() bool {
	for i := range c.pats {
		if c.pats[i].nvars > 0 {
			return true
		}
	}
	for i := range c.arns {
		for j := range c.arns[i].parts {
			if c.arns[i].parts[j].nvars > 0 {
				return true
			}
		}
	}
	return false
}

func (a *arnPattern) match(parts *[6]string, ctx *Context) bool {
	if a.any {
		return true
	}
	for i := range a.parts {
		if !a.parts[i].match(parts[i], ctx, false) {
			return false
		}
	}
	return true
}

func compare[T int64 | float64](x, y T, c comparison) bool {
	switch c {
	case cmpLt:
		return x < y
	case cmpLe:
		return x <= y
	case cmpGt:
		return x > y
	case cmpGe:
		return x >= y
	}
	return x == y
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02"}

// parseDate reads an ISO 8601 date-time (or date) or a number of seconds
// since the epoch, as Unix nanoseconds.
func parseDate(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, false
		}
		return n * int64(time.Second), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() < 1678 || t.Year() > 2261 { // outside UnixNano's range
				return 0, false
			}
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// operatorNames lists every valid operator spelling, for suggestions.
func operatorNames() []string {
	names := make([]string, 0, len(operators)*2)
	for n := range operators {
		names = append(names, n)
		if n != "Null" {
			names = append(names, n+"IfExists")
		}
	}
	sort.Strings(names)
	return names
}

func (c *compiler) conditions(s *statement, n node, path string) bool {
	if n.kind != nObject {
		c.fail(path, n.off, "must be an object mapping operators to {key: values}, not %s", n.kind)
		return false
	}
	for _, m := range n.members {
		opPath := path + "." + m.key
		name, qual := m.key, qNone
		switch {
		case strings.HasPrefix(name, prefixAny):
			name, qual = name[len(prefixAny):], qAny
		case strings.HasPrefix(name, prefixAll):
			name, qual = name[len(prefixAll):], qAll
		}
		base, ifExists := strings.CutSuffix(name, "IfExists")
		info, ok := operators[base]
		if !ok {
			c.fail(path, m.keyOff, "unknown operator %q%s", m.key, suggest(name, operatorNames()))
			return false
		}
		if info.family == fNull && (ifExists || qual != qNone) {
			c.fail(path, m.keyOff, "operator %q: Null takes neither IfExists nor ForAnyValue:/ForAllValues:", m.key)
			return false
		}
		if m.val.kind != nObject {
			c.fail(opPath, m.val.off, "must be an object mapping condition keys to values, not %s", m.val.kind)
			return false
		}
		if len(m.val.members) == 0 {
			c.fail(opPath, m.val.off, "names no condition key")
			return false
		}
		block := condBlock{op: m.key}
		seen := map[string]bool{}
		for _, km := range m.val.members {
			kpath := opPath + "." + km.key
			errMsg, warnMsg := checkKey(km.key)
			if errMsg != "" {
				c.fail(opPath, km.keyOff, "%s", errMsg)
				return false
			}
			if warnMsg != "" {
				c.warn(opPath, "%s", warnMsg)
			}
			lk := strings.ToLower(km.key)
			if seen[lk] {
				c.fail(opPath, km.keyOff, "condition key %q appears twice (key names are case-insensitive)", km.key)
				return false
			}
			seen[lk] = true
			vals, offs, ok := c.conditionValues(km.val, kpath)
			if !ok {
				return false
			}
			cond := condition{op: info, ifExists: ifExists, qual: qual, key: lk}
			for i, v := range vals {
				if !c.conditionValue(&cond, v, itemPath(kpath, km.val, i), offs[i]) {
					return false
				}
			}
			if cond.op.negate && s.effect == Allow {
				cond.strictVars = cond.hasVars()
			}
			s.conds = append(s.conds, cond)
			block.keys = append(block.keys, condKV{key: km.key, vals: vals})
		}
		sort.Slice(block.keys, func(i, j int) bool { return block.keys[i].key < block.keys[j].key })
		s.condRaw = append(s.condRaw, block)
	}
	sort.Slice(s.condRaw, func(i, j int) bool { return s.condRaw[i].op < s.condRaw[j].op })
	return true
}

// conditionValues reads a value or a non-empty array of values: strings,
// numbers and booleans, all kept as their text.
func (c *compiler) conditionValues(n node, path string) ([]string, []int, bool) {
	scalar := func(it node, p string) bool {
		switch it.kind {
		case nString, nNumber, nBool:
			return true
		}
		c.fail(p, it.off, "condition values must be strings, numbers or booleans, not %s", it.kind)
		return false
	}
	if n.kind != nArray {
		if !scalar(n, path) {
			return nil, nil, false
		}
		return []string{n.str}, []int{n.off}, true
	}
	if len(n.items) == 0 {
		c.fail(path, n.off, "must not be an empty array")
		return nil, nil, false
	}
	vals := make([]string, len(n.items))
	offs := make([]int, len(n.items))
	for i, it := range n.items {
		if !scalar(it, fmt.Sprintf("%s[%d]", path, i)) {
			return nil, nil, false
		}
		vals[i], offs[i] = it.str, it.off
	}
	return vals, offs, true
}

func (c *compiler) conditionValue(cond *condition, v, path string, off int) bool {
	switch cond.op.family {
	case fString:
		p, ok := c.pattern(v, compileOpts{wildcards: cond.op.like, variables: c.variables}, path, off)
		cond.pats = append(cond.pats, p)
		return ok
	case fBinary:
		p, _, _ := compilePattern(v, compileOpts{})
		cond.pats = append(cond.pats, p)
	case fNumeric:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			c.fail(path, off, "%q is not a number", v)
			return false
		}
		cond.nums = append(cond.nums, x)
	case fDate:
		t, ok := parseDate(v)
		if !ok {
			c.fail(path, off, "%q is not a date (want ISO 8601 such as \"2026-01-31T00:00:00Z\", or epoch seconds)", v)
			return false
		}
		cond.times = append(cond.times, t)
	case fBool, fNull:
		b, ok := parseBool(v)
		if !ok {
			c.fail(path, off, "%q is not a boolean (want \"true\" or \"false\")", v)
			return false
		}
		cond.bools = append(cond.bools, b)
	case fIP:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil || a.Zone() != "" {
				c.fail(path, off, "%q is not an IP address or CIDR block", v)
				return false
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		cond.prefixes = append(cond.prefixes, p.Masked())
	case fArn:
		return c.arnValue(cond, v, path, off)
	}
	return true
}

func (c *compiler) arnValue(cond *condition, v, path string, off int) bool {
	if v == "*" {
		cond.arns = append(cond.arns, arnPattern{any: true})
		return true
	}
	parts, ok := splitARN(v, c.variables)
	if !ok {
		c.fail(path, off, "%q is not an ARN (want arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, wildcards allowed)", v)
		return false
	}
	var ap arnPattern
	for i, part := range parts {
		p, ok := c.pattern(part, compileOpts{wildcards: true, variables: c.variables, prefix: true}, path, off)
		if !ok {
			return false
		}
		ap.parts[i] = p
	}
	cond.arns = append(cond.arns, ap)
	return true
}
