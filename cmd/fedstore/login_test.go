package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/awsconfig"
	"github.com/fedstore/fedstore/internal/server"
	"github.com/fedstore/fedstore/internal/signin/oauth"
)

func TestPickProvider(t *testing.T) {
	t.Parallel()
	doc := func(ps ...server.PublicProvider) server.ProvidersDocument {
		return server.ProvidersDocument{Providers: ps}
	}
	corp := server.PublicProvider{Name: "corp", Issuer: "https://a", ClientID: "cli"}
	ci := server.PublicProvider{Name: "ci", Issuer: "https://b"}
	other := server.PublicProvider{Name: "other", Issuer: "https://c", ClientID: "x"}
	tests := []struct {
		name, want, err string
		doc             server.ProvidersDocument
		flag            string
	}{
		{"the only one with a client id", "corp", "", doc(ci, corp), ""},
		{"named", "other", "", doc(corp, other), "other"},
		{"several", "", "several providers offer sign-in, choose one with --provider: corp, other", doc(corp, other), ""},
		{"none", "", "no provider of this server offers sign-in", doc(ci), ""},
		{"unknown", "", `no provider "nope"; providers with sign-in: corp`, doc(corp), "nope"},
		{"named without client id", "", `provider "ci" has no public client id`, doc(ci, corp), "ci"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := pickProvider(tc.doc, tc.flag)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || p.Name != tc.want {
				t.Fatalf("pickProvider = %+v, %v; want %s", p, err, tc.want)
			}
		})
	}
}

func TestCheckProfileName(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{"fedstore": true, "work.s3-1_x": true, "": false, "a b": false, "a]": false, "x=y": false, "../x": false} {
		if err := checkProfileName(name); (err == nil) != ok {
			t.Errorf("checkProfileName(%q) = %v", name, err)
		}
	}
}

func testEnv(t *testing.T) (loginEnv, string) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	return loginEnv{getenv: func(k string) string { return env[k] }, hc: http.DefaultClient, out: &bytes.Buffer{},
		clock: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}, home
}

// TestCredentialsFreshAndMissing: fresh credentials are printed as they
// are (no network); expired ones without a login cache ask for a login.
func TestCredentialsFreshAndMissing(t *testing.T) {
	t.Parallel()
	env, home := testEnv(t)
	credsFile := filepath.Join(home, ".aws", "credentials")
	stored := awsconfig.Credentials{AccessKeyID: "ASIAFRESH", SecretAccessKey: "s", SessionToken: "t",
		Expiration: env.clock().Add(10 * time.Minute)}
	if err := awsconfig.WriteCredentials(credsFile, "fedstore", stored); err != nil {
		t.Fatal(err)
	}
	c, err := currentCredentials(context.Background(), env, "fedstore", 2*time.Minute)
	if err != nil || c != stored {
		t.Fatalf("currentCredentials = %+v, %v", c, err)
	}
	var out bytes.Buffer
	if err := writeProcessJSON(&out, c); err != nil {
		t.Fatal(err)
	}
	var pc map[string]any
	if err := json.Unmarshal(out.Bytes(), &pc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Version": 1.0, "AccessKeyId": "ASIAFRESH", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-01T00:10:00Z"}
	for k, v := range want {
		if pc[k] != v {
			t.Errorf("%s = %v, want %v", k, pc[k], v)
		}
	}
	// Within --refresh-before: renewal needed, and there is no login cache.
	_, err = currentCredentials(context.Background(), env, "fedstore", 15*time.Minute)
	if err == nil || !strings.Contains(err.Error(), "run 'fedstore login --profile fedstore'") {
		t.Fatalf("renewal without a cache: %v", err)
	}
	// A cache without a refresh token says so.
	p, _ := loginCachePath(env.getenv, "fedstore")
	if err := saveLoginCache(env.getenv, "fedstore", loginCache{Endpoint: "http://x"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file %v %v", fi, err)
	}
	_, err = currentCredentials(context.Background(), env, "fedstore", 15*time.Minute)
	if err == nil || !strings.Contains(err.Error(), "issued no refresh token") {
		t.Fatalf("renewal without a refresh token: %v", err)
	}
}

func TestSTSExchange(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("WebIdentityToken") == "bad" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Code>AccessDenied</Code><Message>no policy for roles []</Message></Error></ErrorResponse>`))
			return
		}
		if r.PostForm.Get("DurationSeconds") != "900" || r.PostForm.Get("RoleSessionName") != "alice" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>
<AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>sec</SecretAccessKey><SessionToken>tok</SessionToken>
<Expiration>2026-01-01T01:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`))
	}))
	defer srv.Close()
	c := loginCache{Endpoint: srv.URL, RoleArn: "arn:aws:iam::000000000000:role/x", Duration: 900}
	got, err := stsExchange(context.Background(), srv.Client(), c, "alice", "good")
	want := awsconfig.Credentials{AccessKeyID: "ASIAX", SecretAccessKey: "sec", SessionToken: "tok", Expiration: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}
	if err != nil || got != want {
		t.Fatalf("stsExchange = %+v, %v", got, err)
	}
	if _, err := stsExchange(context.Background(), srv.Client(), c, "alice", "bad"); err == nil ||
		!strings.Contains(err.Error(), "AccessDenied: no policy for roles []") {
		t.Fatalf("refused exchange: %v", err)
	}
}

// lineWriter sends each write to a channel (the login's progress output).
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// TestBrowserLoginAnswersForgedRedirect: a redirect to the loopback
// listener with another sign-in's state gets the "does not match" page in
// full, and the login fails without credentials. Until the listener was
// shut down rather than closed, the command could end before its page was
// out (the browser saw a dropped connection); twenty rounds catch that.
func TestBrowserLoginAnswersForgedRedirect(t *testing.T) {
	t.Parallel()
	redirectRE := regexp.MustCompile(`redirect to (http://127\.0\.0\.1:\d+/callback)`)
	for round := range 20 {
		out := make(lineWriter, 8)
		env := loginEnv{getenv: func(string) string { return "" }, hc: http.DefaultClient, out: out, clock: time.Now, rand: rand.Reader}
		d := oauth.Discovery{Issuer: "http://idp.invalid", AuthorizationEndpoint: "http://idp.invalid/auth", TokenEndpoint: "http://idp.invalid/token"}
		errc := make(chan error, 1)
		go func() {
			_, err := browserLogin(context.Background(), env, d, "cli", loginOptions{noBrowser: true})
			errc <- err
		}()
		var redirect string
		for redirect == "" {
			select {
			case s := <-out:
				if m := redirectRE.FindStringSubmatch(s); m != nil {
					redirect = m[1]
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no redirect URL printed")
			}
		}
		resp, err := http.Get(redirect + "?code=stolen&state=forged")
		if err != nil {
			t.Fatalf("round %d: forged redirect: %v", round, err)
		}
		page, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "state does not match") {
			t.Fatalf("round %d: forged redirect: %d %q, %v", round, resp.StatusCode, page, err)
		}
		if err := <-errc; err == nil || !strings.Contains(err.Error(), "state does not match") {
			t.Fatalf("round %d: login after a forged redirect: %v", round, err)
		}
	}
}
