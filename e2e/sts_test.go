package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	stsAdminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	stsRoleARN     = "arn:aws:iam::000000000000:role/s3admin"
)

// stsSetup is a running server with the npm oidc-provider configured as
// its provider and the s3admin policy, as in the seed's flow.
type stsSetup struct {
	idp  *idp
	srv  *server
	cli  runner // fedstore admin CLI
	root runner // AWS CLI with root credentials
}

func newSTSSetup(t *testing.T) *stsSetup { return newSTSSetupWith(t, anyAWSCLI(t)) }

func newSTSSetupWith(t *testing.T, awsBin string) *stsSetup {
	t.Helper()
	s := &stsSetup{idp: startOIDCProvider(t), srv: startServer(t, false)}
	s.cli = fedstoreCLI(t, s.srv.URL)
	s.root = runner{t: t, bin: awsBin, env: awsEnv(t, s.srv)}
	s.cli.run("oidc", "configure", "--config-url", s.idp.Issuer, "--audience", s.idp.Audience)
	if show := s.cli.run("oidc", "show"); !strings.Contains(show, "Claim Name: roles") {
		t.Fatalf("oidc show does not print Claim Name: roles:\n%s", show)
	}
	f := filepath.Join(t.TempDir(), "s3admin.json")
	if err := os.WriteFile(f, []byte(stsAdminPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cli.run("policy", "add", "s3admin", f)
	return s
}

// TestSTSSeedFlow is the seed's flow with the AWS CLI: a client-credentials
// token from a real IdP, aws sts assume-role-with-web-identity with
// file://token, then aws s3 ls and a put/get with the credentials; then
// sts list / explain / revoke through the fedstore CLI. AWS CLI v1 and v2.
func TestSTSSeedFlow(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			bin := "/usr/bin/aws"
			if v == "v1" {
				bin = awsV1(t)
			} else {
				bin = requireTool(t, bin)
			}
			seedFlow(t, newSTSSetupWith(t, bin))
		})
	}
}

