package oidc

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims is a verified token's identity: what the STS needs to map roles
// and policies and to fill its response.
type Claims struct {
	// Provider is the name of the provider that verified the token.
	Provider string
	// Issuer is the token's iss.
	Issuer string
	// Subject is the value of the provider's user claim (default "sub").
	Subject string
	// Audience is the token's aud (a single string becomes one element).
	Audience []string
	// AuthorizedParty is the token's azp, if any.
	AuthorizedParty string
	// MatchedAudience is the configured audience the token matched.
	MatchedAudience string
	// Expiry is exp; IssuedAt and NotBefore are zero when absent.
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// KeyID and Algorithm come from the token's header.
	KeyID     string
	Algorithm string
	// Raw is every claim of the payload (numbers as json.Number).
	Raw map[string]any

	roleClaim   string
	groupsClaim string
}

// RoleClaim returns the provider's configured roles claim path.
func (c *Claims) RoleClaim() string { return c.roleClaim }

// Roles returns the values at claimPath (the provider's ClaimName when
// empty): a JSON array of strings, a single string, or a comma-separated
// string; values trimmed, empty ones dropped, duplicates removed, order
// kept. A literal claim name containing dots (e.g. a namespaced
// "https://example.com/roles") is tried before walking the dotted path.
func (c *Claims) Roles(claimPath string) []string {
	if claimPath == "" {
		claimPath = c.roleClaim
	}
	v, _ := lookupClaim(c.Raw, claimPath)
	return stringValues(v)
}

// Groups returns the values of the provider's groups claim (same forms as
// Roles), or nil when no groups claim is configured.
func (c *Claims) Groups() []string {
	if c.groupsClaim == "" {
		return nil
	}
	v, _ := lookupClaim(c.Raw, c.groupsClaim)
	return stringValues(v)
}

// StringClaims returns every top-level claim whose value is a string or a
// list of strings (all elements strings), for the policy keys jwt:<claim>.
func (c *Claims) StringClaims() map[string][]string {
	out := make(map[string][]string, len(c.Raw))
	for k, v := range c.Raw {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			ss := make([]string, 0, len(v))
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					ss = nil
					break
				}
				ss = append(ss, s)
			}
			if ss != nil {
				out[k] = ss
			}
		}
	}
	return out
}

// lookupClaim finds a claim by its literal name, else by walking a dotted
// path through nested objects.
func lookupClaim(raw map[string]any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	if v, ok := raw[path]; ok {
		return v, true
	}
	cur := any(raw)
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// stringValues flattens a roles-like claim value.
func stringValues(v any) []string {
	var in []string
	switch v := v.(type) {
	case string:
		in = strings.Split(v, ",")
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				in = append(in, s)
			}
		}
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// numericDate reads a NumericDate claim; present is false when absent.
func numericDate(raw map[string]any, name string) (t time.Time, present bool, err *Error) {
	v, ok := raw[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, true, invalidf("claim %q is not a number (NumericDate)", name)
	}
	f, perr := n.Float64()
	if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, true, invalidf("claim %q is not a valid NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// audiences reads aud (string or array of strings).
func audiences(raw map[string]any) ([]string, *Error) {
	switch v := raw["aud"].(type) {
	case nil:
		if _, ok := raw["aud"]; ok {
			return nil, invalidf("claim \"aud\" is null")
		}
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, invalidf("claim \"aud\" holds a non-string value")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, invalidf("claim \"aud\" is neither a string nor an array of strings")
	}
}
