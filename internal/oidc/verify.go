package oidc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Verify checks raw against this provider: shape, algorithm, type,
// signature (against the cached JWKS, refetched at most once per
// MinRefetchInterval for an unknown key), iss, aud/azp, exp, nbf, iat and
// the user claim. Errors are *Error with Kind ErrInvalidToken,
// ErrExpiredToken or ErrIDPCommunication.
func (p *Provider) Verify(ctx context.Context, raw string) (*Claims, error) {
	t, perr := parseToken(raw)
	if perr != nil {
		return nil, p.annotate(perr, nil)
	}
	return p.verifyToken(ctx, t)
}

func (p *Provider) verifyToken(ctx context.Context, t *token) (*Claims, error) {
	if err := p.checkSignature(ctx, t); err != nil {
		return nil, p.annotate(err, t)
	}
	c, err := p.checkClaims(t, p.opts.Clock())
	if err != nil {
		return nil, p.annotate(err, t)
	}
	return c, nil
}

func (p *Provider) annotate(e *Error, t *token) *Error {
	e.Provider = p.cfg.Name
	if t != nil {
		e.KeyID = trunc(t.kid)
		if iss, ok := t.claims["iss"].(string); ok {
			e.Issuer = trunc(iss)
		}
	}
	return e
}

// claimCheck is one named claim rule; Verify stops at the first failure,
// Explain runs them all.
type claimCheck struct {
	name string
	run  func(p *Provider, t *token, now time.Time, c *Claims) *Error
}

var claimChecks = []claimCheck{
	{"iss", (*Provider).checkIss},
	{"aud", (*Provider).checkAud},
	{"exp", (*Provider).checkExp},
	{"nbf", (*Provider).checkNbf},
	{"iat", (*Provider).checkIat},
	{"user claim", (*Provider).checkUser},
}