func seedFlow(t *testing.T, s *stsSetup) {
	tokenFile := s.idp.TokenFile(t, []string{"s3admin"})
	out := s.root.run("sts", "assume-role-with-web-identity", "--endpoint-url", s.srv.URL, "--output", "json",
		"--role-arn", stsRoleARN, "--role-session-name", "seed", "--web-identity-token", "file://"+tokenFile)
	var res struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken string
			Expiration                                 string
		}
		SubjectFromWebIdentityToken string
		AssumedRoleUser             struct{ Arn, AssumedRoleId string }
		Provider, Audience          string
	}
	mustJSON(t, out, &res)
	c := res.Credentials
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SessionToken == "" || len(c.SessionToken) > 2048 ||
		res.SubjectFromWebIdentityToken != s.idp.Subject || res.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/s3admin/seed" ||
		res.Provider != s.idp.Issuer || res.Audience != s.idp.Audience {
		t.Fatalf("assume-role-with-web-identity answer:\n%s", out)
	}
	user := sessionRunner(s.root, stsCreds{c.AccessKeyId, c.SecretAccessKey, c.SessionToken})
	ep := []string{"--endpoint-url", s.srv.URL}
	user.run(append(ep, "s3", "mb", "s3://e2e-sts-seed")...)
	if ls := user.run(append(ep, "s3", "ls")...); !strings.Contains(ls, "e2e-sts-seed") {
		t.Fatalf("aws s3 ls with session credentials:\n%s", ls)
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "hello.txt"), filepath.Join(dir, "back.txt")
	if err := os.WriteFile(src, []byte("hello from a web identity\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	user.run(append(ep, "s3", "cp", src, "s3://e2e-sts-seed/hello.txt")...)
	user.run(append(ep, "s3", "cp", "s3://e2e-sts-seed/hello.txt", dst)...)
	assertFile(t, dst, []byte("hello from a web identity\n"))
	s.srv.assertStoredFile(t, "e2e-sts-seed", "hello.txt", []byte("hello from a web identity\n"))

	// The session is listed, with its subject, provider and policies.
	list := s.cli.run("sts", "list")
	for _, want := range []string{c.AccessKeyId, s.idp.Subject, "default", "s3admin", "seed", "127.0.0.1"} {
		if !strings.Contains(list, want) {
			t.Errorf("sts list lacks %q:\n%s", want, list)
		}
	}
	// explain: every check passes, the role maps, the result is allowed;
	// a wrong-case role is explained.
	if ex := s.cli.run("sts", "explain", tokenFile); !strings.Contains(ex, "PASS  verified with key") ||
		!strings.Contains(ex, `s3admin  -> policy "s3admin"`) || !strings.Contains(ex, "ALLOWED") {
		t.Errorf("sts explain:\n%s", ex)
	}
	wrong := filepath.Join(dir, "wrong-token")
	if err := os.WriteFile(wrong, []byte(s.idp.Token(t, []string{"S3Admin"})), 0o600); err != nil {
		t.Fatal(err)
	}
	if ex := s.cli.run("sts", "explain", wrong); !strings.Contains(ex, `there is "s3admin"`) || !strings.Contains(ex, "REFUSED") {
		t.Errorf("sts explain of a wrong-case role:\n%s", ex)
	}
	if _, errOut, err := s.root.try("sts", "assume-role-with-web-identity", "--endpoint-url", s.srv.URL, "--role-arn", stsRoleARN,
		"--role-session-name", "seed", "--web-identity-token", "file://"+wrong); err == nil || !strings.Contains(errOut, "AccessDenied") ||
		!strings.Contains(errOut, "case-sensitive") {
		t.Errorf("exchange of a wrong-case role: %v %s", err, errOut)
	}
	// Revoked: the next request is refused.
	s.cli.run("sts", "revoke", c.AccessKeyId)
	if _, errOut, err := user.try(append(ep, "s3", "ls")...); err == nil || !strings.Contains(errOut, "InvalidToken") {
		t.Fatalf("aws s3 ls after revoke: %v %s", err, errOut)
	}
	// The audit line names the subject and the access key, never the token.
	logs := s.srv.logs.String()
	if !strings.Contains(logs, "sts exchange") || !strings.Contains(logs, c.AccessKeyId) {
		t.Errorf("no audit line for the exchange:\n%s", s.srv.logs.Tail(20))
	}
	tok, _ := os.ReadFile(tokenFile)
	if strings.Contains(logs, string(tok)) || strings.Contains(logs, c.SessionToken) || strings.Contains(logs, c.SecretAccessKey) {
		t.Error("the server logged a token or a secret")
	}
}

// TestSTSAWSCLICredentialChain: the AWS CLI (v1: service-specific endpoint
// variables) finds the credentials itself from AWS_WEB_IDENTITY_TOKEN_FILE,
// AWS_ROLE_ARN and AWS_ENDPOINT_URL_STS.
func TestSTSAWSCLICredentialChain(t *testing.T) {
	t.Parallel()
	bin := awsV1(t)
	s := newSTSSetup(t)
	s.root.run("--endpoint-url", s.srv.URL, "s3", "mb", "s3://e2e-sts-chain")
	chain := runner{t: t, bin: bin}
	for _, kv := range s.root.env {
		if !strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			chain.env = append(chain.env, kv)
		}
	}
	chain.env = append(chain.env, "AWS_WEB_IDENTITY_TOKEN_FILE="+s.idp.TokenFile(t, []string{"s3admin"}),
		"AWS_ROLE_ARN="+stsRoleARN, "AWS_ROLE_SESSION_NAME=cli-chain", "AWS_ENDPOINT_URL_STS="+s.srv.URL)
	if ls := chain.run("--endpoint-url", s.srv.URL, "s3", "ls"); !strings.Contains(ls, "e2e-sts-chain") {
		t.Fatalf("aws s3 ls through the credential chain:\n%s", ls)
	}
	if list := s.cli.run("sts", "list"); !strings.Contains(list, "cli-chain") {
		t.Fatalf("the chain's session is not listed:\n%s", list)
	}
}

