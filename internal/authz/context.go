package authz

import (
	"strings"

	"github.com/fedstore/fedstore/internal/authn"
)

// Principal types (aws:PrincipalType).
const (
	principalTypeSession   = "AssumedRole"
	principalTypeUser      = "User"
	principalTypeRoot      = "Account"
	principalTypeAnonymous = "Anonymous"
)

// fillContext sets the condition keys of req in c: the request's own
// (aws:SourceIp, aws:SecureTransport, aws:CurrentTime, aws:EpochTime,
// s3:prefix, ...), the principal's (aws:username, aws:userid,
// aws:PrincipalType, aws:PrincipalArn, aws:PrincipalAccount) and its
// token's claims as jwt:<claim>. Keys are stored lower-cased; the known
// ones come from constants and single values live in sc, so that nothing
// is allocated for them.
func (a *Authorizer) fillContext(sc *scratch, req *Request) {
	c := &sc.ctx
	one := func(i int, v string) []string {
		sc.vals[i][0] = v
		return sc.vals[i][:]
	}
	for k, v := range req.Conditions {
		c.Set(lowerKey(k), v...)
	}
	p := &req.Principal
	switch p.Kind {
	case authn.Session, authn.User:
		if p.Kind == authn.Session {
			c.Set("aws:principaltype", one(0, principalTypeSession)...)
		} else {
			c.Set("aws:principaltype", one(0, principalTypeUser)...)
		}
		if p.Name != "" {
			c.Set("aws:username", one(1, p.Name)...)
		}
		if p.UserID != "" {
			c.Set("aws:userid", one(2, p.UserID)...)
		}
		if p.ARN != "" {
			c.Set("aws:principalarn", one(3, p.ARN)...)
		}
		c.Set("aws:principalaccount", one(4, a.account)...)
		for name, vals := range p.Claims {
			c.Set(a.claimKey(name), vals...)
		}
	case authn.Root:
		c.Set("aws:principaltype", one(0, principalTypeRoot)...)
	default:
		c.Set("aws:principaltype", one(0, principalTypeAnonymous)...)
	}
}

// lowerKey returns a known condition key in lower case without allocating.
func lowerKey(k string) string {
	switch k {
	case "aws:CurrentTime":
		return "aws:currenttime"
	case "aws:EpochTime":
		return "aws:epochtime"
	case "aws:SecureTransport":
		return "aws:securetransport"
	case "aws:SourceIp":
		return "aws:sourceip"
	case "aws:UserAgent":
		return "aws:useragent"
	case "aws:Referer":
		return "aws:referer"
	}
	return strings.ToLower(k) // no allocation when already lower case
}

// claimKey is "jwt:<claim>" lower-cased, interned so that a steady set of
// claim names costs no allocation per request.
func (a *Authorizer) claimKey(name string) string {
	a.mu.RLock()
	k, ok := a.claims[name]
	a.mu.RUnlock()
	if ok {
		return k
	}
	k = "jwt:" + strings.ToLower(name)
	a.mu.Lock()
	if len(a.claims) < maxClaimNames {
		a.claims[name] = k
	}
	a.mu.Unlock()
	return k
}

// roleARNOf is roleARN(arn), interned like claim keys.
func (a *Authorizer) roleARNOf(arn string) string {
	a.mu.RLock()
	r, ok := a.roles[arn]
	a.mu.RUnlock()
	if ok {
		return r
	}
	r = roleARN(arn)
	a.mu.Lock()
	if len(a.roles) >= maxRoleARNs {
		clear(a.roles)
	}
	a.roles[arn] = r
	a.mu.Unlock()
	return r
}
