package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// iamCLI runs the fedstore binary's admin commands against srv with the
// root credentials; it returns stdout, stderr and the exit code.
func iamCLI(t *testing.T, srv *server, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(fedstoreBin, args...)
	cmd.Env = append(cleanEnv(), "FEDSTORE_ROOT_USER="+rootUser, "FEDSTORE_ROOT_PASSWORD="+rootPassword, "FEDSTORE_ENDPOINT="+srv.URL)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("fedstore %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// mustIAMCLI runs fedstore and fails the test unless it exits 0.
func mustIAMCLI(t *testing.T, srv *server, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := iamCLI(t, srv, stdin, args...)
	if code != 0 {
		t.Fatalf("fedstore %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// anyAWSCLI is an AWS CLI to drive scenarios with: v1 from pyenv, else the
// Debian v2.
func anyAWSCLI(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("aws"); err == nil {
		return p
	}
	return requireTool(t, "/usr/bin/aws")
}

const (
	e2eReadonly = `{"Version":"2012-10-17","Statement":[
  {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::e2e-iam-data","arn:aws:s3:::e2e-iam-data/*"]}]}`
	e2eHome = `{"Version":"2012-10-17","Statement":[
  {"Sid":"ListOwnHome","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::e2e-iam-home",
   "Condition":{"StringLike":{"s3:prefix":["${aws:username}/*","${aws:username}/"]}}},
  {"Sid":"OwnObjects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::e2e-iam-home/${aws:username}/*"}]}`
)

// TestIAMBucketPolicy: a bucket policy grants anonymous GET; anonymous PUT
// stays AccessDenied; Get/Delete round trip; a bad document is
// MalformedPolicy naming its fault.
func TestIAMBucketPolicy(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	r := runner{t: t, bin: anyAWSCLI(t), env: awsEnv(t, srv)}
	ep := []string{"--endpoint-url", srv.URL, "--output", "json"}
	aws := func(args ...string) string { t.Helper(); return r.run(append(append([]string{}, ep...), args...)...) }
	const bucket = "e2e-iam-public"
	aws("s3api", "create-bucket", "--bucket", bucket)
	body := filepath.Join(t.TempDir(), "hello.txt")
	if err := os.WriteFile(body, []byte("hello, world\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	aws("s3api", "put-object", "--bucket", bucket, "--key", "pub/hello.txt", "--body", body)
	aws("s3api", "put-object", "--bucket", bucket, "--key", "private/secret.txt", "--body", body)

	hc := srv.httpClient()
	anon := func(method, key, data string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/"+bucket+"/"+key, strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if code, b := anon(http.MethodGet, "pub/hello.txt", ""); code != 403 || !strings.Contains(b, "<Code>AccessDenied</Code>") {
		t.Fatalf("anonymous GET before the policy: %d %s", code, b)
	}
	if _, errOut, err := r.try(append(append([]string{}, ep...), "s3api", "get-bucket-policy", "--bucket", bucket)...); err == nil || !strings.Contains(errOut, "NoSuchBucketPolicy") {
		t.Fatalf("get-bucket-policy before any: %v %s", err, errOut)
	}
	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, errOut, err := r.try(append(append([]string{}, ep...), "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", bad)...); err == nil ||
		!strings.Contains(errOut, "MalformedPolicy") || !strings.Contains(errOut, "Statement[0]") {
		t.Fatalf("put-bucket-policy without Principal: %v %s", err, errOut)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/pub/*"}]}`
	aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", public)
	var got struct{ Policy string }
	mustJSON(t, aws("s3api", "get-bucket-policy", "--bucket", bucket), &got)
	if got.Policy != public {
		t.Fatalf("get-bucket-policy = %q, want %q", got.Policy, public)
	}
	if code, b := anon(http.MethodGet, "pub/hello.txt", ""); code != 200 || b != "hello, world\n" {
		t.Fatalf("anonymous GET allowed by the bucket policy: %d %q", code, b)
	}
	if code, b := anon(http.MethodGet, "private/secret.txt", ""); code != 403 || !strings.Contains(b, "AccessDenied") {
		t.Fatalf("anonymous GET outside the granted prefix: %d %s", code, b)
	}
	if code, b := anon(http.MethodPut, "pub/new.txt", "x"); code != 403 || !strings.Contains(b, "AccessDenied") {
		t.Fatalf("anonymous PUT: %d %s", code, b)
	}
	if _, err := os.Stat(srv.objectPath(bucket, "pub/new.txt")); err == nil {
		t.Fatal("a denied anonymous PUT stored the object")
	}
	if !strings.Contains(srv.logs.String(), "s3 request denied") {
		t.Error("no audit line for the denied requests")
	}
	aws("s3api", "delete-bucket-policy", "--bucket", bucket)
	if code, _ := anon(http.MethodGet, "pub/hello.txt", ""); code != 403 {
		t.Fatalf("anonymous GET after delete-bucket-policy: %d", code)
	}
}

// TestIAMPolicyCLI drives `fedstore policy` against the real server binary.
func TestIAMPolicyCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	dir := t.TempDir()
	ro := filepath.Join(dir, "readonly.json")
	if err := os.WriteFile(ro, []byte(e2eReadonly), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustIAMCLI(t, srv, "", "policy", "list"); !strings.Contains(out, "No policies") {
		t.Fatalf("policy list on a new server: %q", out)
	}
	if out := mustIAMCLI(t, srv, "", "policy", "add", "readonly", ro); out != "Policy \"readonly\" added.\n" {
		t.Fatalf("policy add: %q", out)
	}
	_, errOut, code := iamCLI(t, srv, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjekt","Resource":"*"}]}`, "policy", "add", "typo", "-")
	if code != 0 || !strings.Contains(errOut, "warning: Statement[0].Action") {
		t.Fatalf("policy add with an unknown action: exit %d, stderr %q", code, errOut)
	}
	out, errOut, code := iamCLI(t, srv, "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3\"}\n}", "policy", "add", "bad", "-")
	if code != 1 || out != "" || !strings.Contains(errOut, "MalformedPolicyDocument") || !strings.Contains(errOut, "Statement") || !strings.Contains(errOut, "line 3") {
		t.Fatalf("policy add with a bad ARN: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	mustIAMCLI(t, srv, "", "policy", "attach", "readonly", "--user", "alice@example.com")
	mustIAMCLI(t, srv, "", "policy", "attach", "readonly", "--group", "auditors")
	var list struct {
		Policies []struct {
			Name   string
			Users  []string
			Groups []string
		}
	}
	mustJSON(t, mustIAMCLI(t, srv, "", "policy", "list", "--json"), &list)
	if len(list.Policies) != 2 || list.Policies[0].Name != "readonly" || len(list.Policies[0].Users) != 1 || list.Policies[0].Groups[0] != "auditors" {
		t.Fatalf("policy list --json: %+v", list)
	}
	if out := mustIAMCLI(t, srv, "", "policy", "show", "readonly"); !strings.Contains(out, "Users:      alice@example.com") || !strings.Contains(out, `"Sid": "Read"`) {
		t.Fatalf("policy show: %s", out)
	}
	if _, errOut, code := iamCLI(t, srv, "", "policy", "show", "ReadOnly"); code != 1 || !strings.Contains(errOut, "NoSuchPolicy") {
		t.Fatalf("policy show with the wrong case: exit %d %q", code, errOut)
	}
	if _, errOut, code := iamCLI(t, srv, "", "policy", "remove", "readonly"); code != 1 || !strings.Contains(errOut, "PolicyAttached") {
		t.Fatalf("policy remove while attached: exit %d %q", code, errOut)
	}
	mustIAMCLI(t, srv, "", "policy", "detach", "readonly", "--user", "alice@example.com")
	if out := mustIAMCLI(t, srv, "", "policy", "remove", "readonly", "--force"); !strings.Contains(out, `Detached from group "auditors"`) {
		t.Fatalf("policy remove --force: %q", out)
	}
	mustIAMCLI(t, srv, "", "policy", "remove", "typo")
	if out := mustIAMCLI(t, srv, "", "policy", "list"); !strings.Contains(out, "No policies") {
		t.Fatalf("policy list at the end: %q", out)
	}
}

// stsCreds are temporary credentials from AssumeRoleWithWebIdentity.
type stsCreds struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// assumeRoleWithWebIdentity exchanges token at srv's STS endpoint with the
// AWS CLI (aws sts assume-role-with-web-identity) and returns the session
// credentials.
func assumeRoleWithWebIdentity(t *testing.T, r runner, srv *server, roleARN, session, token string) stsCreds {
	t.Helper()
	out := r.run("sts", "assume-role-with-web-identity", "--endpoint-url", srv.URL, "--output", "json",
		"--role-arn", roleARN, "--role-session-name", session, "--web-identity-token", token)
	var res struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	mustJSON(t, out, &res)
	if res.Credentials.AccessKeyId == "" || res.Credentials.SessionToken == "" {
		t.Fatalf("assume-role-with-web-identity: no credentials in %s", out)
	}
	return stsCreds{res.Credentials.AccessKeyId, res.Credentials.SecretAccessKey, res.Credentials.SessionToken}
}

// sessionRunner is r with the session's credentials instead of root's.
func sessionRunner(r runner, c stsCreds) runner {
	env := make([]string, 0, len(r.env)+3)
	for _, kv := range r.env {
		if strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			continue
		}
		env = append(env, kv)
	}
	r.env = append(env, "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey, "AWS_SESSION_TOKEN="+c.SessionToken)
	return r
}

// TestIAMSessions: sessions issued by the STS for a real OIDC provider's
// tokens are held to their policies, with the AWS CLI: a read-only
// principal lists and gets but PUT is AccessDenied; a home-prefix policy
// (${aws:username}) confines a user to its prefix; ListBuckets shows only
// the permitted buckets; a policy edit applies to a live session.
func TestIAMSessions(t *testing.T) {
	t.Parallel()
	p := startOIDCProvider(t)
	srv := startServer(t, false)
	root := runner{t: t, bin: anyAWSCLI(t), env: awsEnv(t, srv)}
	ep := []string{"--endpoint-url", srv.URL, "--output", "json"}
	as := func(r runner, args ...string) string {
		t.Helper()
		return r.run(append(append([]string{}, ep...), args...)...)
	}
	try := func(r runner, args ...string) (string, string, error) {
		t.Helper()
		return r.try(append(append([]string{}, ep...), args...)...)
	}

	mustIAMCLI(t, srv, "", "oidc", "configure", "--config-url", p.Issuer, "--audience", p.Audience, "--user-claim", "email")
	dir := t.TempDir()
	for name, doc := range map[string]string{"readonly": e2eReadonly, "home": e2eHome} {
		f := filepath.Join(dir, name+".json")
		if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		mustIAMCLI(t, srv, "", "policy", "add", name, f)
	}
	for _, b := range []string{"e2e-iam-data", "e2e-iam-home", "e2e-iam-other"} {
		as(root, "s3api", "create-bucket", "--bucket", b)
	}
	file := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(file, []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	as(root, "s3api", "put-object", "--bucket", "e2e-iam-data", "--key", "report.txt", "--body", file)

	// A read-only session.
	tok := p.TokenWith(t, map[string][]string{"roles": {"readonly"}, "email": {"rita@example.com"}})
	reader := sessionRunner(root, assumeRoleWithWebIdentity(t, root, srv, "arn:aws:iam::000000000000:role/readonly", "rita", tok))
	if out := as(reader, "s3api", "list-objects-v2", "--bucket", "e2e-iam-data"); !strings.Contains(out, "report.txt") {
		t.Fatalf("read-only list: %s", out)
	}
	as(reader, "s3api", "get-object", "--bucket", "e2e-iam-data", "--key", "report.txt", filepath.Join(dir, "got.txt"))
	if _, errOut, err := try(reader, "s3api", "put-object", "--bucket", "e2e-iam-data", "--key", "new.txt", "--body", file); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("read-only put: %v %s", err, errOut)
	}
	// ListBuckets shows only the bucket it may list.
	var lb struct{ Buckets []struct{ Name string } }
	mustJSON(t, as(reader, "s3api", "list-buckets"), &lb)
	if len(lb.Buckets) != 1 || lb.Buckets[0].Name != "e2e-iam-data" {
		t.Fatalf("read-only list-buckets: %+v", lb.Buckets)
	}

	// A policy edit applies to the live session at once.
	rw := strings.Replace(e2eReadonly, `"s3:GetBucketLocation"]`, `"s3:GetBucketLocation","s3:PutObject"]`, 1)
	mustIAMCLI(t, srv, rw, "policy", "add", "readonly", "-")
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, errOut, err := try(reader, "s3api", "put-object", "--bucket", "e2e-iam-data", "--key", "new.txt", "--body", file)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("put after the policy edit: %v %s", err, errOut)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Home prefixes: alice and bob hold the same policy.
	alice := sessionRunner(root, assumeRoleWithWebIdentity(t, root, srv, "arn:aws:iam::000000000000:role/home", "alice",
		p.TokenWith(t, map[string][]string{"roles": {"home"}, "email": {"alice@example.com"}})))
	as(alice, "s3api", "put-object", "--bucket", "e2e-iam-home", "--key", "alice@example.com/notes.txt", "--body", file)
	if out := as(alice, "s3api", "list-objects-v2", "--bucket", "e2e-iam-home", "--prefix", "alice@example.com/"); !strings.Contains(out, "notes.txt") {
		t.Fatalf("alice lists her home: %s", out)
	}
	if _, errOut, err := try(alice, "s3api", "put-object", "--bucket", "e2e-iam-home", "--key", "bob@example.com/x.txt", "--body", file); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("alice writes to bob's home: %v %s", err, errOut)
	}
	if _, errOut, err := try(alice, "s3api", "list-objects-v2", "--bucket", "e2e-iam-home", "--prefix", "bob@example.com/"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("alice lists bob's home: %v %s", err, errOut)
	}
	if _, errOut, err := try(alice, "s3api", "list-objects-v2", "--bucket", "e2e-iam-home"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("alice lists the whole bucket: %v %s", err, errOut)
	}
	if _, errOut, err := try(alice, "s3api", "list-buckets"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("alice may list no bucket: %v %s", err, errOut)
	}
	var audit int
	for _, l := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(l, "s3 request denied") && strings.Contains(l, "alice@example.com") {
			audit++
		}
	}
	if audit == 0 {
		t.Errorf("no audit line names alice's denied requests:\n%s", srv.logs.Tail(20))
	}
}
