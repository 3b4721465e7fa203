package oidcstore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidcstore"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// testIdP is a dev IdP on an httptest server whose answers a test can
// break (down: every request is 503).
type testIdP struct {
	*devidp.IdP
	srv  *httptest.Server
	down atomic.Bool
}

func newIdP(t *testing.T) *testIdP {
	t.Helper()
	k, err := devidp.LoadOrCreateKey(filepath.Join(t.TempDir(), "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ti := &testIdP{}
	mux := http.NewServeMux()
	ti.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ti.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ti.srv.Close)
	if ti.IdP, err = devidp.New(ti.srv.URL+devidp.PathPrefix, k, nil); err != nil {
		t.Fatal(err)
	}
	mux.Handle(devidp.PathPrefix+"/", ti.Handler())
	return ti
}

func (ti *testIdP) token(t *testing.T, aud string) string {
	t.Helper()
	tok, err := ti.Mint(devidp.TokenRequest{Subject: "alice", Audience: aud, Roles: []string{"s3admin"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// run starts s.Run until the test ends.
func run(t *testing.T, s *oidcstore.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	})
}

func newStore(t *testing.T, st state.Store) *oidcstore.Store {
	t.Helper()
	s := oidcstore.New(st, oidcstore.Options{RefreshTick: 50 * time.Millisecond})
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// eventually polls cond for up to a second (the SPEC's bound for a change
// to reach every node).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 1s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConfigureSeenByAnotherNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp := newIdP(t)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	a, b := newStore(t, st), newStore(t, st)
	run(t, a)
	run(t, b)

	info, created, err := a.Configure(ctx, oidc.ProviderConfig{Name: "corp", ConfigURL: idp.Issuer(), Audiences: []string{"fedstore"}})
	if err != nil {
		t.Fatalf("configure: %v", err)
	}
	if !created || info.Status.Issuer != idp.Issuer() || len(info.Status.KeyIDs) != 1 || info.Config.ClaimName != "roles" {
		t.Fatalf("configure answered created=%v %+v", created, info)
	}
	// The configuring node verifies at once.
	if _, err := a.Registry().Verify(ctx, idp.token(t, "fedstore")); err != nil {
		t.Fatalf("node a: %v", err)
	}
	// The other node serves it within a second, keys included.
	eventually(t, "provider on node b", func() bool {
		i, err := b.Get("corp")
		return err == nil && len(i.Status.KeyIDs) == 1
	})
	if _, err := b.Registry().Verify(ctx, idp.token(t, "fedstore")); err != nil {
		t.Fatalf("node b: %v", err)
	}

	// Replace: a new audience applies on both nodes.
	if _, created, err := a.Configure(ctx, oidc.ProviderConfig{Name: "corp", ConfigURL: idp.Issuer(), Audiences: []string{"other-app"}, Leeway: 5 * time.Second}); err != nil || created {
		t.Fatalf("reconfigure: created=%v err=%v", created, err)
	}
	eventually(t, "new audience on node b", func() bool {
		i, err := b.Get("corp")
		return err == nil && len(i.Config.Audiences) == 1 && i.Config.Audiences[0] == "other-app" && i.Config.Leeway == 5*time.Second
	})
	if _, err := b.Registry().Verify(ctx, idp.token(t, "fedstore")); !errors.Is(err, oidc.ErrInvalidToken) {
		t.Fatalf("old audience after reconfigure: %v, want ErrInvalidToken", err)
	}

	// Remove: gone on both nodes; a second remove is ErrNotFound.
	if err := b.Remove(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "removal on node a", func() bool { return len(a.List()) == 0 })
	if _, err := a.Get("corp"); !errors.Is(err, oidcstore.ErrNotFound) {
		t.Fatalf("get after remove: %v", err)
	}
	if _, err := a.Registry().Verify(ctx, idp.token(t, "other-app")); !errors.Is(err, oidc.ErrInvalidToken) {
		t.Fatalf("token after remove: %v, want ErrInvalidToken (no provider for the issuer)", err)
	}
	if err := a.Remove(ctx, "corp"); !errors.Is(err, oidcstore.ErrNotFound) {
		t.Fatalf("second remove: %v, want ErrNotFound", err)
	}
}

func TestConfigureRefused(t *testing.T) {
	t.Parallel()
	good := newIdP(t)
	down := newIdP(t)
	down.down.Store(true)
	// wrongIssuer serves a discovery document naming another issuer.
	wrongIssuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"https://elsewhere.example.com","jwks_uri":"http://` + r.Host + `/jwks"}`))
	}))
	t.Cleanup(wrongIssuer.Close)
	// badJWKS has a good discovery document and a broken JWKS.
	var badJWKS *httptest.Server
	badJWKS = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			_, _ = w.Write([]byte(`{"issuer":"` + badJWKS.URL + `","jwks_uri":"` + badJWKS.URL + `/jwks"}`))
			return
		}
		_, _ = w.Write([]byte(`{"keys": "not a list"}`))
	}))
	t.Cleanup(badJWKS.Close)

	tests := []struct {
		name string
		cfg  oidc.ProviderConfig
		kind error
		want string
	}{
		{"no audience", oidc.ProviderConfig{ConfigURL: good.Issuer()}, oidc.ErrInvalidConfig, "at least one audience is required"},
		{"no config url", oidc.ProviderConfig{Audiences: []string{"x"}}, oidc.ErrInvalidConfig, "config URL is required"},
		{"bad name", oidc.ProviderConfig{Name: "a/b", ConfigURL: good.Issuer(), Audiences: []string{"x"}}, oidc.ErrInvalidConfig, "name \"a/b\" must be"},
		{"http to a remote host", oidc.ProviderConfig{ConfigURL: "http://idp.example.com", Audiences: []string{"x"}}, oidc.ErrInvalidConfig, "uses http to a non-loopback host"},
		{"leeway too long", oidc.ProviderConfig{ConfigURL: good.Issuer(), Audiences: []string{"x"}, Leeway: time.Hour}, oidc.ErrInvalidConfig, "leeway 1h0m0s must be between"},
		{"idp down", oidc.ProviderConfig{ConfigURL: down.Issuer(), Audiences: []string{"x"}}, oidc.ErrIDPCommunication, "503"},
		{"issuer mismatch", oidc.ProviderConfig{ConfigURL: wrongIssuer.URL, Audiences: []string{"x"}}, oidc.ErrIDPCommunication, "https://elsewhere.example.com"},
		{"broken jwks", oidc.ProviderConfig{ConfigURL: badJWKS.URL, Audiences: []string{"x"}}, oidc.ErrIDPCommunication, "/jwks: response is not valid JSON"},
		{"nothing listening", oidc.ProviderConfig{ConfigURL: "http://127.0.0.1:1", Audiences: []string{"x"}}, oidc.ErrIDPCommunication, "127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := memory.New()
			t.Cleanup(func() { _ = st.Close() })
			s := newStore(t, st)
			_, _, err := s.Configure(context.Background(), tc.cfg)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %v containing %q", err, tc.kind, tc.want)
			}
			res, lerr := st.List(context.Background(), "", state.ListOptions{})
			if lerr != nil || len(res.KVs) != 0 {
				t.Fatalf("a refused configuration stored %d entries (%v)", len(res.KVs), lerr)
			}
			if len(s.List()) != 0 {
				t.Fatal("a refused configuration is served")
			}
		})
	}
}

func TestSameIssuerTwiceRefused(t *testing.T) {
	t.Parallel()
	idp := newIdP(t)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	s := newStore(t, st)
	ctx := context.Background()
	if _, _, err := s.Configure(ctx, oidc.ProviderConfig{Name: "one", ConfigURL: idp.Issuer(), Audiences: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.Configure(ctx, oidc.ProviderConfig{Name: "two", ConfigURL: idp.Issuer() + "/", Audiences: []string{"b"}})
	if !errors.Is(err, oidc.ErrInvalidConfig) || !strings.Contains(err.Error(), `provider "one" already uses issuer`) {
		t.Fatalf("second provider for one issuer: %v", err)
	}
	if _, err := st.Get(ctx, oidcstore.KeyPrefix+"two"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("refused provider stored: %v", err)
	}
}

// TestLoadWithIdPDown: a stored provider whose IdP is down at start is
// loaded (the server starts), reports its error, and works once the IdP
// answers.
func TestLoadWithIdPDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp := newIdP(t)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	if _, _, err := newStore(t, st).Configure(ctx, oidc.ProviderConfig{Name: "corp", ConfigURL: idp.Issuer(), Audiences: []string{"fedstore"}}); err != nil {
		t.Fatal(err)
	}
	idp.down.Store(true)
	s := oidcstore.New(st, oidcstore.Options{RefreshTick: 20 * time.Millisecond,
		Provider: oidc.Options{MinRefetchInterval: 10 * time.Millisecond}})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	run(t, s)
	eventually(t, "failed fetch reported", func() bool {
		i, err := s.Get("corp")
		return err == nil && i.Status.LastError != ""
	})
	if _, err := s.Registry().Verify(ctx, idp.token(t, "fedstore")); !errors.Is(err, oidc.ErrIDPCommunication) {
		t.Fatalf("token while the IdP is down and no key is cached: %v, want ErrIDPCommunication", err)
	}
	idp.down.Store(false)
	time.Sleep(20 * time.Millisecond) // past MinRefetchInterval
	if _, err := s.Registry().Verify(ctx, idp.token(t, "fedstore")); err != nil {
		t.Fatalf("token after the IdP came back: %v", err)
	}
}

// TestReloadAfterCompaction: a node whose watch position was compacted
// away reloads everything and converges.
func TestReloadAfterCompaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp1, idp2 := newIdP(t), newIdP(t)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	a := newStore(t, st)
	if _, _, err := a.Configure(ctx, oidc.ProviderConfig{Name: "old", ConfigURL: idp1.Issuer(), Audiences: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	b := newStore(t, st) // loads "old" at this revision, not running yet
	if _, _, err := a.Configure(ctx, oidc.ProviderConfig{Name: "new", ConfigURL: idp2.Issuer(), Audiences: []string{"y"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	res, err := st.List(ctx, "", state.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st.Compact(res.Revision)
	run(t, b)
	eventually(t, "node b converged", func() bool {
		l := b.List()
		return len(l) == 1 && l[0].Config.Name == "new"
	})
}

// TestUnusableRecordSkipped: a record this node cannot use (hand-edited,
// or from a newer version) is not served and does not stop the others.
func TestUnusableRecordSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idp := newIdP(t)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Put(ctx, oidcstore.KeyPrefix+"broken", []byte(`{"config_url":`), state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, oidcstore.KeyPrefix+"noaud", []byte(`{"config_url":"`+idp.Issuer()+`"}`), state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, st)
	if len(s.List()) != 0 {
		t.Fatalf("unusable records served: %+v", s.List())
	}
	if _, _, err := s.Configure(ctx, oidc.ProviderConfig{Name: "ok", ConfigURL: idp.Issuer(), Audiences: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if got := s.List(); len(got) != 1 || got[0].Config.Name != "ok" {
		t.Fatalf("providers %+v", got)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := oidcstore.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	good, down := newIdP(t), newIdP(t)
	down.down.Store(true)
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	s := oidcstore.New(st, oidcstore.Options{Provider: oidc.Options{Metrics: m}})
	ctx := context.Background()
	if _, _, err := s.Configure(ctx, oidc.ProviderConfig{Name: "good", ConfigURL: good.Issuer(), Audiences: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Configure(ctx, oidc.ProviderConfig{Name: "down", ConfigURL: down.Issuer(), Audiences: []string{"x"}}); err == nil {
		t.Fatal("configured a provider whose IdP is down")
	}
	want := strings.NewReader(`
# HELP fedstore_oidc_fetch_errors_total Failed fetches of OIDC discovery documents and JWKS, by provider and kind.
# TYPE fedstore_oidc_fetch_errors_total counter
fedstore_oidc_fetch_errors_total{kind="discovery",provider="down"} 1
# HELP fedstore_oidc_fetches_total HTTP fetches of OIDC discovery documents and JWKS, by provider, kind (discovery, jwks) and outcome (ok, error).
# TYPE fedstore_oidc_fetches_total counter
fedstore_oidc_fetches_total{kind="discovery",outcome="error",provider="down"} 1
fedstore_oidc_fetches_total{kind="discovery",outcome="ok",provider="good"} 1
fedstore_oidc_fetches_total{kind="jwks",outcome="ok",provider="good"} 1
`)
	if err := testutil.GatherAndCompare(reg, want); err != nil {
		t.Fatal(err)
	}
	if _, err := oidcstore.NewMetrics(reg); err == nil {
		t.Fatal("registering the metrics twice succeeded")
	}
}
