package adminclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/oidcstore"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// TestOIDCRoundTrip drives the real admin API and provider store against a
// dev IdP on an httptest server.
func TestOIDCRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, err := devidp.LoadOrCreateKey(filepath.Join(t.TempDir(), "k.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	idpSrv := httptest.NewServer(mux)
	t.Cleanup(idpSrv.Close)
	idp, err := devidp.New(idpSrv.URL+devidp.PathPrefix, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(devidp.PathPrefix+"/", idp.Handler())

	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	providers := oidcstore.New(st, oidcstore.Options{})
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth: &adminapitest.Verifier{AccessKey: rootAK, SecretKey: rootSK},
		OIDC: providers,
	}))
	t.Cleanup(srv.Close)
	c, err := adminclient.New(srv.URL, rootAK, rootSK)
	if err != nil {
		t.Fatal(err)
	}

	res, err := c.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{Name: "dev idp", ConfigURL: idp.Issuer(), Audiences: []string{"fedstore"}})
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Code != "InvalidProviderConfig" || !strings.Contains(ae.Message, `name "dev idp"`) {
		t.Fatalf("bad name: %v", err)
	}
	res, err = c.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{Name: "dev", ConfigURL: idp.Issuer(), Audiences: []string{"fedstore"}, Leeway: "30s"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Provider.Issuer != idp.Issuer() || res.Provider.Leeway != "30s" ||
		len(res.Provider.KeyIDs) != 1 || res.Provider.KeyIDs[0] != idp.KeyID() || res.Provider.JWKSURI != idp.Issuer()+devidp.JWKSPath {
		t.Fatalf("configure: %+v", res)
	}
	// A name with characters that need escaping in the query reaches the
	// server intact (and the signature still verifies).
	if _, err := c.OIDCGet(ctx, "a&b=c"); !errors.As(err, &ae) || ae.Code != "NoSuchProvider" || !strings.Contains(ae.Message, `"a&b=c"`) {
		t.Fatalf("get escaped name: %v", err)
	}
	got, err := c.OIDCGet(ctx, "dev")
	if err != nil || got.Name != "dev" || got.ClaimName != "roles" {
		t.Fatalf("get: %+v %v", got, err)
	}
	l, err := c.OIDCList(ctx)
	if err != nil || len(l.Providers) != 1 || l.Providers[0].Name != "dev" {
		t.Fatalf("list: %+v %v", l, err)
	}
	if err := c.OIDCRemove(ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	if err := c.OIDCRemove(ctx, "dev"); !errors.As(err, &ae) || ae.Code != "NoSuchProvider" || ae.Status != http.StatusNotFound {
		t.Fatalf("second remove: %v", err)
	}
	_, err = c.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{ConfigURL: "http://127.0.0.1:1", Audiences: []string{"x"}})
	if !errors.As(err, &ae) || ae.Code != "IDPCommunicationError" {
		t.Fatalf("unreachable IdP: %v", err)
	}
}
