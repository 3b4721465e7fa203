package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidcstore"
	"github.com/fedstore/fedstore/internal/rootcred"
)

var oidcNow = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)

// fakeOIDC answers like oidcstore.Store with fixed, deterministic data; it
// refuses a config URL containing "down" as an unreachable IdP.
type fakeOIDC struct {
	mu     sync.Mutex
	byName map[string]oidcstore.Info
}

func (f *fakeOIDC) Configure(_ context.Context, cfg oidc.ProviderConfig) (oidcstore.Info, bool, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(false); err != nil {
		return oidcstore.Info{}, false, err
	}
	if strings.Contains(cfg.ConfigURL, "down") {
		return oidcstore.Info{}, false, &oidc.Error{Kind: oidc.ErrIDPCommunication,
			Reason: fmt.Sprintf("identity provider %q: GET %s/.well-known/openid-configuration: HTTP 503", cfg.Name, cfg.ConfigURL)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, existed := f.byName[cfg.Name]
	i := oidcstore.Info{Config: cfg, UpdatedAt: oidcNow, Status: oidc.Status{
		Name: cfg.Name, Issuer: cfg.ConfigURL, DiscoveryURL: cfg.ConfigURL + "/.well-known/openid-configuration",
		JWKSURL: cfg.ConfigURL + "/protocol/openid-connect/certs", KeyIDs: []string{"rsa-2026-11", "ec-2026-11"},
		Algorithms: []string{"RS256", "ES256"}, LastFetch: oidcNow, LastAttempted: oidcNow,
	}}
	f.byName[cfg.Name] = i
	return i, !existed, nil
}

func (f *fakeOIDC) Remove(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byName[name]; !ok {
		return fmt.Errorf("%w: %q", oidcstore.ErrNotFound, name)
	}
	delete(f.byName, name)
	return nil
}

func (f *fakeOIDC) Get(name string) (oidcstore.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, ok := f.byName[name]
	if !ok {
		return i, fmt.Errorf("%w: %q", oidcstore.ErrNotFound, name)
	}
	return i, nil
}

func (f *fakeOIDC) List() []oidcstore.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []oidcstore.Info
	for _, n := range []string{"default", "entra", "keycloak"} {
		if i, ok := f.byName[n]; ok {
			out = append(out, i)
		}
	}
	return out
}

func oidcServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth: &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK},
		OIDC: &fakeOIDC{byName: map[string]oidcstore.Info{}},
	}))
	t.Cleanup(srv.Close)
	return srv
}

// runOIDC executes "fedstore oidc args..." with the test credentials.
func runOIDC(t *testing.T, endpoint string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK, envEndpoint: endpoint}
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newOIDCCmd(func(k string) string { return env[k] }))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"oidc"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestOIDCGolden walks one server through configure, list, show and
// remove, comparing every output (tables and --json) with its golden file.
func TestOIDCGolden(t *testing.T) {
	t.Parallel()
	srv := oidcServer(t)
	steps := []struct {
		args   []string
		golden string
	}{
		{[]string{"list"}, "oidc_list_empty.txt"},
		{[]string{"configure", "--name", "keycloak", "--config-url", "https://kc.example.com/realms/demo",
			"--audience", "fedstore", "--claim-name", "realm_access.roles", "--groups-claim", "groups", "--leeway", "30s",
			"--client-id", "fedstore", "--redirect-url", "https://s3.example.com/login/callback"}, "oidc_configure.txt"},
		{[]string{"configure", "--name", "keycloak", "--config-url", "https://kc.example.com/realms/demo",
			"--audience", "fedstore,fedstore-cli", "--json"}, "oidc_configure_replace.json"},
		{[]string{"configure", "--config-url", "https://login.example.com/tenant/v2.0", "--audience", "app-id"}, "oidc_configure_default.txt"},
		{[]string{"show"}, "oidc_show.txt"},
		{[]string{"show", "--name", "keycloak", "--json"}, "oidc_show.json"},
		{[]string{"list"}, "oidc_list.txt"},
		{[]string{"list", "--json"}, "oidc_list.json"},
		{[]string{"remove", "--name", "keycloak"}, "oidc_remove.txt"},
		{[]string{"remove", "--json"}, "oidc_remove.json"},
		{[]string{"list", "--json"}, "oidc_list_empty.json"},
	}
	for _, s := range steps {
		out, err := runOIDC(t, srv.URL, s.args...)
		if err != nil {
			t.Fatalf("oidc %s: %v", strings.Join(s.args, " "), err)
		}
		golden(t, s.golden, out)
	}
}

func TestOIDCFailures(t *testing.T) {
	t.Parallel()
	srv := oidcServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no audience", []string{"configure", "--config-url", "https://idp.example.com"},
			"oidc configure: --audience is required: the client id or audience your IdP puts in the token's aud (or azp) claim"},
		{"no config url", []string{"configure", "--audience", "x"}, "oidc configure: --config-url is required"},
		{"bad leeway", []string{"configure", "--config-url", "https://idp.example.com", "--audience", "x", "--leeway", "0s"}, "--leeway must be positive"},
		{"leeway too long", []string{"configure", "--config-url", "https://idp.example.com", "--audience", "x", "--leeway", "1h"},
			"oidc configure: InvalidProviderConfig: invalid OIDC provider configuration: leeway 1h0m0s must be between 0s and 10m0s"},
		{"http remote", []string{"configure", "--config-url", "http://idp.example.com", "--audience", "x"},
			"InvalidProviderConfig: invalid OIDC provider configuration: config URL \"http://idp.example.com\" uses http to a non-loopback host; use https"},
		{"idp down", []string{"configure", "--config-url", "https://down.example.com", "--audience", "x"},
			"oidc configure: IDPCommunicationError: cannot communicate with the identity provider: identity provider \"default\": GET https://down.example.com/.well-known/openid-configuration: HTTP 503"},
		{"client id not an audience", []string{"configure", "--config-url", "https://idp.example.com", "--audience", "x", "--client-id", "cli"},
			`oidc configure: InvalidProviderConfig: invalid OIDC provider configuration: client id "cli" must also be an accepted audience (add --audience cli)`},
		{"redirect without client id", []string{"configure", "--config-url", "https://idp.example.com", "--audience", "x",
			"--redirect-url", "https://s3.example.com/login/callback"}, "a redirect URL needs a client id (--client-id)"},
		{"redirect elsewhere", []string{"configure", "--config-url", "https://idp.example.com", "--audience", "x", "--client-id", "x",
			"--redirect-url", "https://s3.example.com/cb"}, `redirect URL "https://s3.example.com/cb" must be fedstore's URL followed by /login/callback`},
		{"show missing", []string{"show", "--name", "nope"}, `oidc show: NoSuchProvider: no such OIDC provider: "nope"`},
		{"remove missing", []string{"remove"}, `oidc remove: NoSuchProvider: no such OIDC provider: "default"`},
		{"extra argument", []string{"show", "extra"}, `unknown command "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runOIDC(t, srv.URL, tc.args...)
			if err == nil {
				t.Fatalf("succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line containing %q", err, tc.want)
			}
			if out != "" {
				t.Fatalf("printed output on failure: %q", out)
			}
		})
	}
}
