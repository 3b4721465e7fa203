package policy

import (
	"fmt"
	"strconv"
)

// Effect is a statement's effect or a decision's outcome.
type Effect uint8

const (
	// NotApplicable: nothing allows or denies (an implicit deny).
	NotApplicable Effect = iota
	Allow
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NotApplicable"
}

// Request is what is being decided.
type Request struct {
	// Action, e.g. "s3:GetObject" (matched case-insensitively).
	Action string
	// Resource ARN, e.g. "arn:aws:s3:::bucket/key" (matched case-sensitively).
	Resource string
	// Principal matters only for statements with Principal or NotPrincipal
	// (resource policies).
	Principal Principal
	// Context holds the condition keys.
	Context Context
}

// Decision is the outcome of an evaluation and what decided it.
type Decision struct {
	Effect Effect
	// Policy is the name of the deciding policy ("" for NotApplicable).
	Policy string
	// Statement is the index of the deciding statement, -1 for NotApplicable.
	Statement int
	// Sid is that statement's Sid, if it has one.
	Sid string
}

// Allowed reports whether the decision allows the request.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// String is the audit form: `Deny by policy "p" Statement[2] (Sid "x")`,
// or "NotApplicable (no statement allows)".
func (d Decision) String() string {
	if d.Effect == NotApplicable {
		return "NotApplicable (no statement allows)"
	}
	s := fmt.Sprintf("%s by policy %s Statement[%d]", d.Effect, strconv.Quote(d.Policy), d.Statement)
	if d.Sid != "" {
		s += " (Sid " + strconv.Quote(d.Sid) + ")"
	}
	return s
}

var notApplicable = Decision{Effect: NotApplicable, Statement: -1}

// Named is a policy with the name decisions report.
type Named struct {
	Name   string
	Policy *Policy
}

// Set is the policies that apply together (a principal's identity
// policies, a bucket's policy). The empty Set allows nothing.
type Set []Named

// Evaluate decides req: an explicit Deny in any statement wins; otherwise
// the first Allow; otherwise NotApplicable. It does not allocate when the
// policies' resources and conditions use at most 8 variables each.
func (s Set) Evaluate(req Request) Decision {
	return s.evaluate(&req)
}

func (s Set) evaluate(req *Request) Decision {
	var buf [maxLowerAction]byte
	action := lowerAction(&buf, req.Action)
	allow := notApplicable
	for _, n := range s {
		if n.Policy == nil {
			continue
		}
		for i := range n.Policy.statements {
			st := &n.Policy.statements[i]
			if st.effect == Allow && allow.Effect == Allow {
				continue // only a Deny can change the outcome now
			}
			if !st.applies(req, action) {
				continue
			}
			d := Decision{Effect: st.effect, Policy: n.Name, Statement: i, Sid: st.sid}
			if st.effect == Deny {
				return d
			}
			allow = d
		}
	}
	return allow
}

// Evaluate decides req against this policy alone, reported under name.
func (p *Policy) Evaluate(name string, req Request) Decision {
	return Set{{Name: name, Policy: p}}.evaluate(&req)
}

// Intersect combines layers that must all allow, such as a session's
// identity policies and the session policy passed to AssumeRoleWithWebIdentity:
// a Deny in either wins; both must Allow; otherwise NotApplicable. With an
// allow, the first layer's deciding statement is reported.
func Intersect(a, b Decision) Decision {
	switch {
	case a.Effect == Deny:
		return a
	case b.Effect == Deny:
		return b
	case a.Effect == Allow && b.Effect == Allow:
		return a
	}
	return notApplicable
}

// Union combines layers of which one allowing is enough, such as identity
// policies and a bucket policy in the same account: a Deny in either wins;
// then an Allow in either (a's first); otherwise NotApplicable.
func Union(a, b Decision) Decision {
	switch {
	case a.Effect == Deny:
		return a
	case b.Effect == Deny:
		return b
	case a.Effect == Allow:
		return a
	case b.Effect == Allow:
		return b
	}
	return notApplicable
}
