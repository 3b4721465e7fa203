package authn

import (
	"context"
	"io"
	"time"
)

// Kind is the sort of principal a request authenticated as.
type Kind int

const (
	Anonymous Kind = iota // no credentials at all
	Root                  // the root credentials
	User                  // a static user (reserved)
	Session               // temporary credentials from STS
)

// Principal is who made a request.
type Principal struct {
	Kind      Kind
	AccessKey string
	// Name is "root" for root, the user name, or the session's subject (the
	// value of the provider's user claim): aws:username.
	Name string

	// The fields below describe a temporary session (Kind == Session).

	// ARN is the session's principal ARN as bucket policies name it:
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION-NAME.
	ARN string
	// UserID is aws:userid (ROLEID:SESSION-NAME in AWS's form).
	UserID string
	// Policies names the IAM policies the session holds (looked up at request
	// time, so policy edits apply to live sessions at once).
	Policies []string
	// SessionPolicy is the inline session policy JSON passed at
	// AssumeRoleWithWebIdentity ("" if none): effective permissions are the
	// intersection.
	SessionPolicy string
	// Claims holds the token's string and string-list claims, for jwt:<claim>
	// condition keys and ${jwt:<claim>} variables.
	Claims map[string][]string
	// Provider is the issuer of the token the session was issued for.
	Provider string
	// Expiration is when the session ends.
	Expiration time.Time
}

// Credential is what a CredentialSource knows about an access key.
type Credential struct {
	AccessKey string
	SecretKey string
	// SessionToken, if non-empty, must be sent as X-Amz-Security-Token.
	SessionToken string
	// Expiration: zero means never.
	Expiration time.Time
	Principal  Principal
}

// CredentialSource resolves an access key (and the session token sent with it)
// to a credential. It returns ErrInvalidAccessKeyId for an unknown key,
// ErrExpiredToken / ErrInvalidToken for sessions.
type CredentialSource interface {
	LookupCredential(ctx context.Context, accessKey, sessionToken string) (Credential, error)
}

// Result is an authenticated request.
type Result struct {
	Principal Principal
	// Body is the request body to use instead of r.Body: aws-chunked framing
	// removed, and every declared digest (x-amz-content-sha256, chunk
	// signatures, trailing or header x-amz-checksum-*) verified as it is read;
	// a mismatch surfaces as a Read error (one of this package's errors) no
	// later than the read that would return io.EOF.
	Body io.ReadCloser
	// ContentLength is the decoded payload length, -1 if unknown.
	ContentLength int64
	// ChecksumAlgorithm is the x-amz-checksum-* algorithm being verified
	// (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) or "".
	ChecksumAlgorithm string
	// Checksum returns the verified base64 checksum value once Body has
	// returned io.EOF, else "".
	Checksum func() string
	// Presigned is true for query-string authentication.
	Presigned bool
}
