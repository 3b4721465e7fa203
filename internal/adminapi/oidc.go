package adminapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidcstore"
)

// OIDC provider endpoints. A provider is named with the query parameter
// "name" (default "default").
const (
	// GET: list; POST (OIDCProviderConfig): configure (create or replace).
	PathOIDCProviders = Prefix + "oidc/providers"
	// GET ?name=N: show; DELETE ?name=N: remove.
	PathOIDCProvider = Prefix + "oidc/provider"
)

// OIDCProviders is what the OIDC endpoints need (*oidcstore.Store).
type OIDCProviders interface {
	Configure(ctx context.Context, cfg oidc.ProviderConfig) (oidcstore.Info, bool, error)
	Remove(ctx context.Context, name string) error
	Get(name string) (oidcstore.Info, error)
	List() []oidcstore.Info
}

// OIDCProviderConfig is the body of a configure request. Empty fields take
// their defaults (name "default", claim "roles", user claim "sub", leeway
// 60s); Audiences is required.
type OIDCProviderConfig struct {
	Name        string   `json:"name,omitempty"`
	ConfigURL   string   `json:"config_url"`
	ClaimName   string   `json:"claim_name,omitempty"`
	Audiences   []string `json:"audiences"`
	UserClaim   string   `json:"user_claim,omitempty"`
	GroupsClaim string   `json:"groups_claim,omitempty"`
	// Leeway is a Go duration ("60s", "2m").
	Leeway string `json:"leeway,omitempty"`
	// ClientID is the IdP's public client for interactive sign-in
	// (fedstore login, /login); it must be one of Audiences.
	ClientID string `json:"client_id,omitempty"`
	// RedirectURL (fedstore's URL + /login/callback) enables /login.
	RedirectURL string `json:"redirect_url,omitempty"`
}

