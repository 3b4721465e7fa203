package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// statement is one compiled Statement.
type statement struct {
	sid          string
	effect       Effect
	principal    *principalSpec // nil: no Principal element
	notPrincipal bool
	actionsRaw   []string
	actions      []pattern
	notAction    bool
	resourceRaw  []string
	resources    []pattern
	notResource  bool
	conds        []condition
	condRaw      []condBlock // for Marshal, sorted by operator
}

// applies reports whether the statement matches the request. action is
// r.Action as lowerAction returns it.
func (s *statement) applies(r *Request, action []byte) bool {
	if s.principal != nil && s.principal.match(&r.Principal) == s.notPrincipal {
		return false
	}
	if s.matchAction(r.Action, action) == s.notAction {
		return false
	}
	if anyMatch(s.resources, r.Resource, &r.Context, false) == s.notResource {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(&r.Context) {
			return false
		}
	}
	return true
}

// matchAction is anyMatch(s.actions, action, nil, true). Given lower, the
// action lower-cased (see lowerAction), it decides the usual patterns with
// one comparison instead of folding case against each: an action pattern's
// text is lower-cased when compiled (and is ASCII, as checkAction admits no
// other byte; any other pattern goes the general way), and for an ASCII
// action, matching it case-insensitively is matching the lower-cased action
// exactly.
func (s *statement) matchAction(action string, lower []byte) bool {
	for i := range s.actions {
		p := &s.actions[i]
		if lower == nil || !p.ascii {
			if p.match(action, nil, true) {
				return true
			}
			continue
		}
		switch p.mode {
		case mAny:
			return true
		case mExact:
			if string(lower) == p.lit {
				return true
			}
		case mPrefix:
			if len(lower) >= len(p.lit) && string(lower[:len(p.lit)]) == p.lit {
				return true
			}
		default:
			if p.match(action, nil, true) {
				return true
			}
		}
	}
	return false
}

// maxLowerAction is the longest action lowerAction handles; S3's longest
// is under 50 bytes.
const maxLowerAction = 64

// lowerAction returns action lower-cased in buf, or nil when it is not
// ASCII or is longer than buf (matching then folds case as it goes).
func lowerAction(buf *[maxLowerAction]byte, action string) []byte {
	if len(action) > len(buf) {
		return nil
	}
	for i := 0; i < len(action); i++ {
		c := action[i]
		if c >= utf8.RuneSelf {
			return nil
		}
		buf[i] = lowerASCII(c)
	}
	return buf[:len(action)]
}

func anyMatch(ps []pattern, s string, ctx *Context, fold bool) bool {
	for i := range ps {
		if ps[i].match(s, ctx, fold) {
			return true
		}
	}
	return false
}

func (c *compiler) statement(n node, path string) (statement, bool) {
	var s statement
	if n.kind != nObject {
		c.fail(path, n.off, "must be an object, not %s", n.kind)
		return s, false
	}
	seen := map[string]*member{}
	for i := range n.members {
		m := &n.members[i]
		if !contains(statementFields, m.key) {
			c.fail(path, m.keyOff, "unknown field %q%s", m.key, suggest(m.key, statementFields))
			return s, false
		}
		seen[m.key] = m
	}
	if m := seen["Sid"]; m != nil {
		if m.val.kind != nString {
			c.fail(path+".Sid", m.val.off, "must be a string, not %s", m.val.kind)
			return s, false
		}
		s.sid = m.val.str
		if s.sid != "" {
			if c.sids[s.sid] {
				c.fail(path+".Sid", m.val.off, "duplicate Sid %q (Sids must be unique within a policy)", s.sid)
				return s, false
			}
			if c.sids == nil {
				c.sids = map[string]bool{}
			}
			c.sids[s.sid] = true
		}
	}
	m := seen["Effect"]
	switch {
	case m == nil:
		c.fail(path, n.off, "missing Effect (\"Allow\" or \"Deny\")")
		return s, false
	case m.val.kind == nString && m.val.str == "Allow":
		s.effect = Allow
	case m.val.kind == nString && m.val.str == "Deny":
		s.effect = Deny
	default:
		c.fail(path+".Effect", m.val.off, "must be \"Allow\" or \"Deny\", not %s%s", describe(m.val), suggest(m.val.str, []string{"Allow", "Deny"}))
		return s, false
	}
	if !c.principalPart(&s, seen, n, path) || !c.actionPart(&s, seen, n, path) || !c.resourcePart(&s, seen, n, path) {
		return s, false
	}
	if m := seen["Condition"]; m != nil {
		if !c.conditions(&s, m.val, path+".Condition") {
			return s, false
		}
	}
	return s, c.err == nil
}

func describe(n node) string {
	if n.kind == nString {
		return fmt.Sprintf("%q", n.str)
	}
	return n.kind.String()
}

