package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

// newTestIdP starts an IdP publishing one RSA key, k1.
func newTestIdP(t *testing.T) (*oidctest.IdP, oidctest.Key) {
	t.Helper()
	k := oidctest.NewKey(t, "k1", jose.RS256)
	return oidctest.Start(t, k), k
}

// idpToken mints a token from idp for sub with roles, valid for an hour.
func idpToken(t *testing.T, idp *oidctest.IdP, k oidctest.Key, sub string, roles ...string) string {
	t.Helper()
	now := time.Now()
	return oidctest.Mint(t, k, map[string]any{"iss": idp.URL(), "sub": sub, "aud": "fedstore", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "roles": roles}, oidctest.MintOptions{})
}

func stsClient(endpoint string) *awssts.Client {
	return awssts.New(awssts.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(30 * time.Second), Retryer: aws.NopRetryer{}})
}

// TestSTSThroughTheServer: the SDK exchanges a token at the server, uses the
// credentials for S3, and the server refuses them once revoked; metrics count
// the exchanges.
func TestSTSThroughTheServer(t *testing.T) {
	t.Parallel()
	idp, key := newTestIdP(t)
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	ctx := context.Background()
	if _, _, err := r.s.OIDCProviders().Configure(ctx, oidc.ProviderConfig{Name: "test", ConfigURL: idp.URL(), Audiences: []string{"fedstore"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.s.iam.PutPolicy(ctx, "s3admin", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(r.url()).AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/s3admin"), RoleSessionName: aws.String("test"),
		WebIdentityToken: aws.String(idpToken(t, idp, key, "alice", "s3admin")),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/s3admin/test" {
		t.Fatalf("answer %+v %+v", c, out.AssumedRoleUser)
	}
	cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken),
		HTTPClient:  awshttp.NewBuildableClient().WithTimeout(30 * time.Second), Retryer: aws.NopRetryer{}})
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alice-bucket")}); err != nil {
		t.Fatalf("CreateBucket with session credentials: %v", err)
	}
	if _, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("ListBuckets with session credentials: %v", err)
	}
	// A token without the session token, or with another, is refused.
	noTok := s3Client(r.url(), *c.AccessKeyId, *c.SecretAccessKey, nil)
	if _, err := noTok.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidToken" {
		t.Fatalf("without the session token: %v", err)
	}
	if _, err := r.s.STS().Revoke(ctx, *c.AccessKeyId); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidToken" {
		t.Fatalf("after revoke: %v", err)
	}
	// A role that names no policy is AccessDenied at the exchange.
	_, err = stsClient(r.url()).AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), RoleSessionName: aws.String("test"),
		WebIdentityToken: aws.String(idpToken(t, idp, key, "alice", "S3Admin")),
	})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "case-sensitive") {
		t.Fatalf("wrong-case role: %v", err)
	}
	_, body := get(t, http.DefaultClient, r.url()+PathMetrics)
	for _, want := range []string{
		`fedstore_sts_exchanges_total{code="",outcome="success"} 1`,
		`fedstore_sts_exchanges_total{code="AccessDenied",outcome="refused"} 1`,
		`fedstore_sts_sessions_live 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestSTSConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"max duration too short", Config{STSMaxDuration: time.Minute}, "--sts-max-duration 1m0s must lie between 15m0s and 12h0m0s"},
		{"max duration too long", Config{STSMaxDuration: 13 * time.Hour}, "--sts-max-duration"},
		{"cleanup too often", Config{STSCleanupInterval: time.Millisecond}, "--sts-cleanup-interval"},
		{"account id", Config{AccountID: "12345"}, `--account-id "12345" must be 12 digits`},
		{"account id letters", Config{AccountID: "12345678901a"}, "must be 12 digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.DataDir = t.TempDir()
			tc.cfg.applyDefaults()
			if err := tc.cfg.validate(); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("validate: %v, want %q", err, tc.msg)
			}
		})
	}
}

// TestSTSExpiredSessionIsExpiredToken: S3 answers ExpiredToken 400 once the
// session's expiry passes (requests signed at the server's time).
func TestSTSExpiredSessionIsExpiredToken(t *testing.T) {
	t.Parallel()
	idp, key := newTestIdP(t)
	clk := oidctest.NewClock(time.Now())
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, Clock: clk.Now})
	ctx := context.Background()
	if _, _, err := r.s.OIDCProviders().Configure(ctx, oidc.ProviderConfig{Name: "test", ConfigURL: idp.URL(), Audiences: []string{"fedstore"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.s.iam.PutPolicy(ctx, "s3admin", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)); err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(r.url()).AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/any"), RoleSessionName: aws.String("short"),
		WebIdentityToken: aws.String(idpToken(t, idp, key, "alice", "s3admin")), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	creds := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	listAt := func(at time.Time) (int, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url()+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		req.Header.Set("X-Amz-Content-Sha256", empty)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, empty, "s3", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := listAt(clk.Now()); code != http.StatusOK {
		t.Fatalf("before expiry: %d %s", code, body)
	}
	clk.Advance(15*time.Minute + time.Second)
	if code, body := listAt(clk.Now()); code != http.StatusBadRequest || !strings.Contains(body, "<Code>ExpiredToken</Code>") {
		t.Fatalf("after expiry: %d %s", code, body)
	}
}

// TestSTSReferenceTokenAcrossRestart: on the embedded store the server
// issues 50-byte reference tokens by default (sealed ones when told), and a
// reference session outlives a clean restart (its record is committed at
// shutdown and read back).
func TestSTSReferenceTokenAcrossRestart(t *testing.T) {
	t.Parallel()
	idp, key := newTestIdP(t)
	ctx := context.Background()
	dir := t.TempDir()
	setup := func(r *running) {
		t.Helper()
		if _, _, err := r.s.OIDCProviders().Configure(ctx, oidc.ProviderConfig{Name: "test", ConfigURL: idp.URL(), Audiences: []string{"fedstore"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.s.iam.PutPolicy(ctx, "s3admin", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)); err != nil {
			t.Fatal(err)
		}
	}
	exchange := func(r *running) *awssts.AssumeRoleWithWebIdentityOutput {
		t.Helper()
		out, err := stsClient(r.url()).AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::000000000000:role/s3admin"), RoleSessionName: aws.String("test"),
			WebIdentityToken: aws.String(idpToken(t, idp, key, "alice", "s3admin")),
		})
		if err != nil {
			t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
		}
		return out
	}
	listBuckets := func(r *running, c *awssts.AssumeRoleWithWebIdentityOutput) error {
		cr := c.Credentials
		cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url()), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken),
			HTTPClient:  awshttp.NewBuildableClient().WithTimeout(30 * time.Second), Retryer: aws.NopRetryer{}})
		_, err := cl.ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	}
	r := start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret})
	setup(r)
	out := exchange(r)
	if n := len(*out.Credentials.SessionToken); n != 50 {
		t.Fatalf("default token on the embedded store: %d bytes, want a 50-byte reference", n)
	}
	if err := listBuckets(r, out); err != nil {
		t.Fatalf("ListBuckets with a reference token: %v", err)
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	r = start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret, STSTokenFormat: STSTokenSealed})
	if err := listBuckets(r, out); err != nil {
		t.Fatalf("reference token after a restart: %v", err)
	}
	sealed := exchange(r)
	if n := len(*sealed.Credentials.SessionToken); n <= 50 {
		t.Fatalf("--sts-token-format sealed issued a %d-byte token", n)
	}
	if err := listBuckets(r, sealed); err != nil {
		t.Fatalf("ListBuckets with a sealed token: %v", err)
	}
}
