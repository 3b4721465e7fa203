package oidc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Registry holds the configured providers and routes each token to the one
// whose issuer equals the token's (unverified) iss. Safe for concurrent
// use; providers can be added and removed while tokens are verified.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]*Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]*Provider{}}
}

// Put adds p, replacing any provider of the same name. It refuses a
// provider whose issuer another provider (of another name) already has:
// a token must route to exactly one provider.
func (r *Registry) Put(p *Provider) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	iss := p.Issuer()
	for name, other := range r.byName {
		if name != p.Name() && sameIssuer(other.Issuer(), iss) {
			return fmt.Errorf("%w: provider %s already uses issuer %s", ErrInvalidConfig, q(name), q(iss))
		}
	}
	r.byName[p.Name()] = p
	return nil
}

// Remove drops the provider named name and reports whether it existed.
func (r *Registry) Remove(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.byName[name]
	delete(r.byName, name)
	return ok
}

// Get returns the provider named name.
func (r *Registry) Get(name string) (*Provider, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byName[name]
	return p, ok
}

// List returns the providers sorted by name.
func (r *Registry) List() []*Provider {
	r.mu.RLock()
	out := make([]*Provider, 0, len(r.byName))
	for _, p := range r.byName {
		out = append(out, p)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Provider) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// route finds the provider for a token's iss claim.
func (r *Registry) route(t *token) (*Provider, *Error) {
	v, present := t.claims["iss"]
	iss, ok := v.(string)
	switch {
	case !present:
		return nil, invalidf("token has no \"iss\" claim, so no provider can be chosen")
	case !ok:
		return nil, invalidf("claim \"iss\" is not a string")
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, p := range r.byName {
		if sameIssuer(p.Issuer(), iss) {
			return p, nil
		}
	}
	e := invalidf("no OIDC provider is configured for the token's issuer %s", q(iss))
	e.Issuer = trunc(iss)
	return nil, e
}

// Verify routes raw to its provider by iss and verifies it there (see
// Provider.Verify). An unknown issuer is ErrInvalidToken.
func (r *Registry) Verify(ctx context.Context, raw string) (*Claims, error) {
	t, err := parseToken(raw)
	if err != nil {
		return nil, err
	}
	p, err := r.route(t)
	if err != nil {
		err.KeyID = trunc(t.kid)
		return nil, err
	}
	return p.verifyToken(ctx, t)
}

// Run calls RefreshIfDue on every provider every tick (default 30s) until
// ctx ends, then returns ctx's error. Refreshes run one after another;
// each is bounded by its provider's FetchTimeout.
func (r *Registry) Run(ctx context.Context, tick time.Duration) error {
	return runTicker(ctx, tick, func() {
		for _, p := range r.List() {
			_ = p.RefreshIfDue(ctx)
		}
	})
}
