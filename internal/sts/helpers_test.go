package sts_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidc/oidctest"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
	"github.com/fedstore/fedstore/internal/sts"
	"github.com/fedstore/fedstore/internal/stsapi"
)

var t0 = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

func newClock() *oidctest.Clock { return oidctest.NewClock(t0) }

// validClaims are valid claims from p at now.
func validClaims(p *oidctest.IdP, now time.Time) map[string]any {
	return map[string]any{
		"iss": p.URL(), "sub": "alice", "aud": "fedstore",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
		"roles": []string{"s3admin"}, "email": "alice@example.com",
	}
}

func with(base map[string]any, f func(map[string]any)) map[string]any {
	c := make(map[string]any, len(base))
	for k, v := range base {
		c[k] = v
	}
	f(c)
	return c
}

// policies is a fake iam store.
type policies struct {
	mu       sync.Mutex
	names    []string
	attached map[string][]string // user or "group:" + name -> policies
}

func (p *policies) HasPolicy(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.names, name)
}

func (p *policies) AttachedPolicies(user string, groups []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	add := func(ps []string) {
		for _, n := range ps {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	add(p.attached[user])
	for _, g := range groups {
		add(p.attached["group:"+g])
	}
	return out
}

// env is one exchange setup: an IdP, a registry with its provider, a
// memory store, fake policies and a Service, with stsapi in front.
type env struct {
	t     testing.TB
	clk   *oidctest.Clock
	idp   *oidctest.IdP
	key   oidctest.Key
	reg   *oidc.Registry
	store state.Store
	pols  *policies
	svc   *sts.Service
	api   http.Handler
	// format is the token format of newService.
	format string
}

type envOpts struct {
	providerCfg func(*oidc.ProviderConfig)
	store       state.Store
	cleanup     time.Duration
	extraKeys   []oidctest.Key
	tokenFormat string // sts.Config.TokenFormat ("": sealed)
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	e := &env{t: t, clk: newClock(), key: oidctest.NewKey(t, "k1", jose.RS256), format: o.tokenFormat}
	e.idp = oidctest.Start(t, append([]oidctest.Key{e.key}, o.extraKeys...)...)
	cfg := oidc.ProviderConfig{Name: "test", ConfigURL: e.idp.URL(), Audiences: []string{"fedstore"}}
	if o.providerCfg != nil {
		o.providerCfg(&cfg)
	}
	prov, err := oidc.NewProvider(context.Background(), cfg, oidc.Options{HTTPClient: e.idp.Client(), Clock: e.clk.Now})
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	e.reg = oidc.NewRegistry()
	if err := e.reg.Put(prov); err != nil {
		t.Fatal(err)
	}
	e.store = o.store
	if e.store == nil {
		st := memory.New()
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
	}
	e.pols = &policies{names: []string{"s3admin", "readonly", "S3Admin-legacy"}, attached: map[string][]string{}}
	cleanup := o.cleanup
	if cleanup == 0 {
		cleanup = -1
	}
	e.svc = e.newService(cleanup)
	e.api = stsapi.New(stsapi.Config{Exchanger: e.svc, Clock: e.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	return e
}

func (e *env) newService(cleanup time.Duration) *sts.Service {
	e.t.Helper()
	svc, err := sts.New(context.Background(), sts.Config{
		Store: e.store, Verifier: e.reg, Policies: e.pols, Clock: e.clk.Now, CleanupInterval: cleanup,
		TokenFormat: e.format,
	})
	if err != nil {
		e.t.Fatalf("sts.New: %v", err)
	}
	e.t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func (e *env) token(f func(map[string]any)) string {
	e.t.Helper()
	c := validClaims(e.idp, e.clk.Now())
	if f != nil {
		c = with(c, f)
	}
	return oidctest.Mint(e.t, e.key, c, oidctest.MintOptions{})
}

func (e *env) input(tok string) sts.WebIdentityInput {
	return sts.WebIdentityInput{
		RoleArn: "arn:aws:iam::000000000000:role/any", RoleSessionName: "app",
		WebIdentityToken: tok, Duration: time.Hour, SourceIP: "127.0.0.1",
	}
}

func (e *env) exchange(tok string) (*sts.WebIdentityOutput, error) {
	return e.svc.AssumeRoleWithWebIdentity(context.Background(), e.input(tok))
}

// wire posts an AssumeRoleWithWebIdentity form to stsapi and returns the
// status and the body.
func (e *env) wire(form url.Values) (int, string) {
	e.t.Helper()
	form.Set("Action", "AssumeRoleWithWebIdentity")
	form.Set("Version", "2011-06-15")
	if !form.Has("RoleArn") {
		form.Set("RoleArn", "arn:aws:iam::000000000000:role/any")
	}
	if !form.Has("RoleSessionName") {
		form.Set("RoleSessionName", "app")
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// errCode extracts <Code> from an error body.
func errCode(body string) string {
	_, after, ok := strings.Cut(body, "<Code>")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(after, "</Code>")
	return code
}

func msgOf(body string) string {
	_, after, ok := strings.Cut(body, "<Message>")
	if !ok {
		return ""
	}
	m, _, _ := strings.Cut(after, "</Message>")
	return m
}

var _ = fmt.Sprint

func newBenchEnv(tb testing.TB, st state.Store) *env {
	tb.Helper()
	return newEnv(tb, envOpts{store: st})
}