func (c *compiler) principalPart(s *statement, seen map[string]*member, n node, path string) bool {
	p, np := seen["Principal"], seen["NotPrincipal"]
	switch {
	case p != nil && np != nil:
		c.fail(path, np.keyOff, "has both Principal and NotPrincipal")
		return false
	case (p != nil || np != nil) && c.kind == KindIdentity:
		m := p
		if m == nil {
			m = np
		}
		c.fail(path+"."+m.key, m.keyOff, "not allowed in an identity or session policy (only in bucket policies)")
		return false
	case p == nil && np == nil:
		if c.kind == KindResource {
			c.fail(path, n.off, "missing Principal (a bucket policy statement must say whom it applies to)")
			return false
		}
		return true
	}
	m := p
	if m == nil {
		m = np
		s.notPrincipal = true
		if s.effect == Allow {
			c.warn(path+".NotPrincipal", "NotPrincipal with \"Allow\" grants access to every principal not listed, anonymous included")
		}
	}
	s.principal = c.principal(m.val, path+"."+m.key)
	return s.principal != nil
}

func (c *compiler) actionPart(s *statement, seen map[string]*member, n node, path string) bool {
	a, na := seen["Action"], seen["NotAction"]
	switch {
	case a != nil && na != nil:
		c.fail(path, na.keyOff, "has both Action and NotAction")
		return false
	case a == nil && na == nil:
		c.fail(path, n.off, "missing Action (or NotAction)")
		return false
	}
	m := a
	if m == nil {
		m, s.notAction = na, true
	}
	mpath := path + "." + m.key
	vals, offs, ok := c.strings(m.val, mpath)
	if !ok {
		return false
	}
	for i, v := range vals {
		ipath := itemPath(mpath, m.val, i)
		errMsg, warnMsg := checkAction(v)
		if errMsg != "" {
			c.fail(ipath, offs[i], "%s", errMsg)
			return false
		}
		if warnMsg != "" {
			c.warn(ipath, "%s", warnMsg)
		}
		p, _, _ := compilePattern(v, compileOpts{wildcards: true, lower: true, prefix: true})
		s.actions = append(s.actions, p)
	}
	s.actionsRaw = vals
	return true
}

func (c *compiler) resourcePart(s *statement, seen map[string]*member, n node, path string) bool {
	r, nr := seen["Resource"], seen["NotResource"]
	switch {
	case r != nil && nr != nil:
		c.fail(path, nr.keyOff, "has both Resource and NotResource")
		return false
	case r == nil && nr == nil:
		c.fail(path, n.off, "missing Resource (or NotResource)")
		return false
	}
	m := r
	if m == nil {
		m, s.notResource = nr, true
	}
	mpath := path + "." + m.key
	vals, offs, ok := c.strings(m.val, mpath)
	if !ok {
		return false
	}
	for i, v := range vals {
		ipath := itemPath(mpath, m.val, i)
		if msg := c.checkARN(v); msg != "" {
			c.fail(ipath, offs[i], "%s", msg)
			return false
		}
		p, ok := c.pattern(v, compileOpts{wildcards: true, variables: c.variables, prefix: true}, ipath, offs[i])
		if !ok {
			return false
		}
		s.resources = append(s.resources, p)
	}
	s.resourceRaw = vals
	return true
}

// pattern compiles text and validates the variables it uses.
func (c *compiler) pattern(text string, o compileOpts, path string, off int) (pattern, bool) {
	p, keys, msg := compilePattern(text, o)
	if msg != "" {
		c.fail(path, off, "%s", msg)
		return p, false
	}
	for _, k := range keys {
		errMsg, warnMsg := checkKey(k)
		if errMsg != "" {
			c.fail(path, off, "policy variable: %s", errMsg)
			return p, false
		}
		if warnMsg != "" {
			c.warn(path, "policy variable: %s", warnMsg)
		}
	}
	return p, true
}

// checkARN validates a Resource value: "*" or
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func (c *compiler) checkARN(v string) string {
	if v == "*" {
		return ""
	}
	parts, ok := splitARN(v, c.variables)
	bad := fmt.Sprintf("invalid resource %q: want \"*\" or an ARN such as \"arn:aws:s3:::bucket/*\"", v)
	if !ok || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return bad
	}
	if strings.ContainsAny(parts[2], "*?") {
		return fmt.Sprintf("invalid resource %q: wildcards are not allowed in the service part %q", v, parts[2])
	}
	return ""
}

// splitARN splits an ARN into its six parts (the last keeps any further
// colons). With variables, colons inside "${...}" do not split.
func splitARN(v string, variables bool) ([6]string, bool) {
	var parts [6]string
	n, start := 0, 0
	for i := 0; i < len(v) && n < 5; i++ {
		if variables && v[i] == '$' && i+1 < len(v) && v[i+1] == '{' {
			if end := strings.IndexByte(v[i:], '}'); end > 0 {
				i += end
				continue
			}
		}
		if v[i] == ':' {
			parts[n] = v[start:i]
			n++
			start = i + 1
		}
	}
	if n < 5 {
		return parts, false
	}
	parts[5] = v[start:]
	return parts, true
}