// TestSTSGoSDKCredentialChain: aws-sdk-go-v2's default chain with
// AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ENDPOINT_URL_STS; then a
// presigned GET carrying X-Amz-Security-Token. Not parallel: it sets the
// process environment the SDK reads.
func TestSTSGoSDKCredentialChain(t *testing.T) {
	s := newSTSSetup(t)
	s.root.run("--endpoint-url", s.srv.URL, "s3", "mb", "s3://e2e-sts-gosdk")
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_WEB_IDENTITY_TOKEN_FILE": s.idp.TokenFile(t, []string{"s3admin"}),
		"AWS_ROLE_ARN":                stsRoleARN,
		"AWS_ROLE_SESSION_NAME":       "go-chain",
		"AWS_ENDPOINT_URL_STS":        s.srv.URL,
		"AWS_REGION":                  region,
		"AWS_ACCESS_KEY_ID":           "",
		"AWS_SECRET_ACCESS_KEY":       "",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	ctx := waitCtx(t, 2*time.Minute)
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("credential chain: %v", err)
	}
	if creds.Source != "WebIdentityCredentials" || !strings.HasPrefix(creds.AccessKeyID, "ASIA") || !creds.CanExpire {
		t.Fatalf("credentials from %q: %s (expires %v)", creds.Source, creds.AccessKeyID, creds.Expires)
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.srv.URL)
		o.UsePathStyle = true
	})
	body := []byte("presigned with a session token\n")
	if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("e2e-sts-gosdk"), Key: aws.String("p.txt"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject through the chain: %v", err)
	}
	ps, err := s3.NewPresignClient(cl).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("e2e-sts-gosdk"), Key: aws.String("p.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ps.URL, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL without X-Amz-Security-Token: %s", ps.URL)
	}
	code, got := httpGet(t, http.DefaultClient, ps.URL)
	if code != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("presigned GET: %d %q", code, got)
	}
	// The token in the URL is authenticated: another one is refused.
	forged := strings.Replace(ps.URL, "X-Amz-Security-Token=", "X-Amz-Security-Token=A", 1)
	if code, got := httpGet(t, http.DefaultClient, forged); code == http.StatusOK || !bytes.Contains(got, []byte("<Code>")) {
		t.Fatalf("presigned GET with a changed token: %d %s", code, got)
	}
}

// TestSTSMinioGo: minio-go's STS client (NewSTSWebIdentity) exchanges the
// token and the credentials work for S3.
func TestSTSMinioGo(t *testing.T) {
	t.Parallel()
	s := newSTSSetup(t)
	tok := s.idp.Token(t, []string{"s3admin"})
	creds, err := miniocreds.NewSTSWebIdentity(s.srv.URL, func() (*miniocreds.WebIdentityToken, error) {
		return &miniocreds.WebIdentityToken{Token: tok}, nil
	}, func(i *miniocreds.STSWebIdentity) {
		// fedstore, like AWS, requires RoleArn; minio-go sends it only when set.
		i.RoleARN = stsRoleARN
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := creds.GetWithContext(nil)
	if err != nil {
		t.Fatalf("minio-go STS: %v", err)
	}
	if !strings.HasPrefix(v.AccessKeyID, "ASIA") || v.SessionToken == "" {
		t.Fatalf("minio-go credentials %s", v.AccessKeyID)
	}
	c, err := minio.New(s.srv.HostPort, &minio.Options{Creds: creds, Region: region, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := waitCtx(t, time.Minute)
	if err := c.MakeBucket(ctx, "e2e-sts-minio", minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("MakeBucket: %v", describeMinioError(err))
	}
	data := []byte("minio-go with web identity\n")
	if _, err := c.PutObject(ctx, "e2e-sts-minio", "m.txt", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PutObject: %v", describeMinioError(err))
	}
	obj, err := c.GetObject(ctx, "e2e-sts-minio", "m.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject: %q, %v", got, describeMinioError(err))
	}
	// The session shows up in the admin API with the role session name minio-go made up.
	var list struct {
		Sessions []struct {
			AccessKey string `json:"access_key"`
		}
	}
	if err := json.Unmarshal([]byte(s.cli.run("sts", "list", "--json")), &list); err != nil || len(list.Sessions) != 1 || list.Sessions[0].AccessKey != v.AccessKeyID {
		t.Fatalf("sts list --json: %+v %v", list, err)
	}
}
