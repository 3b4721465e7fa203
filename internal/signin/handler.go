package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/signin/oauth"
	"github.com/fedstore/fedstore/internal/sts"
)

// Paths served by the handler.
const (
	PathLogin    = "/login"
	PathCallback = oidc.SignInCallbackPath
	PathStyle    = "/login/style.css"
)

const (
	cookieName   = "fedstore_signin"
	maxCookieLen = 4096
	flowLifetime = 10 * time.Minute
	discoveryTTL = 5 * time.Minute
	idpTimeout   = 15 * time.Second
	maxFormBody  = 4096
	// DefaultDuration is the session lifetime the page asks for.
	DefaultDuration = time.Hour
	// RoleName is the role name of the RoleArn the page sends to the STS
	// (it names no policy, so the session gets every policy of the token).
	RoleName = "fedstore-signin"
)

// Provider is one provider offered on the page.
type Provider struct {
	Name, Issuer, ClientID, RedirectURL string
}

// Credentials are the issued temporary credentials.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

// Config configures a Handler. Providers, Verify and Exchange are required.
type Config struct {
	// Providers lists the configured providers (those with SignInEnabled
	// are offered).
	Providers func() []Provider
	// Verify checks an ID token's signature and claims (the registry).
	Verify func(ctx context.Context, raw string) (*oidc.Claims, error)
	// Exchange is the STS exchange (sts.Service.AssumeRoleWithWebIdentity).
	Exchange func(ctx context.Context, in sts.WebIdentityInput) (*sts.WebIdentityOutput, error)
	// Buckets lists the buckets the credentials may use (optional).
	Buckets func(ctx context.Context, c Credentials) ([]string, error)
	// Endpoint is the S3/STS URL shown in snippets; Region and AccountID
	// too.
	Endpoint  string
	Region    string
	AccountID string
	// Duration of the sessions (DefaultDuration when zero).
	Duration time.Duration
	// CookieKey is the 32-byte AES key sealing the flow cookie; random
	// when nil (then a callback must reach the node that started the flow).
	CookieKey []byte
	// HTTPClient talks to the IdPs (discovery, token endpoint).
	HTTPClient *http.Client
	Clock      func() time.Time
	Rand       io.Reader
	Logger     *slog.Logger
}

// Handler serves /login, /login/callback and /login/style.css.
type Handler struct {
	cfg  Config
	log  *slog.Logger
	seal *sealer

	mu        sync.Mutex
	discovery map[string]cachedDiscovery
}

type cachedDiscovery struct {
	d       oauth.Discovery
	fetched time.Time
}

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Providers == nil || cfg.Verify == nil || cfg.Exchange == nil {
		return nil, errors.New("signin: Config.Providers, Verify and Exchange are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: idpTimeout}
	}
	if cfg.Duration <= 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.AccountID == "" {
		cfg.AccountID = sts.DefaultAccountID
	}
	key := cfg.CookieKey
	if key == nil {
		key = make([]byte, 32)
		if _, err := io.ReadFull(cfg.Rand, key); err != nil {
			return nil, fmt.Errorf("signin: cookie key: %w", err)
		}
	}
	s, err := newSealer(key, cfg.Rand)
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, log: cfg.Logger, seal: s, discovery: map[string]cachedDiscovery{}}, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	switch {
	case r.URL.Path == PathStyle && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		hdr.Set("Content-Type", "text/css; charset=utf-8")
		hdr.Set("Cache-Control", "max-age=3600")
		_, _ = w.Write(styleCSS)
	case r.URL.Path == PathLogin && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		h.index(w)
	case r.URL.Path == PathLogin && r.Method == http.MethodPost:
		h.start(w, r)
	case r.URL.Path == PathCallback && r.Method == http.MethodGet:
		h.callback(w, r)
	case r.URL.Path == PathLogin || r.URL.Path == PathCallback:
		hdr.Set("Allow", "GET, POST")
		h.fail(w, http.StatusMethodNotAllowed, "Method not allowed", "This page answers GET (and POST to start a sign-in).")
	default:
		h.fail(w, http.StatusNotFound, "Not found", "There is no such page; start at "+PathLogin+".")
	}
}

// offered returns the providers with sign-in enabled.
func (h *Handler) offered() []Provider {
	var out []Provider
	for _, p := range h.cfg.Providers() {
		if p.ClientID != "" && p.RedirectURL != "" {
			out = append(out, p)
		}
	}
	return out
}

func (h *Handler) provider(name string) (Provider, bool) {
	for _, p := range h.offered() {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

func (h *Handler) index(w http.ResponseWriter) {
	h.render(w, http.StatusOK, "index.html", indexData{Providers: h.offered()})
}

// start begins a sign-in: POST /login with provider=NAME.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.fail(w, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.")
		return
	}
	p, ok := h.provider(r.PostForm.Get("provider"))
	if !ok {
		h.fail(w, http.StatusBadRequest, "Unknown provider", "No provider of that name offers sign-in here. Choose one on the sign-in page.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), idpTimeout)
	defer cancel()
	d, err := h.discover(ctx, p.Issuer)
	if err != nil {
		h.log.WarnContext(ctx, "signin: discovery failed", "provider", p.Name, "error", err.Error())
		h.fail(w, http.StatusBadGateway, "Identity provider unreachable", "fedstore could not read the sign-in settings of "+p.Name+". Try again later.")
		return
	}
	f := flow{Provider: p.Name, Expires: h.cfg.Clock().Add(flowLifetime).Unix()}
	for _, dst := range []*string{&f.State, &f.Nonce, &f.Verifier} {
		if *dst, err = oauth.RandomString(h.cfg.Rand, 32); err != nil {
			h.fail(w, http.StatusInternalServerError, "Internal error", "Please try again.")
			return
		}
	}
	v, err := h.seal.seal(f)
	if err != nil {
		h.fail(w, http.StatusInternalServerError, "Internal error", "Please try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: v, Path: PathLogin, MaxAge: int(flowLifetime / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, d.AuthURL(oauth.AuthRequest{
		ClientID: p.ClientID, RedirectURI: p.RedirectURL, State: f.State, Nonce: f.Nonce, Verifier: f.Verifier,
		Scope: "openid",
	}), http.StatusSeeOther)
}

func (h *Handler) discover(ctx context.Context, issuer string) (oauth.Discovery, error) {
	now := h.cfg.Clock()
	h.mu.Lock()
	c, ok := h.discovery[issuer]
	h.mu.Unlock()
	if ok && now.Sub(c.fetched) < discoveryTTL {
		return c.d, nil
	}
	d, err := oauth.Discover(ctx, h.cfg.HTTPClient, issuer)
	if err != nil {
		return oauth.Discovery{}, err //nolint:wrapcheck // names the URL and reason
	}
	h.mu.Lock()
	h.discovery[issuer] = cachedDiscovery{d: d, fetched: now}
	h.mu.Unlock()
	return d, nil
}

// clearCookie ends the flow whatever the callback's outcome.
func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: PathLogin, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

var sessionNameChars = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName makes an STS RoleSessionName (2..64 of [\w+=,.@-]) of s.
func SessionName(s string) string {
	s = sessionNameChars.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	if len(s) < 2 {
		s = "fedstore-signin"
	}
	return s
}

func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func trimLen(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
