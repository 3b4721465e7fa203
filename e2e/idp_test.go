package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Settings of the test IdP (e2e/idp/server.js).
const (
	idpResource     = "urn:fedstore"
	idpClientID     = "fedstore-e2e"
	idpClientSecret = "fedstore-e2e-secret"
)

// idp is a running npm oidc-provider (e2e/idp/server.js): a real, certified
// OpenID Connect provider issuing RS256 JWT access tokens (header typ
// at+jwt, aud idpResource, sub idpClientID) through the client-credentials
// grant, with a "roles" claim of our choosing.
type idp struct {
	// Issuer is http://127.0.0.1:PORT, also the config URL for
	// `fedstore oidc configure --config-url`.
	Issuer string
	// Audience is the aud of every token (the resource URN).
	Audience string
	// Subject is the sub of every token (the client id).
	Subject string

	logs *lockedBuffer
}

var idpListenLine = regexp.MustCompile(`oidc-provider listening on (http://127\.0\.0\.1:[0-9]+)`)

// startOIDCProvider starts e2e/idp/server.js with node on 127.0.0.1:0 and
// stops it when the test ends. Without node or the installed package
// (scripts/install-test-deps.sh) the test is skipped, or fails under
// FEDSTORE_E2E_REQUIRE.
func startOIDCProvider(t *testing.T) *idp {
	t.Helper()
	node := requireTool(t, "node")
	dir, err := filepath.Abs("idp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		missingTool(t, "oidc-provider (npm, in e2e/idp)", err)
	}
	p := &idp{Audience: idpResource, Subject: idpClientID, logs: &lockedBuffer{}}
	cmd := exec.Command(node, "server.js", "--port", "0", "--resource", idpResource,
		"--client-id", idpClientID, "--client-secret", idpClientSecret)
	cmd.Dir = dir
	cmd.Env = cleanEnv()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start oidc-provider: %v", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(io.EOF)
		exited <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			p.logs.WriteLine(sc.Text())
			if m := idpListenLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case u := <-found:
		p.Issuer = u
	case err := <-exited:
		exited <- err
		t.Fatalf("oidc-provider exited before listening (%v); output:\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider did not print %q within 30s; output:\n%s", idpListenLine, p.logs.String())
	}
	return p
}

// Token returns a fresh access token whose "roles" claim is roles (no
// "roles" claim when roles is empty).
func (p *idp) Token(t *testing.T, roles []string) string {
	t.Helper()
	v := url.Values{}
	if len(roles) > 0 {
		v.Set("roles", strings.Join(roles, ","))
	}
	return p.TokenWith(t, v)
}

// TokenWith returns a fresh access token for extra form parameters: "roles"
// and "groups" (comma-separated, become JSON arrays) and "email" become
// claims of the same name.
func (p *idp) TokenWith(t *testing.T, params url.Values) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	for k, vs := range params {
		form[k] = vs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(idpClientID, idpClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("oidc-provider token request: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.AccessToken == "" {
		t.Fatalf("oidc-provider token request: HTTP %d: %s\nlogs:\n%s", resp.StatusCode, body, p.logs.String())
	}
	return out.AccessToken
}

// TokenFile writes a token for roles to a new file (mode 0600) and returns
// its path, for --web-identity-token file://PATH and AWS_WEB_IDENTITY_TOKEN_FILE.
func (p *idp) TokenFile(t *testing.T, roles []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(p.Token(t, roles)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// String describes the IdP for failure messages.
func (p *idp) String() string {
	return fmt.Sprintf("oidc-provider at %s (aud %s)", p.Issuer, p.Audience)
}
