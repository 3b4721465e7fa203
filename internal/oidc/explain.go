package oidc

import (
	"context"
	"errors"
	"fmt"
)

// CheckStatus is the outcome of one check in an Explanation.
type CheckStatus string

// Check outcomes.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	CheckSkip CheckStatus = "skip" // could not run because an earlier step failed
)

// Check names, in the order Explain reports them (and Verify applies them).
const (
	CheckFormat    = "format"
	CheckAlg       = "alg"
	CheckTyp       = "typ"
	CheckProvider  = "provider"
	CheckSignature = "signature"
	CheckIss       = "iss"
	CheckAud       = "aud"
	CheckExp       = "exp"
	CheckNbf       = "nbf"
	CheckIat       = "iat"
	CheckUser      = "user claim"
)

// Check is one verification step and its result.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"`
}

// Explanation reports, for an operator, how a token fares: which provider
// it routes to and every check with its reason. Header and Claims are
// decoded without trust; Claims.Raw is the payload even when a check fails.
type Explanation struct {
	Provider  string         `json:"provider,omitempty"`
	Issuer    string         `json:"issuer,omitempty"`
	KeyID     string         `json:"kid,omitempty"`
	Algorithm string         `json:"alg,omitempty"`
	Type      string         `json:"typ,omitempty"`
	Header    map[string]any `json:"header,omitempty"`
	Claims    *Claims        `json:"-"`
	// Payload is the token's claims as decoded (untrusted unless Valid).
	Payload map[string]any `json:"claims,omitempty"`
	Checks  []Check        `json:"checks"`
	// Valid is true when every check passed: Verify would accept the token.
	Valid bool `json:"valid"`
	// Err is the error Verify returns (nil when Valid).
	Err error `json:"-"`
}

type explainer struct {
	ex Explanation
}

func (e *explainer) add(name string, err *Error, okDetail string) bool {
	c := Check{Name: name, Status: CheckPass, Detail: okDetail}
	if err != nil {
		c.Status, c.Detail = CheckFail, err.Reason
		if e.ex.Err == nil {
			e.ex.Err = err
		}
	}
	e.ex.Checks = append(e.ex.Checks, c)
	return err == nil
}

func (e *explainer) skip(why string, names ...string) {
	for _, n := range names {
		e.ex.Checks = append(e.ex.Checks, Check{Name: n, Status: CheckSkip, Detail: why})
	}
}

var claimCheckNames = []string{CheckIss, CheckAud, CheckExp, CheckNbf, CheckIat, CheckUser}

// Explain decodes raw without trusting it and reports every check. It may
// refetch the JWKS like Verify does (same rate limit).
func (r *Registry) Explain(ctx context.Context, raw string) Explanation {
	return explain(ctx, raw, func(t *token) (*Provider, *Error) { return r.route(t) })
}

// Explain is Registry.Explain for this provider alone.
func (p *Provider) Explain(ctx context.Context, raw string) Explanation {
	return explain(ctx, raw, func(*token) (*Provider, *Error) { return p, nil })
}

func explain(ctx context.Context, raw string, route func(*token) (*Provider, *Error)) Explanation {
	e := &explainer{}
	t, derr := decodeToken(raw)
	if derr != nil {
		e.add(CheckFormat, derr, "")
		e.skip("the token cannot be decoded", CheckAlg, CheckTyp, CheckProvider, CheckSignature)
		e.skip("the token cannot be decoded", claimCheckNames...)
		return e.ex
	}
	e.ex.KeyID, e.ex.Algorithm, e.ex.Type, e.ex.Header, e.ex.Payload = t.kid, t.alg, t.typ, t.header, t.claims
	if iss, ok := t.claims["iss"].(string); ok {
		e.ex.Issuer = iss
	}
	algErr := checkAlg(t.alg)
	var typErr *Error
	typDetail := "absent"
	if t.hasTyp {
		typErr, typDetail = checkTyp(t.typ), fmt.Sprintf("%q is accepted", t.typ)
	}
	headerOK := algErr == nil && typErr == nil
	var formatErr *Error
	if headerOK {
		if formatErr = t.checkHeader(); formatErr == nil {
			formatErr = t.parseJWS(raw)
		}
		headerOK = formatErr == nil
	}
	e.add(CheckFormat, formatErr, "compact JWS: three base64url parts, JSON header and payload")
	e.add(CheckAlg, algErr, fmt.Sprintf("%s is on the allow-list", t.alg))
	e.add(CheckTyp, typErr, typDetail)
	p, rerr := route(t)
	if !e.add(CheckProvider, rerr, "") {
		e.skip("no provider for this issuer", CheckSignature)
		e.skip("no provider for this issuer", claimCheckNames...)
		return e.ex
	}
	e.ex.Provider = p.Name()
	e.ex.Checks[len(e.ex.Checks)-1].Detail = fmt.Sprintf("provider %q, issuer %q", p.Name(), p.Issuer())
	if headerOK {
		e.add(CheckSignature, p.checkSignature(ctx, t), sigDetail(t))
	} else {
		e.skip("the header was refused", CheckSignature)
	}
	c := p.newClaims(t)
	e.ex.Claims = c
	now := p.opts.Clock()
	for i, chk := range claimChecks {
		e.add(claimCheckNames[i], chk.run(p, t, now, c), claimDetail(claimCheckNames[i], c, p))
	}
	if e.ex.Err != nil {
		var ve *Error
		if errors.As(e.ex.Err, &ve) {
			p.annotate(ve, t)
		}
	}
	e.ex.Valid = e.ex.Err == nil
	return e.ex
}

func sigDetail(t *token) string {
	if t.kid == "" {
		return fmt.Sprintf("verified with a key fitting %s (the token has no kid)", t.alg)
	}
	return fmt.Sprintf("verified with key %q", t.kid)
}

func claimDetail(name string, c *Claims, p *Provider) string {
	switch name {
	case CheckIss:
		return fmt.Sprintf("%q", c.Issuer)
	case CheckAud:
		return fmt.Sprintf("matched configured audience %q", c.MatchedAudience)
	case CheckExp:
		return "expires " + stamp(c.Expiry)
	case CheckNbf:
		if c.NotBefore.IsZero() {
			return "absent"
		}
		return "valid from " + stamp(c.NotBefore)
	case CheckIat:
		if c.IssuedAt.IsZero() {
			return "absent"
		}
		return "issued " + stamp(c.IssuedAt)
	case CheckUser:
		return fmt.Sprintf("%s = %q", p.cfg.UserClaim, c.Subject)
	}
	return ""
}
