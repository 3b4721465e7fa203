package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/rootcred"
)

func runDev(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newDevCmd())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"dev"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// devDataDir lays out a data dir as `fedstore server --dev` leaves it, with
// the dev IdP served by an httptest server, and returns the dir and a
// provider configured against that IdP.
func devDataDir(t *testing.T) (string, *oidc.Provider) {
	t.Helper()
	data := t.TempDir()
	dir := filepath.Join(data, rootcred.Dir)
	key, err := devidp.LoadOrCreateKey(filepath.Join(dir, devidp.KeyFileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	idp, err := devidp.New(srv.URL+devidp.PathPrefix, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(devidp.PathPrefix+"/", idp.Handler())
	if err := devidp.WriteInfo(filepath.Join(dir, devidp.InfoFileName), devidp.Info{Issuer: idp.Issuer(), Audience: "fedstore", Provider: "dev"}); err != nil {
		t.Fatal(err)
	}
	p, err := oidc.NewProvider(context.Background(), oidc.ProviderConfig{Name: "dev", ConfigURL: idp.Issuer(), Audiences: []string{"fedstore"}}, oidc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return data, p
}

func TestDevToken(t *testing.T) {
	t.Parallel()
	data, p := devDataDir(t)
	out, err := runDev(t, "token", "--data", data, "--roles", "s3admin,readonly", "--sub", "alice", "--groups", "eng", "--ttl", "15m")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") != 1 || strings.Count(out, ".") != 2 {
		t.Fatalf("output is not one compact JWT line: %q", out)
	}
	c, err := p.Verify(context.Background(), strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("minted token refused by the dev provider: %v", err)
	}
	if c.Subject != "alice" || !cmp.Equal(c.Roles("roles"), []string{"s3admin", "readonly"}) {
		t.Fatalf("claims: sub %q roles %v", c.Subject, c.Roles("roles"))
	}
	exp, _ := c.Raw["exp"].(json.Number).Int64()
	iat, _ := c.Raw["iat"].(json.Number).Int64()
	if exp-iat != 15*60 {
		t.Fatalf("lifetime %v s, want 900 (claims %v)", exp-iat, c.Raw)
	}
	if c.Raw["groups"] == nil {
		t.Fatalf("no groups claim: %v", c.Raw)
	}
}

func TestDevTokenFailures(t *testing.T) {
	t.Parallel()
	data, _ := devDataDir(t)
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not a dev data dir", []string{"token", "--data", empty, "--roles", "s3admin"}, "no development identity provider in " + empty + ": start the server with 'fedstore server --dev --data " + empty + "' first"},
		{"zero ttl", []string{"token", "--data", data, "--ttl", "0s"}, "--ttl must be positive"},
		{"ttl too long", []string{"token", "--data", data, "--ttl", "48h"}, "token lifetime 48h0m0s must be between 1s and 24h0m0s"},
		{"empty sub", []string{"token", "--data", data, "--sub", " "}, "--sub must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runDev(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
				t.Fatalf("error %v (output %q), want containing %q", err, out, tc.want)
			}
		})
	}
}
