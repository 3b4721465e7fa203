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
// s3:prefix, ...), then the principal's: for a session or a static user
// those of pc, its principalCtx (aws:username, aws:userid,
// aws:PrincipalType, aws:PrincipalArn, aws:PrincipalAccount and its token's
// claims as jwt:<claim>), else only aws:PrincipalType. Keys are stored
// lower-cased; the known ones come from constants and the principal type of
// the others lives in sc, so that nothing is allocated for them.
func (a *Authorizer) fillContext(sc *scratch, req *Request, pc *principalCtx) {
	c := &sc.ctx
	for k, v := range req.Conditions {
		c.SetLower(lowerKey(k), v...)
	}
	switch {
	case pc != nil:
		c.Append(&pc.ctx)
	case req.Principal.Kind == authn.Root:
		sc.typ[0] = principalTypeRoot
		c.SetLower("aws:principaltype", sc.typ[:]...)
	default:
		sc.typ[0] = principalTypeAnonymous
		c.SetLower("aws:principaltype", sc.typ[:]...)
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

// claimKey is "jwt:<claim>" lower-cased, interned so that the principals
// of a provider, whose tokens carry the same claim names, share the keys.
func (a *Authorizer) claimKey(name string) string { return a.claims.get(name) }

func claimKeyOf(name string) string { return "jwt:" + strings.ToLower(name) }
