package authz

import (
	"hash/maphash"
	"sync/atomic"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/policy"
)

// principalCtx is what a request takes from its principal (a session or a
// static user): the condition keys aws:PrincipalType, aws:username,
// aws:userid, aws:PrincipalArn, aws:PrincipalAccount and jwt:<claim>, and
// the role ARN a bucket policy may name. They are the same on every request
// of the principal, so they are derived once and kept in the Authorizer's
// principal table; filling a request's context then costs one copy instead
// of a walk of the Claims map and a claim-key lookup per claim. It is never
// modified once stored.
type principalCtx struct {
	// What it was derived from, compared with the principal on every use.
	kind   authn.Kind
	name   string
	userID string
	arn    string
	claims []claimRef

	ctx  policy.Context
	role string // roleARN(arn)
}

// claimRef is one claim of the principal the entry was derived from.
type claimRef struct {
	name string   // the key in Principal.Claims
	vals []string // the map's values slice
}

// maxPrincipals is the number of slots of the principal table (a power of
// two).
const maxPrincipals = 1024

// principalTable keeps the principalCtx of recent principals, read on
// every request without a lock: a slot is an atomic pointer, chosen by a
// hash of the access key, and a miss derives a new entry and stores it over
// whatever the slot held (two principals sharing a slot take turns, each
// correct). The table is bounded by its slots.
type principalTable struct {
	seed  maphash.Seed
	slots []atomic.Pointer[principalCtx]
}

func newPrincipalTable() *principalTable {
	return &principalTable{seed: maphash.MakeSeed(), slots: make([]atomic.Pointer[principalCtx], maxPrincipals)}
}

// principal returns the principalCtx of p, a session or a static user.
func (a *Authorizer) principal(p *authn.Principal) *principalCtx {
	slot := &a.principals.slots[maphash.String(a.principals.seed, p.AccessKey)%maxPrincipals]
	if e := slot.Load(); e != nil && e.derivedFrom(p) {
		return e
	}
	e := a.newPrincipalCtx(p)
	slot.Store(e)
	return e
}

// derivedFrom reports whether e is what newPrincipalCtx returns for p now.
// An entry is kept across requests, while a principal's fields or its
// Claims map may have changed since: the same claim names (as many, each
// present) with the same values slices (the same array and length) mean the
// same claims, values included.
func (e *principalCtx) derivedFrom(p *authn.Principal) bool {
	if e.kind != p.Kind || e.name != p.Name || e.userID != p.UserID || e.arn != p.ARN || len(e.claims) != len(p.Claims) {
		return false
	}
	for _, c := range e.claims {
		v, ok := p.Claims[c.name]
		if !ok || len(v) != len(c.vals) || (len(v) > 0 && &v[0] != &c.vals[0]) {
			return false
		}
	}
	return true
}

// newPrincipalCtx derives the principalCtx of p, a session or a static
// user. Keys are stored lower-cased, in the order fillContext has always
// set them.
func (a *Authorizer) newPrincipalCtx(p *authn.Principal) *principalCtx {
	e := &principalCtx{kind: p.Kind, name: p.Name, userID: p.UserID, arn: p.ARN, role: roleARN(p.ARN)}
	c := &e.ctx
	if p.Kind == authn.Session {
		c.SetLower("aws:principaltype", principalTypeSession)
	} else {
		c.SetLower("aws:principaltype", principalTypeUser)
	}
	if p.Name != "" {
		c.SetLower("aws:username", p.Name)
	}
	if p.UserID != "" {
		c.SetLower("aws:userid", p.UserID)
	}
	if p.ARN != "" {
		c.SetLower("aws:principalarn", p.ARN)
	}
	c.SetLower("aws:principalaccount", a.account)
	e.claims = make([]claimRef, 0, len(p.Claims))
	for name, vals := range p.Claims {
		e.claims = append(e.claims, claimRef{name: name, vals: vals})
		c.SetLower(a.claimKey(name), vals...)
	}
	return e
}
