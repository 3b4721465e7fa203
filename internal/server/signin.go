package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/signin"
)

// Public, unauthenticated sign-in paths.
const (
	// PathProviders lists the providers' issuer and public client id
	// (JSON) for `fedstore login`.
	PathProviders = "/_fedstore/providers"
	APISignIn     = "signin"
)

// ProvidersDocument is the answer of GET /_fedstore/providers.
type ProvidersDocument struct {
	// Region and AccountID let clients build STS requests and profiles.
	Region    string           `json:"region"`
	AccountID string           `json:"account_id"`
	Providers []PublicProvider `json:"providers"`
}

// PublicProvider is what anyone may know of a provider: nothing secret.
type PublicProvider struct {
	Name     string `json:"name"`
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id,omitempty"`
	// SignInPage is true when /login offers this provider.
	SignInPage bool `json:"sign_in_page"`
}

// publicURL is the URL clients use: --advertise-url, else the listener's.
func (s *Server) publicURL() string {
	if s.cfg.AdvertiseURL != "" {
		return strings.TrimSuffix(s.cfg.AdvertiseURL, "/")
	}
	return s.URL()
}

// signInProviders lists the providers with their issuer (as discovered,
// else the configured URL).
func (s *Server) signInProviders() []signin.Provider {
	var out []signin.Provider
	for _, i := range s.oidc.providers.List() {
		iss := i.Status.Issuer
		if iss == "" {
			iss = strings.TrimSuffix(i.Config.ConfigURL, "/.well-known/openid-configuration")
		}
		out = append(out, signin.Provider{Name: i.Config.Name, Issuer: iss, ClientID: i.Config.ClientID, RedirectURL: i.Config.RedirectURL})
	}
	return out
}

// wireSignIn builds the sign-in page handler (after wireSTS and the S3 API).
func (s *Server) wireSignIn() error {
	d := signin.DefaultDuration
	if s.cfg.STSMaxDuration < d {
		d = s.cfg.STSMaxDuration
	}
	h, err := signin.New(signin.Config{
		Providers: s.signInProviders,
		Verify:    s.OIDCRegistry().Verify,
		Exchange:  s.stsSvc.AssumeRoleWithWebIdentity,
		Buckets:   s.sessionBuckets,
		Endpoint:  s.publicURL(),
		Region:    s.cfg.Region,
		AccountID: s.cfg.AccountID,
		Duration:  d,
		Clock:     s.clock,
		Rand:      s.rand,
		Logger:    s.log,
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.signin = h
	return nil
}

// isSignInRequest: an unsigned request for /login, /login/... or the
// public providers list. "login" is a valid bucket name, so a signed
// request (or a presigned one) stays S3's.
func (s *Server) isSignInRequest(r *http.Request) bool {
	if s.signin == nil || hasSigV4Header(r) || hasSigV4Query(r) || s.isVirtualHost(r.Host) {
		return false
	}
	p := r.URL.Path
	return p == PathProviders || p == signin.PathLogin || strings.HasPrefix(p, signin.PathLogin+"/")
}

func (s *Server) serveSignIn(w http.ResponseWriter, r *http.Request, info *reqctx.Info) {
	info.API = APISignIn
	if r.URL.Path != PathProviders {
		info.Op = "SignIn"
		s.signin.ServeHTTP(w, r)
		return
	}
	info.Op = "ListProviders"
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	doc := ProvidersDocument{Region: s.cfg.Region, AccountID: s.cfg.AccountID, Providers: []PublicProvider{}}
	for _, p := range s.signInProviders() {
		doc.Providers = append(doc.Providers, PublicProvider{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID,
			SignInPage: p.ClientID != "" && p.RedirectURL != ""})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(doc)
}

// sessionBuckets lists the buckets c may see by a real, signed ListBuckets
// through the S3 API in-process: the same authorization as any client.
func (s *Server) sessionBuckets(ctx context.Context, c signin.Credentials) ([]string, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/", nil)
	req.RemoteAddr = "127.0.0.1:0"
	sum := sha256.Sum256(nil)
	payload := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", payload)
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, payload, "s3", s.cfg.Region, s.clock()); err != nil {
		return nil, fmt.Errorf("sign ListBuckets: %w", err)
	}
	info := &reqctx.Info{ID: s.newRequestID(), API: APIS3}
	req = req.WithContext(reqctx.With(ctx, info))
	rec := httptest.NewRecorder()
	s.s3.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("ListBuckets answered HTTP %d", rec.Code)
	}
	var out struct {
		Buckets []struct {
			Name string `xml:"Name"`
		} `xml:"Buckets>Bucket"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("ListBuckets answer: %w", err)
	}
	names := make([]string, 0, len(out.Buckets))
	for _, b := range out.Buckets {
		names = append(names, b.Name)
	}
	return names, nil
}
