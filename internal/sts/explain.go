package sts

import (
	"context"

	"github.com/fedstore/fedstore/internal/oidc"
)

// Explanation is `fedstore sts explain`: how a token fares at the exchange,
// step by step, without issuing anything.
type Explanation struct {
	// Token is the provider routing and every verification check.
	Token oidc.Explanation `json:"token"`
	// Mapping is the roles claim and identity mapped to policies; nil when
	// the token's claims could not be read (it cannot be decoded or routes
	// to no provider).
	Mapping *Mapping `json:"mapping,omitempty"`
	// Allowed is true when the exchange would issue credentials.
	Allowed bool `json:"allowed"`
	// Reason says why not, when not.
	Reason string `json:"reason,omitempty"`
}

// Explain runs the verification checks (oidc Explain) and the role to
// policy mapping on raw, optionally with a RoleArn, and reports them all.
// The mapping is shown even when a check fails, from the untrusted claims,
// so one run answers both "is my token valid" and "what would it get".
func (s *Service) Explain(ctx context.Context, raw, roleArn string) Explanation {
	ex := Explanation{Token: s.cfg.Verifier.Explain(ctx, raw)}
	if ex.Token.Claims != nil {
		m := mapPolicies(s.cfg.Policies, ex.Token.Claims, roleArn)
		ex.Mapping = &m
	}
	switch {
	case !ex.Token.Valid:
		if ex.Token.Err != nil {
			ex.Reason = verifyError(ex.Token.Err).Error()
		} else {
			ex.Reason = "the token does not verify"
		}
	case ex.Mapping == nil:
		ex.Reason = "the token's claims could not be read"
	case len(ex.Mapping.Policies) == 0:
		ex.Reason = ErrAccessDenied.Error() + ": " + ex.Mapping.Denied
	default:
		ex.Allowed = true
	}
	return ex
}
