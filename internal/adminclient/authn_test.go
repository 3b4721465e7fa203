package adminclient_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// rootSource knows the root key only.
type rootSource struct{}

func (rootSource) LookupCredential(_ context.Context, accessKey, _ string) (authn.Credential, error) {
	if accessKey != rootAK {
		return authn.Credential{}, authn.ErrInvalidAccessKeyId
	}
	return authn.Credential{AccessKey: rootAK, SecretKey: rootSK,
		Principal: authn.Principal{Kind: authn.Root, AccessKey: rootAK, Name: "root"}}, nil
}

// TestWithServerAuthenticator: what the client signs, the server's own
// authenticator (internal/authn over internal/sigv4) accepts; a wrong secret
// it refuses.
func TestWithServerAuthenticator(t *testing.T) {
	t.Parallel()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth:  authn.New(rootSource{}, authn.Options{}),
		Store: st,
		Info:  func() adminapi.Info { return adminapi.Info{Version: "real-authn"} },
	}))
	t.Cleanup(srv.Close)
	c, err := adminclient.New(srv.URL, rootAK, rootSK)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil || info.Version != "real-authn" {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	bad, err := adminclient.New(srv.URL, rootAK, "not-the-root-secret")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Info(context.Background())
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}
