package adminclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fedstore/fedstore/internal/adminapi"
)

// OIDCConfigure creates or replaces an OIDC provider. The server checks it
// against the IdP first (discovery, issuer, JWKS) and refuses it with the
// reason (codes InvalidProviderConfig, IDPCommunicationError).
func (c *Client) OIDCConfigure(ctx context.Context, cfg adminapi.OIDCProviderConfig) (adminapi.OIDCConfigureResult, error) {
	var out adminapi.OIDCConfigureResult
	err := c.do(ctx, http.MethodPost, adminapi.PathOIDCProviders, cfg, &out)
	return out, err
}

// OIDCList returns every configured provider, sorted by name.
func (c *Client) OIDCList(ctx context.Context) (adminapi.OIDCProviderList, error) {
	var out adminapi.OIDCProviderList
	err := c.do(ctx, http.MethodGet, adminapi.PathOIDCProviders, nil, &out)
	return out, err
}

// OIDCGet returns the provider named name (code NoSuchProvider if none).
func (c *Client) OIDCGet(ctx context.Context, name string) (adminapi.OIDCProvider, error) {
	var out adminapi.OIDCProvider
	err := c.do(ctx, http.MethodGet, providerPath(name), nil, &out)
	return out, err
}

// OIDCRemove removes the provider named name.
func (c *Client) OIDCRemove(ctx context.Context, name string) error {
	var out adminapi.OIDCRemoveResult
	return c.do(ctx, http.MethodDelete, providerPath(name), nil, &out)
}

func providerPath(name string) string {
	return adminapi.PathOIDCProvider + "?" + url.Values{"name": {name}}.Encode()
}