// OIDCProvider is one configured provider and what it knows of its IdP.
type OIDCProvider struct {
	Name         string    `json:"name"`
	ConfigURL    string    `json:"config_url"`
	Issuer       string    `json:"issuer"`
	ClaimName    string    `json:"claim_name"`
	Audiences    []string  `json:"audiences"`
	UserClaim    string    `json:"user_claim"`
	GroupsClaim  string    `json:"groups_claim,omitempty"`
	Leeway       string    `json:"leeway"`
	ClientID     string    `json:"client_id,omitempty"`
	RedirectURL  string    `json:"redirect_url,omitempty"`
	DiscoveryURL string    `json:"discovery_url"`
	JWKSURI      string    `json:"jwks_uri,omitempty"`
	KeyIDs       []string  `json:"key_ids"`
	Algorithms   []string  `json:"algorithms,omitempty"`
	LastRefresh  time.Time `json:"last_refresh,omitzero"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// OIDCConfigureResult answers a configure request.
type OIDCConfigureResult struct {
	// Created is false when an existing provider was replaced.
	Created  bool         `json:"created"`
	Provider OIDCProvider `json:"provider"`
}

// OIDCProviderList answers a list request (sorted by name).
type OIDCProviderList struct {
	Providers []OIDCProvider `json:"providers"`
}

// OIDCRemoveResult answers a remove request.
type OIDCRemoveResult struct {
	Removed string `json:"removed"`
}

var errOIDCDisabled = errors.New("OIDC providers are not available on this server")

// errInvalidOIDCRequest: a malformed field of a configure request.
var errInvalidOIDCRequest = errors.New("invalid OIDC provider request")

func (a *api) oidcRoutes() []route {
	return []route{
		{http.MethodGet, PathOIDCProviders, "OIDCListProviders", a.oidcList},
		{http.MethodPost, PathOIDCProviders, "OIDCConfigureProvider", a.oidcConfigure},
		{http.MethodGet, PathOIDCProvider, "OIDCGetProvider", a.oidcGet},
		{http.MethodDelete, PathOIDCProvider, "OIDCRemoveProvider", a.oidcRemove},
	}
}

func (a *api) oidcStore() (OIDCProviders, error) {
	if a.cfg.OIDC == nil {
		return nil, errOIDCDisabled
	}
	return a.cfg.OIDC, nil
}

func (a *api) oidcList(_ context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.oidcStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	out := OIDCProviderList{Providers: []OIDCProvider{}}
	for _, i := range s.List() {
		out.Providers = append(out.Providers, providerView(i))
	}
	return out, nil
}

func (a *api) oidcConfigure(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.oidcStore()
	if err != nil {
		return nil, err
	}
	in, err := decodeJSON[OIDCProviderConfig](body)
	if err != nil {
		return nil, err
	}
	cfg := oidc.ProviderConfig{
		Name: in.Name, ConfigURL: in.ConfigURL, ClaimName: in.ClaimName, Audiences: in.Audiences,
		UserClaim: in.UserClaim, GroupsClaim: in.GroupsClaim, ClientID: in.ClientID, RedirectURL: in.RedirectURL,
	}
	if strings.TrimSpace(in.Leeway) != "" {
		d, err := time.ParseDuration(strings.TrimSpace(in.Leeway))
		if err != nil {
			return nil, fmt.Errorf("%w: leeway %q is not a duration such as 60s or 2m", errInvalidOIDCRequest, in.Leeway)
		}
		if d <= 0 {
			return nil, fmt.Errorf("%w: leeway %q must be positive", errInvalidOIDCRequest, in.Leeway)
		}
		cfg.Leeway = d
	}
	info, created, err := s.Configure(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return OIDCConfigureResult{Created: created, Provider: providerView(info)}, nil
}

func (a *api) oidcGet(_ context.Context, r *http.Request, body io.Reader) (any, error) {
	s, err := a.oidcStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	info, err := s.Get(providerName(r))
	if err != nil {
		return nil, err
	}
	return providerView(info), nil
}

func (a *api) oidcRemove(ctx context.Context, r *http.Request, body io.Reader) (any, error) {
	s, err := a.oidcStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	name := providerName(r)
	if err := s.Remove(ctx, name); err != nil {
		return nil, err
	}
	return OIDCRemoveResult{Removed: name}, nil
}

// providerName is the "name" query parameter, default "default".
func providerName(r *http.Request) string {
	if n := strings.TrimSpace(r.URL.Query().Get("name")); n != "" {
		return n
	}
	return oidc.DefaultProviderName
}

func providerView(i oidcstore.Info) OIDCProvider {
	c, st := i.Config, i.Status
	v := OIDCProvider{
		Name: c.Name, ConfigURL: c.ConfigURL, Issuer: st.Issuer, ClaimName: c.ClaimName,
		Audiences: c.Audiences, UserClaim: c.UserClaim, GroupsClaim: c.GroupsClaim, Leeway: c.Leeway.String(),
		ClientID: c.ClientID, RedirectURL: c.RedirectURL,
		DiscoveryURL: st.DiscoveryURL, JWKSURI: st.JWKSURL, KeyIDs: st.KeyIDs, Algorithms: st.Algorithms,
		LastRefresh: st.LastFetch.UTC(), LastAttempt: st.LastAttempted.UTC(), LastError: st.LastError,
		UpdatedAt: i.UpdatedAt.UTC(),
	}
	if v.Audiences == nil {
		v.Audiences = []string{}
	}
	if v.KeyIDs == nil {
		v.KeyIDs = []string{}
	}
	return v
}

// oidcErrorTable maps the OIDC endpoints' errors (appended to errorTable).
func oidcErrorTable() []codeStatus {
	return []codeStatus{
		{errOIDCDisabled, "NotImplemented", http.StatusNotImplemented},
		{errInvalidOIDCRequest, "InvalidProviderConfig", http.StatusBadRequest},
		{oidcstore.ErrNotFound, "NoSuchProvider", http.StatusNotFound},
		{oidc.ErrInvalidConfig, "InvalidProviderConfig", http.StatusBadRequest},
		{oidc.ErrIDPCommunication, "IDPCommunicationError", http.StatusBadRequest},
	}
}
