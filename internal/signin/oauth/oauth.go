package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits.
const (
	maxBody = 1 << 20
	// DefaultScope is requested unless the caller says otherwise.
	DefaultScope = "openid offline_access"
)

// ErrProtocol: the IdP answered something this client cannot use.
var ErrProtocol = errors.New("oauth: unexpected answer from the identity provider")

// Error is an OAuth error response (RFC 6749 5.2) or redirect error.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
	Status      int    `json:"-"`
}

func (e *Error) Error() string {
	s := "identity provider error " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Discovery is the part of an OpenID provider's metadata this client uses.
type Discovery struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
}

// Discover fetches issuer's /.well-known/openid-configuration and checks
// that it names the same issuer and has the endpoints.
func Discover(ctx context.Context, hc *http.Client, issuer string) (Discovery, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Discovery{}, fmt.Errorf("oauth: discovery %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	var d Discovery
	if err := do(hc, req, &d); err != nil {
		return Discovery{}, fmt.Errorf("oauth: discovery %s: %w", u, err)
	}
	if strings.TrimSuffix(d.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return Discovery{}, fmt.Errorf("%w: discovery document at %s names issuer %q, expected %q", ErrProtocol, u, d.Issuer, issuer)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		return Discovery{}, fmt.Errorf("%w: discovery document at %s lacks authorization_endpoint or token_endpoint", ErrProtocol, u)
	}
	return d, nil
}

// RandomString returns n random bytes, base64url without padding.
func RandomString(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("oauth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Challenge is the S256 PKCE code challenge of verifier.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthRequest are the parameters of an authorization request.
type AuthRequest struct {
	ClientID, RedirectURI, State, Nonce, Verifier, Scope string
	// Prompt, if set, is sent as prompt= (e.g. "consent" for offline_access).
	Prompt string
}

// AuthURL is the authorization endpoint URL for r (code flow, S256 PKCE).
func (d Discovery) AuthURL(r AuthRequest) string {
	scope := r.Scope
	if scope == "" {
		scope = DefaultScope
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {r.ClientID},
		"redirect_uri":          {r.RedirectURI},
		"scope":                 {scope},
		"state":                 {r.State},
		"nonce":                 {r.Nonce},
		"code_challenge":        {Challenge(r.Verifier)},
		"code_challenge_method": {"S256"},
	}
	if r.Prompt != "" {
		q.Set("prompt", r.Prompt)
	}
	sep := "?"
	if strings.Contains(d.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	return d.AuthorizationEndpoint + sep + q.Encode()
}

// Tokens is a token endpoint answer.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// ExchangeCode redeems an authorization code (public client, PKCE).
func (d Discovery) ExchangeCode(ctx context.Context, hc *http.Client, clientID, code, redirectURI, verifier string) (Tokens, error) {
	return d.token(ctx, hc, url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier},
	})
}

// Refresh redeems a refresh token; the answer may carry a new (rotated)
// refresh token, which replaces the old one.
func (d Discovery) Refresh(ctx context.Context, hc *http.Client, clientID, refreshToken string) (Tokens, error) {
	return d.token(ctx, hc, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {refreshToken},
	})
}

func (d Discovery) token(ctx context.Context, hc *http.Client, form url.Values) (Tokens, error) {
	req, err := postForm(ctx, d.TokenEndpoint, form)
	if err != nil {
		return Tokens{}, err
	}
	var t Tokens
	if err := do(hc, req, &t); err != nil {
		return Tokens{}, fmt.Errorf("oauth: token request (%s): %w", form.Get("grant_type"), err)
	}
	if t.IDToken == "" {
		return Tokens{}, fmt.Errorf("%w: the token endpoint returned no id_token (is the scope \"openid\" granted?)", ErrProtocol)
	}
	return t, nil
}

func postForm(ctx context.Context, endpoint string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// do sends req and decodes a JSON answer into out, or an *Error.
func do(hc *http.Client, req *http.Request, out any) error {
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("oauth: read answer: %w", err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("%w: answer larger than %d bytes", ErrProtocol, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(body, e) == nil && e.Code != "" {
			return e
		}
		return fmt.Errorf("%w: HTTP %d", ErrProtocol, resp.StatusCode)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: answer is not JSON: %w", ErrProtocol, err)
	}
	return nil
}

// Claims decodes a JWT's payload WITHOUT verifying it: for reading the
// nonce and subject of a token received straight from the token endpoint.
func Claims(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: the ID token is not a JWT", ErrProtocol)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: the ID token payload is not base64url", ErrProtocol)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: the ID token payload is not JSON", ErrProtocol)
	}
	return m, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
