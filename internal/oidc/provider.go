package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Provider is one OIDC identity provider: its configuration, its discovered
// issuer and JWKS location, and its key cache. Safe for concurrent use.
type Provider struct {
	cfg            ProviderConfig
	opts           Options
	log            *slog.Logger
	discoveryURL   string
	expectedIssuer string

	mu          sync.Mutex
	issuer      string // from the discovery document; "" until discovered
	jwksURL     string
	algs        []string // id_token_signing_alg_values_supported
	keys        []jwk    // replaced wholesale, never mutated
	fetchedAt   time.Time
	maxAge      time.Duration
	lastAttempt time.Time
	lastErr     error
	inflight    *fetchCall
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// NewProvider validates cfg (after WithDefaults), fetches the discovery
// document and the JWKS, and returns the provider; it refuses with a clear
// reason when any step fails (ErrInvalidConfig or ErrIDPCommunication).
// Use it when a provider is configured, so the admin sees mistakes at once.
func NewProvider(ctx context.Context, cfg ProviderConfig, opts Options) (*Provider, error) {
	p, err := OpenProvider(cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := p.Refresh(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// OpenProvider validates cfg and returns a provider that discovers its IdP
// lazily: on the first token, on Refresh, or in Run. Use it to load stored
// providers at server start, so an IdP that is down then does not stop the
// server; tokens for it fail with ErrIDPCommunication until it answers.
func OpenProvider(cfg ProviderConfig, opts Options) (*Provider, error) {
	cfg = cfg.WithDefaults()
	opts = opts.withDefaults()
	if err := cfg.Validate(opts.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	disc, iss, err := discoveryURL(cfg.ConfigURL, opts.InsecureAllowHTTP)
	if err != nil {
		return nil, err
	}
	cfg.Audiences = append([]string(nil), cfg.Audiences...)
	return &Provider{
		cfg:            cfg,
		opts:           opts,
		log:            opts.Logger.With("provider", cfg.Name),
		discoveryURL:   disc,
		expectedIssuer: iss,
	}, nil
}

// Name returns the provider's name.
func (p *Provider) Name() string { return p.cfg.Name }

// Config returns the provider's configuration (defaults applied).
func (p *Provider) Config() ProviderConfig {
	c := p.cfg
	c.Audiences = append([]string(nil), c.Audiences...)
	return c
}

// Issuer returns the issuer tokens must carry: the discovery document's,
// or, before discovery succeeded, the one derived from the config URL.
func (p *Provider) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.issuer != "" {
		return p.issuer
	}
	return p.expectedIssuer
}

// Status is what a provider knows about its IdP, for `oidc show`.
type Status struct {
	Name          string    `json:"name"`
	Issuer        string    `json:"issuer"`
	DiscoveryURL  string    `json:"discovery_url"`
	JWKSURL       string    `json:"jwks_url,omitempty"`
	KeyIDs        []string  `json:"key_ids"`
	Algorithms    []string  `json:"algorithms,omitempty"`
	LastFetch     time.Time `json:"last_fetch,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastAttempted time.Time `json:"last_attempt,omitzero"`
}

// Status reports the provider's discovery and key cache state.
func (p *Provider) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{
		Name: p.cfg.Name, Issuer: p.expectedIssuer, DiscoveryURL: p.discoveryURL,
		JWKSURL: p.jwksURL, LastFetch: p.fetchedAt, LastAttempted: p.lastAttempt,
		Algorithms: append([]string(nil), p.algs...), KeyIDs: []string{},
	}
	if p.issuer != "" {
		s.Issuer = p.issuer
	}
	for _, k := range p.keys {
		s.KeyIDs = append(s.KeyIDs, k.kid)
	}
	if p.lastErr != nil {
		s.LastError = p.lastErr.Error()
	}
	return s
}

// Refresh fetches the JWKS now (the discovery document first, if it has
// not been loaded yet), sharing a fetch already in flight. On failure the
// last good keys stay in use and the error wraps ErrIDPCommunication.
func (p *Provider) Refresh(ctx context.Context) error {
	p.mu.Lock()
	c := p.inflight
	if c == nil {
		c = p.startFetchLocked(ctx)
	}
	p.mu.Unlock()
	return p.wait(ctx, c)
}

// refetchIfAllowed refetches unless a fetch started less than
// MinRefetchInterval ago; concurrent callers share one fetch. It reports
// whether it waited for a fetch, and that fetch's error.
func (p *Provider) refetchIfAllowed(ctx context.Context) (bool, error) {
	p.mu.Lock()
	c := p.inflight
	if c == nil {
		if !p.lastAttempt.IsZero() && p.opts.Clock().Sub(p.lastAttempt) < p.opts.MinRefetchInterval {
			p.mu.Unlock()
			return false, nil
		}
		c = p.startFetchLocked(ctx)
	}
	p.mu.Unlock()
	return true, p.wait(ctx, c)
}

// startFetchLocked starts a fetch in its own goroutine so that a caller
// giving up does not cancel it for the others. p.mu must be held.
func (p *Provider) startFetchLocked(ctx context.Context) *fetchCall {
	c := &fetchCall{done: make(chan struct{})}
	p.inflight = c
	p.lastAttempt = p.opts.Clock()
	go p.fetch(context.WithoutCancel(ctx), c)
	return c
}

func (p *Provider) wait(ctx context.Context, c *fetchCall) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return &Error{Kind: ErrIDPCommunication, Provider: p.cfg.Name, Cause: ctx.Err(),
			Reason: fmt.Sprintf("gave up waiting for the identity provider %s: %v", q(p.cfg.Name), ctx.Err())}
	}
}

func (p *Provider) fetch(ctx context.Context, c *fetchCall) {
	err := p.fetchKeys(ctx)
	p.mu.Lock()
	if err != nil {
		p.lastErr = err
	}
	p.inflight = nil
	p.mu.Unlock()
	if err != nil {
		c.err = &Error{Kind: ErrIDPCommunication, Provider: p.cfg.Name, Cause: err,
			Reason: fmt.Sprintf("identity provider %s: %v", q(p.cfg.Name), err)}
	}
	close(c.done)
}

// fetchKeys runs discovery if needed, then loads the JWKS and installs its
// keys (replacing the old ones, so keys removed at the IdP are dropped).
func (p *Provider) fetchKeys(ctx context.Context) error {
	p.mu.Lock()
	jwksURL := p.jwksURL
	p.mu.Unlock()
	if jwksURL == "" {
		doc, err := fetchDiscovery(ctx, p.opts, p.discoveryURL, p.expectedIssuer)
		p.opts.Metrics.Fetch(p.cfg.Name, FetchDiscovery, err)
		if err != nil {
			p.log.Warn("oidc discovery failed", "url", p.discoveryURL, "error", err)
			return err
		}
		p.mu.Lock()
		p.issuer, p.jwksURL, p.algs = doc.Issuer, doc.JWKSURI, doc.SigningAlgValues
		p.mu.Unlock()
		jwksURL = doc.JWKSURI
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	maxAge, err := getJSON(ctx, p.opts, jwksURL, &set)
	var keys []jwk
	if err == nil {
		var skipped []string
		keys, skipped, err = parseJWKS(set.Keys)
		if err != nil {
			err = fmt.Errorf("JWKS %s: %w", jwksURL, err)
		}
		for _, s := range skipped {
			p.log.Warn("oidc JWKS key ignored", "url", jwksURL, "reason", s)
		}
	}
	p.opts.Metrics.Fetch(p.cfg.Name, FetchJWKS, err)
	if err != nil {
		p.log.Warn("oidc JWKS fetch failed; keeping the last good keys", "url", jwksURL, "error", err)
		return err
	}
	p.mu.Lock()
	p.keys, p.fetchedAt, p.maxAge, p.lastErr = keys, p.opts.Clock(), maxAge, nil
	p.mu.Unlock()
	p.log.Debug("oidc JWKS loaded", "url", jwksURL, "keys", len(keys))
	return nil
}

// snapshot returns the current keys and the last fetch error.
func (p *Provider) snapshot() ([]jwk, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys, p.lastErr
}

// refreshDue reports whether a background refresh should run now.
func (p *Provider) refreshDue() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inflight != nil {
		return false
	}
	now := p.opts.Clock()
	if p.fetchedAt.IsZero() || p.lastErr != nil {
		retry := min(time.Minute, p.opts.RefreshInterval)
		return p.lastAttempt.IsZero() || now.Sub(p.lastAttempt) >= retry
	}
	interval := p.opts.RefreshInterval
	if p.maxAge > 0 && p.maxAge < interval {
		interval = max(p.maxAge, minRefreshInterval)
	}
	return now.Sub(p.fetchedAt) >= interval
}

// RefreshIfDue refreshes when the refresh interval (or the JWKS max-age)
// has passed since the last good fetch, or a failed fetch is due a retry.
func (p *Provider) RefreshIfDue(ctx context.Context) error {
	if !p.refreshDue() {
		return nil
	}
	return p.Refresh(ctx)
}

// Run calls RefreshIfDue every tick (default 30s) until ctx ends, then
// returns ctx's error. Errors are logged; the last good keys stay in use.
func (p *Provider) Run(ctx context.Context, tick time.Duration) error {
	return runTicker(ctx, tick, func() { _ = p.RefreshIfDue(ctx) })
}

func runTicker(ctx context.Context, tick time.Duration, f func()) error {
	if tick <= 0 {
		tick = 30 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			f()
		}
	}
}
