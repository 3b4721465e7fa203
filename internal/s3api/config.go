package s3api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object"
)

// Authenticator verifies a request's signature (header or presigned query) and
// returns who sent it and the body to read instead of r.Body.
type Authenticator interface {
	Authenticate(r *http.Request) (*authn.Result, error)
}

// AuthzRequest is one authorization question: may Principal perform Action on
// Resource? Conditions carries the request's condition keys (aws:SourceIp,
// aws:SecureTransport, aws:CurrentTime, aws:EpochTime, aws:UserAgent, and for
// listings s3:prefix, s3:delimiter, s3:max-keys); absent keys are not set.
type AuthzRequest struct {
	Principal  authn.Principal
	Action     string // e.g. "s3:GetObject"
	Resource   string // "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key" or "arn:aws:s3:::*"
	Bucket     string // "" for service-level actions
	Key        string // "" unless Resource names an object
	Conditions map[string][]string
}

// Authorizer decides AuthzRequests. It returns nil to allow, an error wrapping
// authn.ErrAccessDenied to deny (its text becomes the S3 message, so it must not
// reveal policy contents), and any other error for a failure to decide (which
// the client sees as InternalError, and which denies).
type Authorizer interface {
	Authorize(ctx context.Context, req AuthzRequest) error
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, req AuthzRequest) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, req AuthzRequest) error { return f(ctx, req) }

// RootOnly is the default Authorizer: the root principal may do everything,
// everyone else nothing.
func RootOnly() Authorizer {
	return AuthorizerFunc(func(_ context.Context, req AuthzRequest) error {
		if req.Principal.Kind == authn.Root {
			return nil
		}
		return authn.ErrAccessDenied
	})
}

// Config configures the S3 handler.
type Config struct {
	// Backend stores buckets and objects (required).
	Backend object.Backend
	// Auth authenticates every request. Nil treats every request as anonymous
	// (which the default Authorizer denies).
	Auth Authenticator
	// Authz authorizes every operation; nil means RootOnly().
	Authz Authorizer
	// Logger receives internal errors (with the request id); nil discards.
	Logger *slog.Logger
	// Region is what GetBucketLocation / HeadBucket report and what
	// CreateBucket's LocationConstraint must name; default us-east-1.
	Region string
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Domain, if set, enables virtual-hosted style: Host "bucket.<Domain>"
	// addresses bucket. Path style always works.
	Domain string
	// MaxObjectSize caps a single PUT; 0 means 5 GiB (S3's limit).
	MaxObjectSize int64
	// BucketPolicies stores bucket policies; nil answers the bucket policy
	// operations with NotImplemented.
	BucketPolicies BucketPolicies
}

// Limits.
const (
	maxSinglePut     = 5 << 30 // S3's single-PUT and copy-source limit
	maxXMLBody       = 1 << 20 // DeleteObjects, CompleteMultipartUpload
	maxSmallXMLBody  = 64 << 10
	maxDeleteObjects = 1000
	maxUserMetadata  = 2 << 10 // S3: 2 KB of user-defined metadata
	maxListKeys      = 1000
	s3Namespace      = "http://s3.amazonaws.com/doc/2006-03-01/"
	xmlTimeFormat    = "2006-01-02T15:04:05.000Z"
)

type handler struct {
	backend       object.Backend
	auth          Authenticator
	authz         Authorizer
	log           *slog.Logger
	region        string
	now           func() time.Time
	domain        string
	maxObjectSize int64
	policies      BucketPolicies
	ownerID       string
	routes        []route
	bodyBufs      sync.Pool // of *[maxBufferedBody]byte, see writeSmallBody
}

// New returns the S3 API handler. It serves every path it is given (the server
// mounts it at "/" after splitting off STS, admin, health and metrics); it must
// see the request's path uncleaned, since object keys may contain "//".
func New(cfg Config) http.Handler {
	h := &handler{
		backend:       cfg.Backend,
		auth:          cfg.Auth,
		authz:         cfg.Authz,
		log:           cfg.Logger,
		region:        cfg.Region,
		now:           cfg.Clock,
		domain:        cfg.Domain,
		maxObjectSize: cfg.MaxObjectSize,
		policies:      cfg.BucketPolicies,
		routes:        routes(),
	}
	if h.authz == nil {
		h.authz = RootOnly()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.region == "" {
		h.region = "us-east-1"
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.maxObjectSize <= 0 {
		h.maxObjectSize = maxSinglePut
	}
	sum := sha256.Sum256([]byte("fedstore:root"))
	h.ownerID = hex.EncodeToString(sum[:])
	return h
}
