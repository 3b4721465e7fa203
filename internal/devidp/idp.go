package devidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// PathPrefix is where the server mounts the dev IdP; the issuer is the
// server's URL followed by it.
const PathPrefix = "/_fedstore/dev-idp"

// Paths under the issuer.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/jwks.json"
)

// Defaults of minted tokens.
const (
	DefaultAudience = "fedstore"
	DefaultSubject  = "developer"
	DefaultTTL      = time.Hour
	MaxTTL          = 24 * time.Hour
)

// ErrNotLoopback: the dev IdP refuses to run on an address other machines
// can reach.
var ErrNotLoopback = errors.New("the development identity provider (--dev) only runs on a loopback address")

// CheckLoopback accepts a listen address (host:port) whose host is a
// loopback IP or "localhost"; an empty host, 0.0.0.0 or :: are refused.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: address %q: %w", ErrNotLoopback, addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("%w, not %s (%s); use --address 127.0.0.1:PORT", ErrNotLoopback, addr, host)
}

// IdP signs tokens and serves its discovery document and JWKS.
type IdP struct {
	issuer string
	key    *rsa.PrivateKey
	kid    string
	signer jose.Signer
	clock  func() time.Time
}

// New returns the dev IdP for issuer (an http(s) URL, normally the
// server's URL + PathPrefix) signing with key (RS256). clock nil means
// time.Now.
func New(issuer string, key *rsa.PrivateKey, clock func() time.Time) (*IdP, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dev IdP: issuer %q is not an http(s) URL", issuer)
	}
	if key == nil {
		return nil, errors.New("dev IdP: no signing key")
	}
	if clock == nil {
		clock = time.Now
	}
	pub := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("dev IdP: key thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid))
	if err != nil {
		return nil, fmt.Errorf("dev IdP: signer: %w", err)
	}
	return &IdP{issuer: strings.TrimSuffix(issuer, "/"), key: key, kid: kid, signer: signer, clock: clock}, nil
}

// Issuer is the iss of every token and the config URL of the provider.
func (p *IdP) Issuer() string { return p.issuer }

// KeyID is the kid of the signing key.
func (p *IdP) KeyID() string { return p.kid }

// TokenRequest says what a minted token carries.
type TokenRequest struct {
	// Subject is sub (default DefaultSubject).
	Subject string
	// Audience is aud (default DefaultAudience).
	Audience string
	// Roles become the "roles" claim (a JSON array; omitted when empty).
	Roles []string
	// Groups become the "groups" claim (omitted when empty).
	Groups []string
	// TTL is exp - iat (default 1h, at most 24h).
	TTL time.Duration
}

// Mint signs a token for r.
func (p *IdP) Mint(r TokenRequest) (string, error) {
	if r.Subject == "" {
		r.Subject = DefaultSubject
	}
	if r.Audience == "" {
		r.Audience = DefaultAudience
	}
	if r.TTL == 0 {
		r.TTL = DefaultTTL
	}
	if r.TTL < 0 || r.TTL > MaxTTL {
		return "", fmt.Errorf("dev IdP: token lifetime %s must be between 1s and %s", r.TTL, MaxTTL)
	}
	for _, role := range r.Roles {
		if strings.TrimSpace(role) == "" {
			return "", errors.New("dev IdP: empty role name")
		}
	}
	now := p.clock().UTC().Truncate(time.Second)
	var jti [12]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("dev IdP: %w", err)
	}
	claims := map[string]any{
		"iss": p.issuer,
		"sub": r.Subject,
		"aud": r.Audience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(r.TTL).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti[:]),
	}
	if len(r.Roles) > 0 {
		claims["roles"] = r.Roles
	}
	if len(r.Groups) > 0 {
		claims["groups"] = r.Groups
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("dev IdP: %w", err)
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("dev IdP: sign: %w", err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("dev IdP: %w", err)
	}
	return tok, nil
}

// Handler serves the discovery document and the JWKS at the issuer's path
// (PathPrefix + DiscoveryPath, PathPrefix + JWKSPath on the server); any
// other path is 404. Only GET and HEAD.
func (p *IdP) Handler() http.Handler {
	base := ""
	if u, err := url.Parse(p.issuer); err == nil {
		base = strings.TrimSuffix(u.Path, "/")
	}
	disc, _ := json.Marshal(map[string]any{
		"issuer":                                p.issuer,
		"jwks_uri":                              p.issuer + JWKSPath,
		"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "nbf", "roles", "groups"},
		// Tokens come from `fedstore dev token`, not from an endpoint.
		"authorization_endpoint": p.issuer + "/authorize-not-supported",
	})
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
	docs := map[string][]byte{base + DiscoveryPath: disc, base + JWKSPath: jwks}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(body)
	})
}
