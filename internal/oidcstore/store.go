package oidcstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/state"
)

// ErrNotFound: no provider of that name is configured.
var ErrNotFound = errors.New("no such OIDC provider")

// Defaults of Options.
const (
	DefaultRefreshTick      = 30 * time.Second
	DefaultConfigureTimeout = 15 * time.Second
	watchRetryDelay         = time.Second
	listPageSize            = 500
)

// Options are the injected dependencies of a Store.
type Options struct {
	// Provider is passed to every oidc provider (HTTP client, clock,
	// logger, metrics, InsecureAllowHTTP, fetch limits).
	Provider oidc.Options
	// Logger; default discards.
	Logger *slog.Logger
	// Clock stamps records; default time.Now.
	Clock func() time.Time
	// RefreshTick is how often Run asks every provider whether its JWKS is
	// due a refresh (default 30s).
	RefreshTick time.Duration
	// ConfigureTimeout bounds the discovery and JWKS fetches that validate
	// a new configuration (default 15s).
	ConfigureTimeout time.Duration
}

// Info is one configured provider as the admin API shows it.
type Info struct {
	Config    oidc.ProviderConfig
	Status    oidc.Status
	UpdatedAt time.Time
}

// Store persists provider configurations and keeps a live registry of them.
// Safe for concurrent use.
type Store struct {
	st   state.Store
	reg  *oidc.Registry
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	applied map[string]int64 // name -> revision of the last change applied
	updated map[string]time.Time
	rev     int64 // every change up to rev is applied
	loaded  bool
	runCtx  context.Context // set by Run; background refreshes use it
	bg      sync.WaitGroup
}

// New returns a Store over st with an empty registry; call Load, then Run.
func New(st state.Store, opts Options) *Store {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.RefreshTick <= 0 {
		opts.RefreshTick = DefaultRefreshTick
	}
	if opts.ConfigureTimeout <= 0 {
		opts.ConfigureTimeout = DefaultConfigureTimeout
	}
	if opts.Provider.Logger == nil {
		opts.Provider.Logger = opts.Logger
	}
	if opts.Provider.Clock == nil {
		opts.Provider.Clock = opts.Clock
	}
	return &Store{
		st: st, reg: oidc.NewRegistry(), opts: opts, log: opts.Logger,
		applied: map[string]int64{}, updated: map[string]time.Time{},
	}
}

// Registry is the live registry: the STS exchange calls its Verify and
// Explain. Providers appear and disappear as configurations change.
func (s *Store) Registry() *oidc.Registry { return s.reg }

// Load reads every stored provider into the registry (without contacting
// the IdPs: they are discovered in the background by Run, or by the first
// token). A record that cannot be used is logged and skipped.
func (s *Store) Load(ctx context.Context) error {
	return s.reload(ctx)
}

// reload lists every record and makes the registry match it.
func (s *Store) reload(ctx context.Context) error {
	seen := map[string]bool{}
	var kvs []state.KV
	var rev int64
	opts := state.ListOptions{Limit: listPageSize}
	for {
		res, err := s.st.List(ctx, KeyPrefix, opts)
		if err != nil {
			return fmt.Errorf("oidcstore: list providers: %w", err)
		}
		kvs = append(kvs, res.KVs...)
		if rev == 0 {
			rev = res.Revision
		}
		if !res.More || len(res.KVs) == 0 {
			break
		}
		opts.StartAfter = res.KVs[len(res.KVs)-1].Key
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, kv := range kvs {
		name := strings.TrimPrefix(kv.Key, KeyPrefix)
		seen[name] = true
		s.applyPutLocked(kv)
	}
	for _, p := range s.reg.List() {
		if !seen[p.Name()] {
			s.reg.Remove(p.Name())
			delete(s.updated, p.Name())
			s.log.Info("oidc provider removed", slog.String("provider", p.Name()))
		}
	}
	if rev > s.rev {
		s.rev = rev
	}
	s.loaded = true
	return nil
}

// applyPutLocked installs a stored record unless a newer change to the
// same name was applied already. s.mu must be held.
func (s *Store) applyPutLocked(kv state.KV) {
	name := strings.TrimPrefix(kv.Key, KeyPrefix)
	if kv.Revision <= s.applied[name] {
		return
	}
	s.applied[name] = kv.Revision
	cfg, updated, err := decodeRecord(kv.Key, kv.Value)
	if err == nil {
		s.updated[name] = updated
		if cur, ok := s.reg.Get(name); ok && sameConfig(cur.Config(), cfg) {
			return // unchanged: keep the provider and its cached keys
		}
		var p *oidc.Provider
		if p, err = oidc.OpenProvider(cfg, s.opts.Provider); err == nil {
			if err = s.reg.Put(p); err == nil {
				s.log.Info("oidc provider loaded", slog.String("provider", name), slog.String("issuer", p.Issuer()))
				s.refreshLocked(p)
				return
			}
		}
	}
	// A record this node cannot use is not served: a stale provider with
	// an old configuration would accept tokens the new one refuses.
	s.reg.Remove(name)
	s.log.Error("oidc provider not loaded", slog.String("provider", name), slog.String("error", err.Error()))
}

// applyDeleteLocked removes a provider. s.mu must be held.
func (s *Store) applyDeleteLocked(kv state.KV) {
	name := strings.TrimPrefix(kv.Key, KeyPrefix)
	if kv.Revision <= s.applied[name] {
		return
	}
	s.applied[name] = kv.Revision
	delete(s.updated, name)
	if s.reg.Remove(name) {
		s.log.Info("oidc provider removed", slog.String("provider", name))
	}
}

// refreshLocked fetches a new provider's keys in the background once Run
// is running (before that, Run refreshes every provider as it starts).
func (s *Store) refreshLocked(p *oidc.Provider) {
	if s.runCtx == nil || s.runCtx.Err() != nil {
		return
	}
	ctx := s.runCtx
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := p.Refresh(ctx); err != nil {
			s.log.Warn("oidc provider not reachable yet", slog.String("provider", p.Name()), slog.String("error", err.Error()))
		}
	}()
}