// checkClaims runs every claim rule and builds the Claims.
func (p *Provider) checkClaims(t *token, now time.Time) (*Claims, *Error) {
	c := p.newClaims(t)
	for _, chk := range claimChecks {
		if err := chk.run(p, t, now, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (p *Provider) newClaims(t *token) *Claims {
	return &Claims{
		Provider:    p.cfg.Name,
		KeyID:       t.kid,
		Algorithm:   t.alg,
		Raw:         t.claims,
		roleClaim:   p.cfg.ClaimName,
		groupsClaim: p.cfg.GroupsClaim,
	}
}

func (p *Provider) checkIss(t *token, _ time.Time, c *Claims) *Error {
	v, present := t.claims["iss"]
	iss, ok := v.(string)
	switch {
	case !present:
		return invalidf("token has no \"iss\" claim")
	case !ok:
		return invalidf("claim \"iss\" is not a string")
	case iss != p.Issuer():
		return invalidf("token issuer %s is not the issuer %s of provider %s", q(iss), q(p.Issuer()), q(p.cfg.Name))
	}
	c.Issuer = iss
	return nil
}

func (p *Provider) checkAud(t *token, _ time.Time, c *Claims) *Error {
	aud, err := audiences(t.claims)
	if err != nil {
		return err
	}
	azp, present := t.claims["azp"]
	azpStr, ok := azp.(string)
	if present && !ok {
		return invalidf("claim \"azp\" is not a string")
	}
	c.Audience, c.AuthorizedParty = aud, azpStr
	for _, want := range p.cfg.Audiences {
		if slices.Contains(aud, want) || (azpStr != "" && azpStr == want) {
			c.MatchedAudience = want
			return nil
		}
	}
	if len(aud) == 0 && azpStr == "" {
		return invalidf("token has neither \"aud\" nor \"azp\"; the configured audiences are %s", qlist(p.cfg.Audiences))
	}
	got := "token audience " + qlist(aud)
	if azpStr != "" {
		got += " (azp " + q(azpStr) + ")"
	}
	return invalidf("%s is not one of the configured audiences %s", got, qlist(p.cfg.Audiences))
}

func (p *Provider) checkExp(t *token, now time.Time, c *Claims) *Error {
	exp, present, err := numericDate(t.claims, "exp")
	switch {
	case err != nil:
		return err
	case !present:
		return invalidf("token has no \"exp\" claim")
	}
	c.Expiry = exp
	if now.After(exp.Add(p.cfg.Leeway)) {
		return newErr(ErrExpiredToken, "token expired at %s (now %s, leeway %s)", stamp(exp), stamp(now), p.cfg.Leeway)
	}
	return nil
}

func (p *Provider) checkNbf(t *token, now time.Time, c *Claims) *Error {
	nbf, present, err := numericDate(t.claims, "nbf")
	if err != nil || !present {
		return err
	}
	c.NotBefore = nbf
	if nbf.After(now.Add(p.cfg.Leeway)) {
		return invalidf("token is not valid before %s (now %s, leeway %s)", stamp(nbf), stamp(now), p.cfg.Leeway)
	}
	return nil
}

func (p *Provider) checkIat(t *token, now time.Time, c *Claims) *Error {
	iat, present, err := numericDate(t.claims, "iat")
	if err != nil || !present {
		return err
	}
	c.IssuedAt = iat
	if iat.After(now.Add(p.cfg.Leeway)) {
		return invalidf("token was issued in the future, at %s (now %s, leeway %s)", stamp(iat), stamp(now), p.cfg.Leeway)
	}
	return nil
}

func (p *Provider) checkUser(t *token, _ time.Time, c *Claims) *Error {
	v, present := lookupClaim(t.claims, p.cfg.UserClaim)
	s, ok := v.(string)
	switch {
	case !present:
		return invalidf("token has no %s claim (the provider's user claim)", q(p.cfg.UserClaim))
	case !ok:
		return invalidf("user claim %s is not a string", q(p.cfg.UserClaim))
	case s == "":
		return invalidf("user claim %s is empty", q(p.cfg.UserClaim))
	}
	c.Subject = s
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sigVerdict is the outcome of trying a token against a key set.
type sigVerdict int

const (
	sigOK     sigVerdict = iota
	sigFailed            // a key with the token's kid exists but refuses it
	sigNoKey             // no key found that could verify it (refetch may help)
)

// trySignature verifies t against keys.
func trySignature(keys []jwk, t *token) (sigVerdict, string) {
	var reasons []string
	tried := 0
	for _, k := range keys {
		if t.kid != "" && k.kid != t.kid {
			continue
		}
		if ok, why := k.fits(t.alg); !ok {
			if t.kid != "" {
				reasons = append(reasons, why)
			}
			continue
		}
		tried++
		if _, err := t.jws.Verify(k.key); err == nil {
			return sigOK, ""
		}
		if t.kid != "" {
			reasons = append(reasons, "signature does not verify with "+k.describe())
		}
	}
	switch {
	case t.kid != "" && len(reasons) > 0:
		return sigFailed, joinReasons(reasons)
	case t.kid != "":
		return sigNoKey, fmt.Sprintf("key id %s is not in the provider's JWKS", q(t.kid))
	case tried == 0:
		return sigNoKey, fmt.Sprintf("token has no kid and no key of the provider's JWKS fits algorithm %s", q(t.alg))
	default:
		return sigNoKey, fmt.Sprintf("token has no kid and its signature does not verify with any of the %d keys fitting algorithm %s", tried, q(t.alg))
	}
}

func joinReasons(r []string) string {
	if len(r) == 1 {
		return r[0]
	}
	return fmt.Sprintf("%s (and %d more keys with this kid)", r[0], len(r)-1)
}

// checkSignature verifies t's signature against the cached keys, refetching
// the JWKS (rate-limited, shared) when no cached key can verify it.
func (p *Provider) checkSignature(ctx context.Context, t *token) *Error {
	keys, _ := p.snapshot()
	verdict, why := trySignature(keys, t)
	switch verdict {
	case sigOK:
		return nil
	case sigFailed:
		return invalidf("%s", why)
	}
	fetched, ferr := p.refetchIfAllowed(ctx)
	if fetched && ferr == nil {
		keys, _ = p.snapshot()
		verdict, why = trySignature(keys, t)
		switch verdict {
		case sigOK:
			return nil
		case sigFailed:
			return invalidf("%s", why)
		}
		return invalidf("%s (JWKS refreshed just now)", why)
	}
	if ferr == nil {
		_, ferr = p.snapshot()
	}
	if ferr != nil {
		var e *Error
		reason := ferr.Error()
		if errors.As(ferr, &e) {
			reason = e.Reason
		}
		return &Error{Kind: ErrIDPCommunication, Cause: ferr,
			Reason: fmt.Sprintf("no cached key can verify the token (%s) and the JWKS cannot be fetched: %s", why, reason)}
	}
	return invalidf("%s", why)
}
