// Package reqctx carries per-request facts through a context: the request id
// that every API puts in its responses and errors, and what the API learned
// about the request (operation, principal) for the access log and metrics.
//
// It imports nothing of fedstore's and no HTTP package.
package reqctx

import "context"

// Info is filled by the server's middleware (ID) and by the API that handles
// the request (API, Op, Principal). One goroutine handles a request, so no lock.
type Info struct {
	ID        string
	API       string // "s3", "sts", "admin", "health", "metrics"
	Op        string // e.g. "PutObject", "AssumeRoleWithWebIdentity"
	Principal string // access key or "anonymous"
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's Info, or a fresh empty one (never nil) when the
// context carries none, so callers can set fields unconditionally.
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{}
}
