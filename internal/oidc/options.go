package oidc

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Options.
const (
	DefaultFetchTimeout       = 5 * time.Second
	DefaultMaxResponseBytes   = 1 << 20
	DefaultMinRefetchInterval = 10 * time.Second
	DefaultRefreshInterval    = time.Hour
	minRefreshInterval        = time.Minute
	// MaxTokenLength is the longest token accepted (SPEC: WebIdentityToken
	// is 4..20000 characters).
	MaxTokenLength = 20000
)

// Fetch kinds reported to Metrics.
const (
	FetchDiscovery = "discovery"
	FetchJWKS      = "jwks"
)

// Metrics receives one call per HTTP fetch a provider makes; err is nil on
// success. Implementations must be safe for concurrent use.
type Metrics interface {
	Fetch(provider, kind string, err error)
}

// MetricsFunc adapts a function to Metrics.
type MetricsFunc func(provider, kind string, err error)

// Fetch calls f.
func (f MetricsFunc) Fetch(provider, kind string, err error) { f(provider, kind, err) }

type noMetrics struct{}

func (noMetrics) Fetch(string, string, error) {}

// Options are the injected dependencies and tunables of a Provider.
type Options struct {
	// HTTPClient fetches discovery and JWKS; default a client with
	// FetchTimeout. Every fetch is also bounded by FetchTimeout.
	HTTPClient *http.Client
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Logger; default slog.DiscardHandler.
	Logger *slog.Logger
	// Metrics; default none.
	Metrics Metrics
	// FetchTimeout bounds each HTTP fetch; default 5s.
	FetchTimeout time.Duration
	// MaxResponseBytes bounds each response body; default 1 MiB.
	MaxResponseBytes int64
	// MinRefetchInterval: at most one refetch per provider per interval is
	// triggered by an unknown key id (or a failed lookup); default 10s.
	MinRefetchInterval time.Duration
	// RefreshInterval is the longest time between background refreshes in
	// Run; a shorter JWKS Cache-Control max-age (at least 1 minute) wins.
	// Default 1h.
	RefreshInterval time.Duration
	// InsecureAllowHTTP allows http:// issuer and JWKS URLs to any host
	// (by default only loopback hosts may use http).
	InsecureAllowHTTP bool
}

func (o Options) withDefaults() Options {
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = DefaultFetchTimeout
	}
	if o.HTTPClient == nil {
		allowHTTP := o.InsecureAllowHTTP
		o.HTTPClient = &http.Client{
			Timeout: o.FetchTimeout,
			// Never follow a redirect to a URL we would not fetch directly
			// (e.g. https downgraded to http).
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return fmt.Errorf("stopped after %d redirects", len(via))
				}
				if err := checkFetchURL(req.URL, allowHTTP); err != nil {
					return fmt.Errorf("redirect to %s refused: it %w", req.URL.Redacted(), err)
				}
				return nil
			},
		}
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.MinRefetchInterval <= 0 {
		o.MinRefetchInterval = DefaultMinRefetchInterval
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = DefaultRefreshInterval
	}
	return o
}
