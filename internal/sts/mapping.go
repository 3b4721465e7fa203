package sts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fedstore/fedstore/internal/oidc"
)

// RoleMapping says whether one value of the roles claim names a policy.
type RoleMapping struct {
	Role   string `json:"role"`
	Policy bool   `json:"policy"`
	// Note explains a miss, e.g. that a policy differing only in case
	// does not count.
	Note string `json:"note,omitempty"`
}

// Mapping is how a verified token's roles and identity map to policies.
type Mapping struct {
	// Claim is the provider's roles claim path; Roles its values.
	Claim string        `json:"claim"`
	Roles []RoleMapping `json:"roles"`
	// User and Groups are the identity attachments are looked up for.
	User   string   `json:"user"`
	Groups []string `json:"groups,omitempty"`
	// Attached are the policies attached to User and Groups.
	Attached []string `json:"attached,omitempty"`
	// RoleName is the RoleArn's role name; Narrowed is true when it is one
	// of the token's roles, so the session gets that policy alone.
	RoleName string `json:"role_name,omitempty"`
	Narrowed bool   `json:"narrowed,omitempty"`
	// Policies is the merged result (empty: the exchange is refused).
	Policies []string `json:"policies"`
	// Denied is the AccessDenied reason when Policies is empty.
	Denied string `json:"denied,omitempty"`
}

// roleNameOf returns the role name of a role ARN (the last path segment
// after "role/"), or "" for any other ARN.
func roleNameOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return ""
	}
	res := parts[5]
	return res[strings.LastIndexByte(res, '/')+1:]
}

// mapPolicies maps c's roles (exact, case-sensitive names) and identity to
// policies, narrowed by roleArn when its role name is one of the roles.
func mapPolicies(pols Policies, c *oidc.Claims, roleArn string) Mapping {
	m := Mapping{Claim: c.RoleClaim(), User: c.Subject, Groups: c.Groups(), RoleName: roleNameOf(roleArn)}
	values := c.Roles("")
	var matched []string
	for _, r := range values {
		rm := RoleMapping{Role: r, Policy: pols.HasPolicy(r)}
		if rm.Policy {
			matched = append(matched, r)
		} else {
			rm.Note = missNote(pols, r)
		}
		m.Roles = append(m.Roles, rm)
	}
	m.Attached = pols.AttachedPolicies(c.Subject, m.Groups)
	if m.RoleName != "" && slices.Contains(values, m.RoleName) {
		m.Narrowed = true
		if slices.Contains(matched, m.RoleName) {
			m.Policies = []string{m.RoleName}
			return m
		}
		m.Denied = fmt.Sprintf("the RoleArn's role %q is a value of claim %q but no policy has that name (policy names are case-sensitive)", m.RoleName, m.Claim)
		return m
	}
	for _, p := range append(matched, m.Attached...) {
		if !slices.Contains(m.Policies, p) {
			m.Policies = append(m.Policies, p)
		}
	}
	if len(m.Policies) == 0 {
		m.Denied = deniedReason(m, values)
	}
	return m
}

func deniedReason(m Mapping, values []string) string {
	who := fmt.Sprintf("user %q", m.User)
	if len(m.Groups) > 0 {
		who += fmt.Sprintf(" or its groups %s", quoteList(m.Groups))
	}
	if len(values) == 0 {
		return fmt.Sprintf("the token has no values in claim %q and no policy is attached to %s", m.Claim, who)
	}
	return fmt.Sprintf("no policy matches the values %s of claim %q (policy names are case-sensitive), and no policy is attached to %s", quoteList(values), m.Claim, who)
}

// missNote points out the near miss everybody makes: a policy whose name
// differs only in case. HasPolicy is all Policies offers, so only the
// common spellings are tried.
func missNote(pols Policies, role string) string {
	for _, v := range []string{strings.ToLower(role), strings.ToUpper(role)} {
		if v != role && pols.HasPolicy(v) {
			return fmt.Sprintf("no policy %q; there is %q (names are case-sensitive)", role, v)
		}
	}
	return fmt.Sprintf("no policy named %q", role)
}

// quoteList renders ["a", "b"], bounded for messages.
func quoteList(ss []string) string {
	parts := make([]string, 0, len(ss))
	for i, s := range ss {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("... (%d more)", len(ss)-i))
			break
		}
		if len(s) > 128 {
			s = s[:128] + "..."
		}
		parts = append(parts, fmt.Sprintf("%q", s))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
