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
		c.SetLower(lowerKey(k), v...)
	}
	p := &req.Principal
	switch p.Kind {
	case authn.Session, authn.User:
		if p.Kind == authn.Session {
			c.SetLower("aws:principaltype", one(0, principalTypeSession)...)
		} else {
			c.SetLower("aws:principaltype", one(0, principalTypeUser)...)
		}
		if p.Name != "" {
			c.SetLower("aws:username", one(1, p.Name)...)
		}
		if p.UserID != "" {
			c.SetLower("aws:userid", one(2, p.UserID)...)
		}
		if p.ARN != "" {
			c.SetLower("aws:principalarn", one(3, p.ARN)...)
		}
		c.SetLower("aws:principalaccount", one(4, a.account)...)
		for name, vals := range p.Claims {
			c.SetLower(a.claimKey(name), vals...)
		}
	case authn.Root:
		c.SetLower("aws:principaltype", one(0, principalTypeRoot)...)
	default:
		c.SetLower("aws:principaltype", one(0, principalTypeAnonymous)...)
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
func (a *Authorizer) claimKey(name string) string { return a.claims.get(name) }

func claimKeyOf(name string) string { return "jwt:" + strings.ToLower(name) }

// roleARNOf is roleARN(arn), interned like claim keys.
func (a *Authorizer) roleARNOf(arn string) string { return a.roles.get(arn) }
