package authn

import (
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unsafe"

	"github.com/fedstore/fedstore/internal/sigv4"
)

// Options configures an Authenticator.
type Options struct {
	// Region requests must be signed for; default "us-east-1".
	Region string
	// Services accepted in the credential scope; default {"s3"}.
	Services []string
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// MaxSkew is the largest accepted difference between the request time
	// and the clock; default 15 minutes.
	MaxSkew time.Duration
	// KeyCacheSize bounds the signing-key cache; default
	// sigv4.DefaultKeyCacheSize.
	KeyCacheSize int
}

// Authenticator authenticates S3-style requests. Safe for concurrent use.
type Authenticator struct {
	src  CredentialSource
	opts Options
	keys *sigv4.KeyCache
}

// New returns an Authenticator resolving access keys through src.
func New(src CredentialSource, opts Options) *Authenticator {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if len(opts.Services) == 0 {
		opts.Services = []string{"s3"}
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = 15 * time.Minute
	}
	return &Authenticator{src: src, opts: opts, keys: sigv4.NewKeyCache(opts.KeyCacheSize)}
}

// Authenticate verifies r's SigV4 signature (header or presigned query) and
// returns the principal with a verifying body. A request with no
// Authorization header and no presign parameters is Anonymous. Errors are
// this package's sentinels, wrapped with a precise reason. r.Body must be
// read through Result.Body, not directly.
func (a *Authenticator) Authenticate(r *http.Request) (*Result, error) {
	var signed sigv4.Signed // on the stack
	s := &signed
	ok, err := sigv4.ParseRequestInto(r, s)
	if err != nil {
		return nil, err
	}
	if !ok {
		body, err := sigv4.NewBody(r, r.Header.Get("X-Amz-Content-Sha256"), nil)
		if err != nil {
			return nil, err
		}
		return newResult(Principal{Kind: Anonymous}, body, false), nil
	}
	if s.Scope.Region != a.opts.Region {
		return nil, fmt.Errorf("%w: the region '%s' is wrong; expecting '%s'", s.Malformed(), s.Scope.Region, a.opts.Region)
	}
	if !slices.Contains(a.opts.Services, s.Scope.Service) {
		return nil, fmt.Errorf("%w: the service '%s' is wrong; expecting '%s'", s.Malformed(), s.Scope.Service, a.opts.Services[0])
	}
	now := a.opts.Clock()
	if err := s.CheckTime(now, a.opts.MaxSkew); err != nil {
		return nil, err
	}
	cred, err := a.src.LookupCredential(r.Context(), s.AccessKey, s.SecurityToken)
	if err != nil {
		return nil, err
	}
	if !cred.Expiration.IsZero() && !now.Before(cred.Expiration) {
		return nil, fmt.Errorf("%w: credentials of %s expired at %s", ErrExpiredToken, s.AccessKey, cred.Expiration.UTC().Format(time.RFC3339))
	}
	switch {
	case cred.SessionToken == "" && s.SecurityToken != "":
		return nil, fmt.Errorf("%w: a security token was sent for an access key that takes none", ErrInvalidToken)
	case cred.SessionToken != "" && s.SecurityToken == "":
		return nil, fmt.Errorf("%w: temporary credentials need the X-Amz-Security-Token header or query parameter", ErrMissingSecurityHeader)
	case !sameToken(cred.SessionToken, s.SecurityToken):
		return nil, fmt.Errorf("%w: the security token does not belong to this access key", ErrInvalidToken)
	}
	key := a.keys.Key(cred.SecretKey, s.Scope)
	if err := s.Verify(r, key); err != nil {
		return nil, err
	}
	var signing *sigv4.ChunkSigning
	if s.PayloadHash == sigv4.StreamingPayload || s.PayloadHash == sigv4.StreamingPayloadTrailer {
		// Only signed chunks need it.
		signing = &sigv4.ChunkSigning{
			Key:     key,
			AmzDate: s.AmzDate,
			Scope:   s.ScopeString(),
			Seed:    hex.EncodeToString(s.Signature[:]),
		}
	}
	body, err := sigv4.NewBody(r, s.PayloadHash, signing)
	if err != nil {
		return nil, err
	}
	p := cred.Principal
	if p.AccessKey == "" {
		p.AccessKey = s.AccessKey
	}
	return newResult(p, body, s.Presigned), nil
}

// sameToken reports whether the credential's session token is the one the
// request carried. A source that has checked the request's token (the STS
// opens it) hands back that very string: then there is nothing left to
// compare, which saves hashing-sized work on every request with temporary
// credentials (tokens are hundreds of bytes). Otherwise the two are
// compared in constant time.
func sameToken(want, got string) bool {
	if len(want) == len(got) && unsafe.StringData(want) == unsafe.StringData(got) {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func newResult(p Principal, body *sigv4.Body, presigned bool) *Result {
	return &Result{
		Principal:         p,
		Body:              body,
		ContentLength:     body.ContentLength,
		ChecksumAlgorithm: string(body.Algorithm),
		Checksum:          body.Checksum,
		Presigned:         presigned,
	}
}
