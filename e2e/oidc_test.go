package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// jwtParts decodes a compact JWT's header and payload without verifying it.
func jwtParts(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
	}
	return header, claims
}

// TestOIDCProviderTokens checks the shared test IdP itself: what its tokens
// look like is what the STS and OIDC tests rely on.
func TestOIDCProviderTokens(t *testing.T) {
	t.Parallel()
	p := startOIDCProvider(t)
	h, c := jwtParts(t, p.Token(t, []string{"s3admin", "readonly"}))
	if h["alg"] != "RS256" || h["typ"] != "at+jwt" || h["kid"] == nil {
		t.Fatalf("header %v, want RS256, at+jwt and a kid", h)
	}
	want := map[string]any{"iss": p.Issuer, "aud": idpResource, "sub": idpClientID, "roles": []any{"s3admin", "readonly"}}
	for k, v := range want {
		if diff := cmp.Diff(v, c[k]); diff != "" {
			t.Errorf("claim %s (-want +got):\n%s", k, diff)
		}
	}
	if _, c := jwtParts(t, p.Token(t, nil)); c["roles"] != nil {
		t.Errorf("token without roles carries roles %v", c["roles"])
	}
}

// fedstoreCLI runs the fedstore binary as an admin client of srv.
func fedstoreCLI(t *testing.T, srvURL string) runner {
	t.Helper()
	return runner{t: t, bin: fedstoreBin, dir: t.TempDir(), env: append(cleanEnv(),
		"FEDSTORE_ROOT_USER="+rootUser, "FEDSTORE_ROOT_PASSWORD="+rootPassword, "FEDSTORE_ENDPOINT="+srvURL)}
}

// TestOIDCConfigureRealIdP: the seed's provider steps against the npm
// oidc-provider and a real fedstore server: configure, show (with "Claim
// Name: roles"), list, a refused configuration, remove; then, when the
// server has an STS endpoint, a token exchange through it.
func TestOIDCConfigureRealIdP(t *testing.T) {
	t.Parallel()
	idp := startOIDCProvider(t)
	srv := startServer(t, false)
	cli := fedstoreCLI(t, srv.URL)

	out := cli.run("oidc", "configure", "--config-url", idp.Issuer, "--audience", idp.Audience)
	for _, want := range []string{`Provider "default" created.`, "Issuer: " + idp.Issuer, "Claim Name: roles",
		"Audiences: " + idpResource, "JWKS URI: " + idp.Issuer + "/jwks", "Algorithms: "} {
		if !strings.Contains(out, want) {
			t.Errorf("configure output lacks %q:\n%s", want, out)
		}
	}
	show := cli.run("oidc", "show")
	if !strings.Contains(show, "\nClaim Name: roles\n") || !strings.Contains(show, "Config URL: "+idp.Issuer+"\n") {
		t.Errorf("oidc show:\n%s", show)
	}
	// The key id the IdP signs with is the one fedstore loaded.
	h, _ := jwtParts(t, idp.Token(t, []string{"s3admin"}))
	if kid, _ := h["kid"].(string); kid == "" || !strings.Contains(show, "Key IDs: "+kid) {
		t.Errorf("oidc show does not list the IdP's key %v:\n%s", h["kid"], show)
	}
	var list struct {
		Providers []struct {
			Name, Issuer string
			ClaimName    string   `json:"claim_name"`
			KeyIDs       []string `json:"key_ids"`
		}
	}
	mustJSON(t, cli.run("oidc", "list", "--json"), &list)
	if len(list.Providers) != 1 || len(list.Providers[0].KeyIDs) == 0 {
		t.Errorf("oidc list --json: %+v", list)
	}

	// Refusals: one line on stderr, exit status 1, nothing stored.
	refusals := []struct {
		args []string
		want string
	}{
		{[]string{"--name", "noaud", "--config-url", idp.Issuer}, "--audience is required"},
		{[]string{"--name", "wrongpath", "--config-url", idp.Issuer + "/realms/none", "--audience", "x"}, "IDPCommunicationError"},
		{[]string{"--name", "twice", "--config-url", idp.Issuer, "--audience", "x"}, `provider "default" already uses issuer`},
	}
	for _, r := range refusals {
		stdout, stderr, err := cli.try(append([]string{"oidc", "configure"}, r.args...)...)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || stdout != "" ||
			!strings.Contains(stderr, r.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("configure %v: err %v, stdout %q, stderr %q; want one line containing %q", r.args, err, stdout, stderr, r.want)
		}
	}
	if _, stderr, err := cli.try("oidc", "show", "--name", "noaud"); err == nil || !strings.Contains(stderr, "NoSuchProvider") {
		t.Errorf("a refused provider was stored: %v %s", err, stderr)
	}

	// Through the STS endpoint: a role naming no policy is AccessDenied
	// (naming the claim value), a forged signature InvalidIdentityToken, and
	// with the policy added the exchange succeeds.
	tok := idp.Token(t, []string{"s3admin"})
	code, body := assumeRaw(t, srv.URL, tok)
	if code != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "s3admin") {
		t.Errorf("exchange before the policy exists: %d %s", code, body)
	}
	code, body = assumeRaw(t, srv.URL, tok[:len(tok)-4]+"AAAA")
	if code != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidIdentityToken</Code>") {
		t.Errorf("exchange of a token with a bad signature: %d %s", code, body)
	}
	policyFile := filepath.Join(t.TempDir(), "s3admin.json")
	if err := os.WriteFile(policyFile, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.run("policy", "add", "s3admin", policyFile)
	code, body = assumeRaw(t, srv.URL, tok)
	if code != http.StatusOK || !strings.Contains(body, "<AccessKeyId>ASIA") || !strings.Contains(body, "<Provider>") {
		t.Errorf("exchange with the policy: %d %s", code, body)
	}

	cli.run("oidc", "remove")
	if out := cli.run("oidc", "list"); !strings.Contains(out, "No OIDC providers configured") {
		t.Errorf("list after remove:\n%s", out)
	}
}

