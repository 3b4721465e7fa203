package sts

import "errors"

// Errors of the exchange. Return them wrapped with a precise reason,
// e.g. fmt.Errorf("%w: token audience %q is not accepted by provider %q",
// ErrInvalidIdentityToken, aud, name). The wire layer (stsapi) maps each to its
// STS error code in one table and sends the wrapped error's text to the
// client as the Message, so that text must never contain a token, a secret
// or a session token. Any other error becomes InternalFailure and its text is
// only logged.
var (
	// ErrInvalidIdentityToken: bad signature, unknown issuer, wrong audience,
	// refused algorithm, missing required claim, malformed token
	// (InvalidIdentityToken, 400).
	ErrInvalidIdentityToken = errors.New("the web identity token that was passed could not be validated")
	// ErrExpiredToken: the token's exp lies in the past beyond the leeway
	// (ExpiredTokenException, 400).
	ErrExpiredToken = errors.New("the web identity token that was passed is expired")
	// ErrIDPCommunication: the IdP's discovery document or JWKS could not be
	// fetched and no usable cached key exists (IDPCommunicationError, 400;
	// clients retry it).
	ErrIDPCommunication = errors.New("couldn't retrieve verification key from your identity provider")
	// ErrAccessDenied: no policy matches the token's roles or identity; the
	// reason names the claim, the values seen, and that matching is
	// case-sensitive (AccessDenied, 403).
	ErrAccessDenied = errors.New("not authorized to perform sts:AssumeRoleWithWebIdentity")
	// ErrMalformedPolicy: the session policy is not a valid IAM policy
	// document (MalformedPolicyDocument, 400).
	ErrMalformedPolicy = errors.New("the session policy document is malformed")
	// ErrPackedPolicyTooLarge: the session policies exceed the packed size
	// limit (PackedPolicyTooLarge, 400).
	ErrPackedPolicyTooLarge = errors.New("the session policies are too large")
	// ErrInvalidParameter: a parameter that passed the wire constraints is
	// still unacceptable, e.g. a policy ARN naming no known policy
	// (InvalidParameterValue, 400).
	ErrInvalidParameter = errors.New("an invalid or out-of-range value was supplied for the input parameter")
	// ErrMissingParameter: a parameter the exchange needs in this situation
	// is absent, e.g. ProviderId for a provider that requires it
	// (MissingParameter, 400).
	ErrMissingParameter = errors.New("a required parameter for the specified action is not supplied")
	// ErrThrottled: the caller exceeded a rate limit (Throttling, 400).
	ErrThrottled = errors.New("rate exceeded")
	// ErrUnavailable: the exchange cannot run now, e.g. the state store is
	// unreachable (ServiceUnavailable, 503; clients retry it).
	ErrUnavailable = errors.New("the service is temporarily unavailable")
)
