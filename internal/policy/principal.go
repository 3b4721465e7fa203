package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Principal is who makes a request, in the terms a resource policy's
// Principal element uses. The zero value is the anonymous caller, matched
// only by "*" (or {"AWS": "*"}).
//
// Matching rules (exact and case-sensitive; AWS allows no wildcard in a
// Principal except "*"):
//   - "*" and {"AWS": "*"} match everyone, anonymous included;
//   - an account id "123456789012" or "arn:aws:iam::123456789012:root"
//     matches every principal whose Account is that id;
//   - any other ARN matches a principal that lists it in ARNs. A session
//     should list its assumed-role ARN
//     (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) and its role's ARN
//     (arn:aws:iam::ACCOUNT:role/ROLE), since AWS lets a role ARN in a
//     Principal stand for the role's sessions.
//
// Service, Federated and CanonicalUser principals are accepted, kept and
// marshalled, but never match a request in fedstore.
type Principal struct {
	Account string
	ARNs    []string
}

var principalTypes = []string{"AWS", "CanonicalUser", "Federated", "Service"}

// principalSpec is a compiled Principal or NotPrincipal element.
type principalSpec struct {
	star     bool                // given as the string "*"
	anyone   bool                // "*" or AWS "*"
	values   map[string][]string // type -> values as written (for marshal)
	accounts []string
	arns     []string
}

func (ps *principalSpec) match(p *Principal) bool {
	if ps.anyone {
		return true
	}
	if p.Account != "" {
		for _, a := range ps.accounts {
			if a == p.Account {
				return true
			}
		}
	}
	for _, want := range ps.arns {
		for _, have := range p.ARNs {
			if want == have {
				return true
			}
		}
	}
	return false
}

func (c *compiler) principal(n node, path string) *principalSpec {
	if n.kind == nString {
		if n.str != "*" {
			c.fail(path, n.off, "must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}, not %q", n.str)
			return nil
		}
		return &principalSpec{star: true, anyone: true}
	}
	if n.kind != nObject {
		c.fail(path, n.off, "must be \"*\" or an object, not %s", n.kind)
		return nil
	}
	if len(n.members) == 0 {
		c.fail(path, n.off, "names no principal")
		return nil
	}
	ps := &principalSpec{values: map[string][]string{}}
	for _, m := range n.members {
		mpath := path + "." + m.key
		if !contains(principalTypes, m.key) {
			c.fail(path, m.keyOff, "unknown principal type %q (want one of %s)%s", m.key, strings.Join(principalTypes, ", "), suggest(m.key, principalTypes))
			return nil
		}
		vals, offs, ok := c.strings(m.val, mpath)
		if !ok {
			return nil
		}
		for i, v := range vals {
			vpath := mpath
			if m.val.kind == nArray {
				vpath = fmt.Sprintf("%s[%d]", mpath, i)
			}
			if v == "" {
				c.fail(vpath, offs[i], "empty principal")
				return nil
			}
			if m.key != "AWS" {
				continue
			}
			if !c.awsPrincipal(ps, v, vpath, offs[i]) {
				return nil
			}
		}
		ps.values[m.key] = vals
	}
	return ps
}

func (c *compiler) awsPrincipal(ps *principalSpec, v, path string, off int) bool {
	switch {
	case v == "*":
		ps.anyone = true
	case isAccountID(v):
		ps.accounts = append(ps.accounts, v)
	case strings.HasPrefix(v, "arn:"):
		parts := strings.SplitN(v, ":", 6)
		if len(parts) != 6 || parts[1] == "" || parts[2] == "" || parts[5] == "" {
			c.fail(path, off, "invalid principal ARN %q (want arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", v)
			return false
		}
		if strings.ContainsAny(v, "*?") {
			c.fail(path, off, "wildcards are not allowed in principal %q; use \"*\" with a condition on aws:PrincipalArn", v)
			return false
		}
		if parts[2] == "iam" && parts[5] == "root" && isAccountID(parts[4]) {
			ps.accounts = append(ps.accounts, parts[4])
		} else {
			ps.arns = append(ps.arns, v)
		}
	default:
		c.fail(path, off, "invalid AWS principal %q (want \"*\", a 12-digit account id or an ARN)", v)
		return false
	}
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (ps *principalSpec) sortedTypes() []string {
	ts := make([]string, 0, len(ps.values))
	for t := range ps.values {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}
