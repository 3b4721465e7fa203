package server

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/oidc"
)

// TestDevMode: --dev serves the IdP, configures provider "dev" against it,
// creates the sample policy, prints the commands, and a token minted from
// the data dir's key verifies through the live registry.
func TestDevMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret, Dev: true})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(r.stdout.String(), "aws s3 ls"); {
		if time.Now().After(deadline) {
			t.Fatalf("no --dev instructions printed; stdout:\n%s\nlogs:\n%s", r.stdout.String(), r.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := r.stdout.String()
	for _, want := range []string{
		"fedstore dev token --data " + dir + " --roles s3admin > token",
		"aws sts assume-role-with-web-identity --endpoint-url " + r.url() + " --role-arn arn:aws:iam::000000000000:role/s3admin",
		"--web-identity-token file://token",
		"export AWS_ACCESS_KEY_ID=$(cut -f1 creds)",
		`created the sample policy "s3admin"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	// The provider is configured and visible through the admin API.
	c, err := adminclient.New(r.url(), testRootUser, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.OIDCGet(ctx, DevProviderName)
	if err != nil {
		t.Fatal(err)
	}
	issuer := r.url() + devidp.PathPrefix
	if p.Issuer != issuer || !cmp.Equal(p.Audiences, []string{"fedstore"}) || p.ClaimName != "roles" || len(p.KeyIDs) != 1 {
		t.Fatalf("dev provider %+v", p)
	}

	// The sample policy exists in IAM.
	st, err := iam.New(ctx, r.s.store, iam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.HasPolicy(DevPolicyName) {
		t.Fatal("no s3admin policy")
	}

	// A token minted the way `fedstore dev token` does verifies.
	info, err := devidp.ReadInfo(filepath.Join(dir, metaDirName, devidp.InfoFileName))
	if err != nil {
		t.Fatal(err)
	}
	key, err := devidp.LoadKey(filepath.Join(dir, metaDirName, devidp.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	idp, err := devidp.New(info.Issuer, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := idp.Mint(devidp.TokenRequest{Subject: "alice", Roles: []string{"s3admin"}})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := r.s.OIDCRegistry().Verify(ctx, tok)
	if err != nil {
		t.Fatalf("dev token refused: %v", err)
	}
	if claims.Subject != "alice" {
		t.Fatalf("sub %q", claims.Subject)
	}

	// The IdP answers unsigned GETs only under its prefix.
	code, body := get(t, &http.Client{Timeout: 10 * time.Second}, issuer+devidp.DiscoveryPath)
	if code != http.StatusOK || !strings.Contains(body, `"issuer":"`+issuer+`"`) {
		t.Fatalf("discovery: %d %s", code, body)
	}
}

// TestOIDCWithoutDev: no dev IdP routes, and the admin endpoints work on a
// plain server (refusing a provider whose IdP is unreachable).
func TestOIDCWithoutDev(t *testing.T) {
	t.Parallel()
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	code, _ := get(t, &http.Client{Timeout: 10 * time.Second}, r.url()+devidp.PathPrefix+devidp.DiscoveryPath)
	if code == http.StatusOK {
		t.Fatal("dev IdP served without --dev")
	}
	c, err := adminclient.New(r.url(), testRootUser, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if l, err := c.OIDCList(ctx); err != nil || len(l.Providers) != 0 {
		t.Fatalf("list: %+v %v", l, err)
	}
	_, err = c.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{ConfigURL: "http://127.0.0.1:1", Audiences: []string{"x"}})
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Code != "IDPCommunicationError" {
		t.Fatalf("unreachable IdP: %v", err)
	}
	if _, err := r.s.OIDCRegistry().Verify(ctx, "a.b.c"); !errors.Is(err, oidc.ErrInvalidToken) {
		t.Fatalf("verify with no providers: %v", err)
	}
}

func TestDevRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		_, err := New(Config{DataDir: t.TempDir(), Address: addr, Dev: true})
		if !errors.Is(err, ErrConfig) || !errors.Is(err, devidp.ErrNotLoopback) {
			t.Errorf("--dev on %s: %v, want ErrConfig and ErrNotLoopback", addr, err)
		}
	}
}
