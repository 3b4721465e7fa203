package oidc

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Defaults and bounds of ProviderConfig.
const (
	DefaultProviderName = "default"
	DefaultClaimName    = "roles"
	DefaultUserClaim    = "sub"
	DefaultLeeway       = 60 * time.Second
	MaxLeeway           = 10 * time.Minute
	wellKnownPath       = "/.well-known/openid-configuration"
	maxAudiences        = 64
	maxConfigStringLen  = 1024
)

// ProviderConfig is one configured OIDC identity provider, as stored by the
// admin API (`fedstore oidc configure`).
type ProviderConfig struct {
	// Name identifies the provider (default "default"): letters, digits,
	// '.', '_' and '-', 1..64 characters.
	Name string `json:"name"`
	// ConfigURL is the issuer URL or its discovery document URL (ending in
	// /.well-known/openid-configuration, appended when missing). https, or
	// http to a loopback host (Options.InsecureAllowHTTP allows any).
	ConfigURL string `json:"config_url"`
	// ClaimName holds the roles (default "roles"); a dotted path walks
	// nested objects, e.g. "realm_access.roles".
	ClaimName string `json:"claim_name"`
	// Audiences is required: a token's aud (or azp) must contain one of
	// them. There is no "accept any audience" mode: a token minted for
	// another application of the same IdP must never be accepted.
	Audiences []string `json:"audiences"`
	// UserClaim names the identity (default "sub"); it must be a string.
	UserClaim string `json:"user_claim"`
	// GroupsClaim, if set, names the claim whose values are group names
	// that policies can be attached to.
	GroupsClaim string `json:"groups_claim,omitempty"`
	// Leeway tolerates clock skew on exp, nbf and iat (0 means the default
	// 60s; at most 10 minutes).
	Leeway time.Duration `json:"leeway"`
	// ClientID, if set, is the IdP's public client (no secret; PKCE) that
	// `fedstore login` and the sign-in page use for interactive sign-in. It
	// must be one of Audiences: the ID token's aud is the client id.
	ClientID string `json:"client_id,omitempty"`
	// RedirectURL, if set with ClientID, enables the sign-in page: the
	// IdP sends browsers back to it (fedstore's URL + /login/callback).
	RedirectURL string `json:"redirect_url,omitempty"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// WithDefaults returns c with empty fields set to their defaults and
// surrounding spaces trimmed.
func (c ProviderConfig) WithDefaults() ProviderConfig {
	c.Name = strings.TrimSpace(c.Name)
	c.ConfigURL = strings.TrimSpace(c.ConfigURL)
	c.ClaimName = strings.TrimSpace(c.ClaimName)
	c.UserClaim = strings.TrimSpace(c.UserClaim)
	c.GroupsClaim = strings.TrimSpace(c.GroupsClaim)
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.RedirectURL = strings.TrimSpace(c.RedirectURL)
	if c.Name == "" {
		c.Name = DefaultProviderName
	}
	if c.ClaimName == "" {
		c.ClaimName = DefaultClaimName
	}
	if c.UserClaim == "" {
		c.UserClaim = DefaultUserClaim
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	auds := make([]string, 0, len(c.Audiences))
	for _, a := range c.Audiences {
		if a = strings.TrimSpace(a); a != "" {
			auds = append(auds, a)
		}
	}
	c.Audiences = auds
	return c
}

// Validate checks a config (after WithDefaults) without any network access.
// Errors wrap ErrInvalidConfig and say which field is wrong and why.
func (c ProviderConfig) Validate(insecureAllowHTTP bool) error {
	if !namePattern.MatchString(c.Name) {
		return fmt.Errorf("%w: name %s must be 1..64 letters, digits, '.', '_' or '-'", ErrInvalidConfig, q(c.Name))
	}
	if _, _, err := discoveryURL(c.ConfigURL, insecureAllowHTTP); err != nil {
		return err
	}
	for field, v := range map[string]string{"claim name": c.ClaimName, "user claim": c.UserClaim, "groups claim": c.GroupsClaim} {
		if len(v) > maxConfigStringLen {
			return fmt.Errorf("%w: %s is longer than %d characters", ErrInvalidConfig, field, maxConfigStringLen)
		}
	}
	if c.ClaimName == "" || c.UserClaim == "" {
		return fmt.Errorf("%w: claim name and user claim must not be empty", ErrInvalidConfig)
	}
	if len(c.Audiences) == 0 {
		return fmt.Errorf("%w: at least one audience is required (the client id or audience your IdP puts in the token's aud or azp claim)", ErrInvalidConfig)
	}
	if len(c.Audiences) > maxAudiences {
		return fmt.Errorf("%w: %d audiences configured, at most %d allowed", ErrInvalidConfig, len(c.Audiences), maxAudiences)
	}
	for _, a := range c.Audiences {
		if len(a) > maxConfigStringLen {
			return fmt.Errorf("%w: audience %s is longer than %d characters", ErrInvalidConfig, q(a), maxConfigStringLen)
		}
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		return fmt.Errorf("%w: leeway %s must be between 0s and %s", ErrInvalidConfig, c.Leeway, MaxLeeway)
	}
	return c.validateSignIn(insecureAllowHTTP)
}

// discoveryURL returns the discovery document URL and the issuer expected
// in it for a configured URL (the issuer or the discovery URL itself).
func discoveryURL(configURL string, insecureAllowHTTP bool) (discovery, issuer string, err error) {
	if configURL == "" {
		return "", "", fmt.Errorf("%w: config URL is required (the issuer URL or its %s URL)", ErrInvalidConfig, wellKnownPath)
	}
	if len(configURL) > maxConfigStringLen {
		return "", "", fmt.Errorf("%w: config URL is longer than %d characters", ErrInvalidConfig, maxConfigStringLen)
	}
	u, err := url.Parse(configURL)
	if err != nil {
		return "", "", fmt.Errorf("%w: config URL %s is not a URL: %w", ErrInvalidConfig, q(configURL), err)
	}
	if err := checkFetchURL(u, insecureAllowHTTP); err != nil {
		return "", "", fmt.Errorf("%w: config URL %s %w", ErrInvalidConfig, q(configURL), err)
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(configURL, "?") || strings.HasSuffix(configURL, "#") {
		return "", "", fmt.Errorf("%w: config URL %s must not have a query or fragment", ErrInvalidConfig, q(configURL))
	}
	if strings.HasSuffix(configURL, wellKnownPath) {
		return configURL, strings.TrimSuffix(configURL, wellKnownPath), nil
	}
	return strings.TrimSuffix(configURL, "/") + wellKnownPath, configURL, nil
}

// checkFetchURL accepts https URLs, and http ones to loopback hosts (or to
// any host when insecureAllowHTTP is set). The error completes a sentence.
func checkFetchURL(u *url.URL, insecureAllowHTTP bool) error {
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("has no host")
	}
	if u.User != nil {
		return fmt.Errorf("must not contain user info")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecureAllowHTTP || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("uses http to a non-loopback host; use https")
	default:
		return fmt.Errorf("must use https (got scheme %q)", u.Scheme)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameIssuer compares issuers ignoring one trailing slash (used to route
// and to accept a discovery document; tokens must match exactly).
func sameIssuer(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}