// assumeRaw posts AssumeRoleWithWebIdentity as the SDKs do (unsigned form).
func assumeRaw(t *testing.T, srvURL, token string) (int, string) {
	t.Helper()
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::000000000000:role/s3admin"}, "RoleSessionName": {"e2e"}}
	if token != "" {
		form.Set("WebIdentityToken", token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srvURL+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("STS call: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// devServer is `fedstore server --dev` running on 127.0.0.1:0.
type devServer struct {
	URL, DataDir string
	Stdout       *lockedBuffer
}

func startDevServer(t *testing.T) *devServer {
	t.Helper()
	root := t.TempDir()
	d := &devServer{DataDir: filepath.Join(root, "data"), Stdout: &lockedBuffer{}}
	cmd := exec.Command(fedstoreBin, "server", "--dev", "--data", d.DataDir, "--address", "127.0.0.1:0")
	cmd.Env = append(cleanEnv(), "FEDSTORE_ROOT_USER="+rootUser, "FEDSTORE_ROOT_PASSWORD="+rootPassword)
	cmd.Dir = root
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(io.EOF)
		exited <- err
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		closed := false
		for sc.Scan() {
			d.Stdout.WriteLine(sc.Text())
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil && d.URL == "" {
				d.URL = m[1]
			}
			if strings.TrimSpace(sc.Text()) == "aws s3 ls" && !closed {
				close(ready)
				closed = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case <-ready:
	case err := <-exited:
		exited <- err
		t.Fatalf("fedstore --dev exited (%v):\n%s", err, d.Stdout.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("fedstore --dev printed no instructions within 30s:\n%s", d.Stdout.String())
	}
	return d
}

// TestDevMode: `fedstore server --dev` prints the commands; `fedstore dev
// token` mints a token the dev provider lists; with an STS endpoint the
// printed AWS CLI commands give working S3 credentials.
func TestDevMode(t *testing.T) {
	t.Parallel()
	d := startDevServer(t)
	out := d.Stdout.String()
	for _, want := range []string{"fedstore dev token --data " + d.DataDir + " --roles s3admin > token",
		"--endpoint-url " + d.URL + " --role-arn arn:aws:iam::000000000000:role/s3admin"} {
		if !strings.Contains(out, want) {
			t.Fatalf("instructions lack %q:\n%s", want, out)
		}
	}
	cli := fedstoreCLI(t, d.URL)
	show := cli.run("oidc", "show", "--name", "dev")
	if !strings.Contains(show, "Issuer: "+d.URL+"/_fedstore/dev-idp\n") || !strings.Contains(show, "Claim Name: roles\n") {
		t.Fatalf("dev provider:\n%s", show)
	}
	tok := strings.TrimSpace(cli.run("dev", "token", "--data", d.DataDir, "--roles", "s3admin", "--sub", "alice"))
	h, c := jwtParts(t, tok)
	if !strings.Contains(show, "Key IDs: "+h["kid"].(string)) || c["sub"] != "alice" || c["aud"] != "fedstore" {
		t.Fatalf("dev token header %v claims %v; provider:\n%s", h, c, show)
	}
	// The printed flow, with the AWS CLI v1.
	aws := awsV1(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runner{t: t, bin: aws, dir: t.TempDir(), env: append(cleanEnv(), "AWS_DEFAULT_REGION="+region,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")}
	creds := strings.Fields(r.run("sts", "assume-role-with-web-identity", "--endpoint-url", d.URL,
		"--role-arn", "arn:aws:iam::000000000000:role/s3admin", "--role-session-name", "dev",
		"--web-identity-token", "file://"+tokenFile,
		"--query", "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]", "--output", "text"))
	if len(creds) != 3 || !strings.HasPrefix(creds[0], "ASIA") {
		t.Fatalf("credentials %q", creds)
	}
	r.env = append(r.env, "AWS_ACCESS_KEY_ID="+creds[0], "AWS_SECRET_ACCESS_KEY="+creds[1], "AWS_SESSION_TOKEN="+creds[2])
	r.run("--endpoint-url", d.URL, "s3", "mb", "s3://dev-bucket")
	if ls := r.run("--endpoint-url", d.URL, "s3", "ls"); !strings.Contains(ls, "dev-bucket") {
		t.Fatalf("aws s3 ls:\n%s", ls)
	}
}