// Configure validates cfg against its IdP (discovery, issuer, JWKS), then
// stores it, creating or replacing the provider of that name; the registry
// serves it at once on this node and within a second on the others. It
// reports whether the provider is new. Errors wrap oidc.ErrInvalidConfig
// (a bad value, an issuer another provider has) or
// oidc.ErrIDPCommunication (the IdP did not answer as it should), with the
// reason; nothing is stored then.
func (s *Store) Configure(ctx context.Context, cfg oidc.ProviderConfig) (Info, bool, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(s.opts.Provider.InsecureAllowHTTP); err != nil {
		return Info{}, false, err
	}
	vctx, cancel := context.WithTimeout(ctx, s.opts.ConfigureTimeout)
	defer cancel()
	p, err := oidc.NewProvider(vctx, cfg, s.opts.Provider)
	if err != nil {
		return Info{}, false, err //nolint:wrapcheck // oidc errors name the provider and the reason
	}
	for _, other := range s.reg.List() {
		if other.Name() != cfg.Name && sameIssuer(other.Issuer(), p.Issuer()) {
			return Info{}, false, fmt.Errorf("%w: provider %q already uses issuer %q (remove it first, or configure it under its name)",
				oidc.ErrInvalidConfig, other.Name(), p.Issuer())
		}
	}
	_, existed := s.reg.Get(cfg.Name)
	now := s.opts.Clock().UTC()
	val, err := encodeRecord(cfg, now)
	if err != nil {
		return Info{}, false, err
	}
	rev, err := s.st.Put(ctx, key(cfg.Name), val, state.AnyRevision)
	if err != nil {
		return Info{}, false, fmt.Errorf("oidcstore: store provider %q: %w", cfg.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev >= s.applied[cfg.Name] {
		// Install the provider that has just fetched its keys (the watch
		// event for rev then finds the same configuration and keeps it).
		s.applied[cfg.Name] = rev
		s.updated[cfg.Name] = now
		if err := s.reg.Put(p); err != nil {
			return Info{}, false, fmt.Errorf("oidcstore: provider %q stored but not served: %w", cfg.Name, err)
		}
		s.log.Info("oidc provider configured", slog.String("provider", cfg.Name), slog.String("issuer", p.Issuer()),
			slog.Bool("created", !existed))
	}
	return Info{Config: p.Config(), Status: p.Status(), UpdatedAt: now}, !existed, nil
}

// Remove deletes the provider named name; tokens of its issuer are refused
// from then on. ErrNotFound if there is none.
func (s *Store) Remove(ctx context.Context, name string) error {
	if err := s.st.Delete(ctx, key(name), state.AnyRevision); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		return fmt.Errorf("oidcstore: remove provider %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.updated, name)
	s.reg.Remove(name)
	s.log.Info("oidc provider removed", slog.String("provider", name))
	return nil
}

// Get returns the provider named name, or ErrNotFound.
func (s *Store) Get(name string) (Info, error) {
	p, ok := s.reg.Get(name)
	if !ok {
		return Info{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return s.info(p), nil
}

// List returns every served provider, sorted by name.
func (s *Store) List() []Info {
	ps := s.reg.List()
	out := make([]Info, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.info(p))
	}
	return out
}

func (s *Store) info(p *oidc.Provider) Info {
	s.mu.Lock()
	updated := s.updated[p.Name()]
	s.mu.Unlock()
	return Info{Config: p.Config(), Status: p.Status(), UpdatedAt: updated}
}

// sameIssuer compares issuers ignoring one trailing slash, as the registry
// routes them.
func sameIssuer(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}
