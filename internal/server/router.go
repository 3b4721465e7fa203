package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/reqctx"
)

// Paths served by the server itself (only to requests without SigV4 auth:
// a signed GET /health/live is S3's GetObject of bucket "health").
const (
	PathLive    = "/health/live"
	PathReady   = "/health/ready"
	PathMetrics = "/metrics"
	// AdminPrefix is where the admin API is mounted. "_fedstore" can never be
	// a bucket name, so the prefix never hides S3 paths.
	AdminPrefix = adminapi.Prefix
)

// API names recorded in reqctx.Info.API (logs and metric labels).
const (
	APIS3      = "s3"
	APISTS     = "sts"
	APIAdmin   = "admin"
	APIHealth  = "health"
	APIMetrics = "metrics"
	APIDevIdP  = "dev-idp"
)

// route dispatches one request (already carrying its reqctx.Info).
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, AdminPrefix) && s.admin != nil:
		info.API = APIAdmin
		s.admin.ServeHTTP(w, r)
	case s.isOwnEndpoint(r):
		s.serveOwn(w, r, info)
	case s.isSignInRequest(r): // signin.go
		s.serveSignIn(w, r, info)
	case s.isDevIdPRequest(r):
		info.API, info.Op = APIDevIdP, "DevIdP"
		s.oidc.devHTTP.ServeHTTP(w, r)
	case s.sts != nil && isSTSRequest(r):
		// AssumeRoleWithWebIdentity: POST / with an Action= form body,
		// POST /?Action=, GET /?Action= (unsigned).
		info.API = APISTS
		s.sts.ServeHTTP(w, r)
	default:
		info.API = APIS3
		s.s3.ServeHTTP(w, r)
	}
}

// serveOwn answers the health and metrics endpoints.
func (s *Server) serveOwn(w http.ResponseWriter, r *http.Request, info *reqctx.Info) {
	switch r.URL.Path {
	case PathLive:
		info.API, info.Op = APIHealth, "Live"
		serveLive(w, r)
	case PathReady:
		info.API, info.Op = APIHealth, "Ready"
		s.serveReady(w, r)
	case PathMetrics:
		info.API, info.Op = APIMetrics, "Scrape"
		s.metricsHandler.ServeHTTP(w, r)
	}
}

// isOwnEndpoint: GET/HEAD of a health or metrics path, without any SigV4
// authentication, addressed path-style.
func (s *Server) isOwnEndpoint(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case PathLive, PathReady, PathMetrics:
	default:
		return false
	}
	if r.URL.RawQuery != "" && hasSigV4Query(r) {
		return false
	}
	return !hasSigV4Header(r) && !s.isVirtualHost(r.Host)
}

// hasSigV4Header: any Authorization header makes the request S3's (or a
// future API's), never the server's own endpoints.
func hasSigV4Header(r *http.Request) bool {
	return r.Header.Get("Authorization") != ""
}

// hasSigV4Query: presigned query authentication.
func hasSigV4Query(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm")
}

// isVirtualHost reports whether host addresses a bucket as BUCKET.Domain.
func (s *Server) isVirtualHost(host string) bool {
	if s.cfg.Domain == "" {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(host, "."+strings.ToLower(s.cfg.Domain))
}

// isSTSRequest recognises an STS query-API call: unsigned, at "/", with the
// Action in the query or in a form-encoded POST body.
func isSTSRequest(r *http.Request) bool {
	if r.URL.Path != "/" || hasSigV4Header(r) {
		return false
	}
	if r.URL.Query().Has("Action") {
		return r.Method == http.MethodGet || r.Method == http.MethodPost
	}
	if r.Method != http.MethodPost {
		return false
	}
	ct := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Type")))
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded")
}
