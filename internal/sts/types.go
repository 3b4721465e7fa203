package sts

import "time"

// WebIdentityInput is one AssumeRoleWithWebIdentity request, already decoded
// and validated against AWS's parameter constraints by the wire layer.
type WebIdentityInput struct {
	// RoleArn is a well-formed ARN of 20..2048 characters. Where its role name
	// (the resource after "role/") equals one of the token's role values, the
	// session gets that role's policy alone.
	RoleArn string
	// RoleSessionName is 2..64 characters of [\w+=,.@-].
	RoleSessionName string
	// WebIdentityToken is the JWT (4..20000 characters). Never log it.
	WebIdentityToken string
	// Duration is the requested session lifetime (DurationSeconds, or the
	// default of one hour clamped to the server maximum), already within the
	// server's bounds.
	Duration time.Duration
	// Policy is the inline session policy JSON (<= 2048 characters), or "".
	// It is not parsed yet: a malformed document is ErrMalformedPolicy.
	Policy string
	// PolicyArns are the managed session policy ARNs
	// (PolicyArns.member.N.arn), in request order; at most 10.
	PolicyArns []string
	// ProviderID is the ProviderId parameter (OAuth 2.0 access tokens only);
	// OIDC tokens name their issuer themselves, so it is normally "".
	ProviderID string
	// SourceIP is the client's address as the server saw it (no port), for
	// the aws:SourceIp condition key and the audit log.
	SourceIP string
}

// WebIdentityOutput is a successful exchange.
type WebIdentityOutput struct {
	AccessKeyID     string
	SecretAccessKey string // never logged
	SessionToken    string // never logged
	// Expiration is when the credentials stop working; the wire layer sends
	// it in UTC to the second.
	Expiration time.Time
	// SubjectFromWebIdentityToken is the token's user claim (sub by default).
	SubjectFromWebIdentityToken string
	// AssumedRoleARN, e.g. arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
	AssumedRoleARN string
	// AssumedRoleID, e.g. ROLEID:SESSION.
	AssumedRoleID string
	// Provider is the token's issuer (iss).
	Provider string
	// Audience is the token's audience the provider accepted (aud or azp).
	Audience string
	// PackedPolicySize is the session policies' packed size as a percentage
	// of the allowed space; sent only when the request carried a session
	// policy (Policy or PolicyArns).
	PackedPolicySize int
}
