package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/devidp"
)

// TestSignInRoutes: the public providers list and /login are served
// unauthenticated; a signed request for /login stays S3's (bucket
// "login"); the callback's code and state never reach the access log.
func TestSignInRoutes(t *testing.T) {
	t.Parallel()
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, Dev: true})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(r.stdout.String(), "aws s3 ls"); {
		if time.Now().After(deadline) {
			t.Fatalf("--dev setup did not finish; logs:\n%s", r.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c, err := adminclient.New(r.url(), testRootUser, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second}

	// Before: the provider has no client id; the page offers nothing.
	var doc ProvidersDocument
	getJSON(t, hc, r.url()+PathProviders, &doc)
	if len(doc.Providers) != 1 || doc.Providers[0].ClientID != "" || doc.Providers[0].SignInPage || doc.AccountID != DefaultAccountID {
		t.Fatalf("providers before: %+v", doc)
	}
	if code, body := get(t, hc, r.url()+"/login"); code != 200 || !strings.Contains(body, "No identity provider offers sign-in") {
		t.Fatalf("GET /login = %d:\n%s", code, body)
	}

	_, err = c.OIDCConfigure(context.Background(), adminapi.OIDCProviderConfig{
		Name: DevProviderName, ConfigURL: r.url() + devidp.PathPrefix, Audiences: []string{devidp.DefaultAudience},
		ClientID: devidp.DefaultAudience, RedirectURL: r.url() + "/login/callback",
	})
	if err != nil {
		t.Fatal(err)
	}
	getJSON(t, hc, r.url()+PathProviders, &doc)
	want := PublicProvider{Name: DevProviderName, Issuer: r.url() + devidp.PathPrefix, ClientID: devidp.DefaultAudience, SignInPage: true}
	if len(doc.Providers) != 1 || doc.Providers[0] != want {
		t.Fatalf("providers after: %+v, want %+v", doc.Providers, want)
	}
	if code, body := get(t, hc, r.url()+"/login"); code != 200 || !strings.Contains(body, "Sign in with dev") {
		t.Fatalf("GET /login = %d:\n%s", code, body)
	}

	// A signed request for /login is S3's: bucket "login" (none here).
	req, _ := http.NewRequest(http.MethodGet, r.url()+"/login", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		t.Fatalf("signed GET /login answered %d %q, not S3 XML", resp.StatusCode, ct)
	}

	// The callback without a flow is refused; its query is redacted in logs.
	if code, body := get(t, hc, r.url()+"/login/callback?code=SECRETCODE123&state=SECRETSTATE456"); code != 400 || !strings.Contains(body, "Sign-in not in progress") {
		t.Fatalf("callback without a flow = %d:\n%s", code, body)
	}
	if logs := r.logs.String(); strings.Contains(logs, "SECRETCODE123") || strings.Contains(logs, "SECRETSTATE456") {
		t.Fatalf("the access log shows the code or state:\n%s", logs)
	}
}

func getJSON(t *testing.T, hc *http.Client, url string, out any) {
	t.Helper()
	code, body := get(t, hc, url)
	if code != 200 {
		t.Fatalf("GET %s = %d: %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), out); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}
