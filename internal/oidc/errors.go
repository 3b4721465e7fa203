package oidc

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels the STS API maps to wire codes. Every error returned by
// Verify is an *Error whose Kind is one of the first three.
var (
	// ErrInvalidToken: malformed token, bad signature, unknown issuer,
	// wrong audience, algorithm or type refused, missing or bad claim
	// (STS InvalidIdentityToken).
	ErrInvalidToken = errors.New("invalid identity token")
	// ErrExpiredToken: exp is in the past beyond the leeway
	// (STS ExpiredTokenException).
	ErrExpiredToken = errors.New("expired identity token")
	// ErrIDPCommunication: the IdP could not be reached (discovery or JWKS)
	// and no usable cached key exists (STS IDPCommunicationError).
	ErrIDPCommunication = errors.New("cannot communicate with the identity provider")
	// ErrInvalidConfig: a ProviderConfig or Options value is refused.
	ErrInvalidConfig = errors.New("invalid OIDC provider configuration")
)

// Error is a verification or provider error: Kind is one of the sentinels
// above (errors.Is works on it), Reason says exactly why in words fit for
// the client, and the other fields are details for logs. It never holds the
// token itself.
type Error struct {
	Kind     error
	Reason   string
	Provider string // provider name, if the token was routed
	Issuer   string // the token's iss (truncated), if known
	KeyID    string // the token's kid (truncated), if any
	Cause    error  // underlying error (network, crypto), if any
}

func (e *Error) Error() string {
	return e.Kind.Error() + ": " + e.Reason
}

// Unwrap returns the Kind and the Cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func newErr(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) *Error {
	return newErr(ErrInvalidToken, format, args...)
}

// maxQuoted bounds attacker-controlled strings echoed in errors and logs.
const maxQuoted = 128

// q quotes s for an error message, truncating long values.
func q(s string) string {
	if len(s) > maxQuoted {
		return fmt.Sprintf("%q...", s[:maxQuoted])
	}
	return fmt.Sprintf("%q", s)
}

// qlist renders a list of strings as ["a", "b"].
func qlist(ss []string) string {
	parts := make([]string, 0, len(ss))
	for i, s := range ss {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("... (%d more)", len(ss)-i))
			break
		}
		parts = append(parts, q(s))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// trunc shortens s for a log field.
func trunc(s string) string {
	if len(s) > maxQuoted {
		return s[:maxQuoted] + "..."
	}
	return s
}
