package stsapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fedstore/fedstore/internal/sts"
)

// clientExpiration is in the real future, so clients that check it accept it.
func clientExpiration() time.Time { return time.Now().Add(time.Hour).UTC().Truncate(time.Second) }

// routingExchanger wraps fakeExchanger: the right token succeeds (with exp),
// any other fails with err.
type routingExchanger struct {
	fakeExchanger
	exp time.Time
	err error
}

func newRoutingHandler(t *testing.T, exp time.Time, err error) (*httptest.Server, *routingExchanger) {
	t.Helper()
	ex := &routingExchanger{exp: exp, err: err}
	srv := httptest.NewServer(New(Config{Exchanger: ex, Logger: discardLogger()}))
	t.Cleanup(srv.Close)
	return srv, ex
}

func (r *routingExchanger) AssumeRoleWithWebIdentity(ctx context.Context, in sts.WebIdentityInput) (*sts.WebIdentityOutput, error) {
	if _, err := r.fakeExchanger.AssumeRoleWithWebIdentity(ctx, in); err != nil {
		return nil, err
	}
	if in.WebIdentityToken != testToken {
		return nil, r.err
	}
	out := goodOutput(in)
	out.Expiration = r.exp
	return out, nil
}

func sdkClient(url string) *awssts.Client {
	return awssts.New(awssts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		HTTPClient:       awshttp.NewBuildableClient(),
		RetryMaxAttempts: 1,
	})
}

func TestAWSSDKv2(t *testing.T) {
	t.Parallel()
	exp := clientExpiration()
	srv, ex := newRoutingHandler(t, exp, wrapSentinel(sts.ErrInvalidIdentityToken, "audience \"other\" is not accepted"))
	c := sdkClient(srv.URL)
	ctx := context.Background()

	out, err := c.AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(testRoleArn), RoleSessionName: aws.String("sdk-session"),
		WebIdentityToken: aws.String(testToken), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if aws.ToString(cr.AccessKeyId) != testAccess || aws.ToString(cr.SecretAccessKey) != testSecret ||
		aws.ToString(cr.SessionToken) != testSessTok || !cr.Expiration.Equal(exp) {
		t.Errorf("credentials = %+v", cr)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != testSubject || aws.ToString(out.Provider) != testIssuer ||
		aws.ToString(out.Audience) != testAudience || aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/s3admin/sdk-session" ||
		aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROAFEDSTORES3ADMIN01:sdk-session" {
		t.Errorf("result = %+v", out)
	}
	if in := ex.inputs()[0]; in.Duration != 900*time.Second {
		t.Errorf("duration sent = %v", in.Duration)
	}

	// The SDK's web-identity credential provider (what the default chain uses
	// with AWS_WEB_IDENTITY_TOKEN_FILE) sends no DurationSeconds.
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken), 0o600); err != nil {
		t.Fatal(err)
	}
	p := stscreds.NewWebIdentityRoleProvider(c, testRoleArn, stscreds.IdentityTokenFile(tokenFile),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "chain" })
	creds, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != testAccess || creds.SecretAccessKey != testSecret || creds.SessionToken != testSessTok || !creds.Expires.Equal(exp) {
		t.Errorf("provider credentials = %+v", creds)
	}
	if in := ex.inputs()[1]; in.Duration != time.Hour || in.RoleSessionName != "chain" {
		t.Errorf("provider sent duration %v session %q", in.Duration, in.RoleSessionName)
	}

	// Errors: a domain refusal and a wire validation error.
	_, err = c.AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(testRoleArn), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String("wrong-token"),
	})
	var bad *ststypes.InvalidIdentityTokenException
	if !errors.As(err, &bad) || !strings.Contains(bad.ErrorMessage(), `audience "other" is not accepted`) {
		t.Errorf("err = %v, want InvalidIdentityTokenException", err)
	}
	_, err = c.AssumeRoleWithWebIdentity(ctx, &awssts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(testRoleArn), RoleSessionName: aws.String("a"), WebIdentityToken: aws.String(testToken),
	})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationError" ||
		api.ErrorMessage() != "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2" {
		t.Errorf("err = %v, want ValidationError", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 || re.ServiceRequestID() == "" {
		t.Errorf("response error = %v (want status 400 and a request id)", err)
	}
}

func wrapSentinel(sentinel error, reason string) error {
	return &wrapped{sentinel: sentinel, reason: reason}
}

type wrapped struct {
	sentinel error
	reason   string
}

func (w *wrapped) Error() string { return w.sentinel.Error() + ": " + w.reason }
func (w *wrapped) Unwrap() error { return w.sentinel }

func TestAWSSDKv2DomainErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sentinel error
		check    func(error) bool
		status   int
	}{
		{sts.ErrExpiredToken, func(err error) bool { var e *ststypes.ExpiredTokenException; return errors.As(err, &e) }, 400},
		{sts.ErrIDPCommunication, func(err error) bool { var e *ststypes.IDPCommunicationErrorException; return errors.As(err, &e) }, 400},
		{sts.ErrMalformedPolicy, func(err error) bool { var e *ststypes.MalformedPolicyDocumentException; return errors.As(err, &e) }, 400},
		{sts.ErrPackedPolicyTooLarge, func(err error) bool { var e *ststypes.PackedPolicyTooLargeException; return errors.As(err, &e) }, 400},
		{sts.ErrAccessDenied, func(err error) bool {
			var e smithy.APIError
			return errors.As(err, &e) && e.ErrorCode() == "AccessDenied"
		}, 403},
		{sts.ErrUnavailable, func(err error) bool {
			var e smithy.APIError
			return errors.As(err, &e) && e.ErrorCode() == "ServiceUnavailable"
		}, 503},
	}
	for _, tt := range tests {
		t.Run(tt.sentinel.Error(), func(t *testing.T) {
			t.Parallel()
			srv, _ := newRoutingHandler(t, clientExpiration(), wrapSentinel(tt.sentinel, "why"))
			_, err := sdkClient(srv.URL).AssumeRoleWithWebIdentity(context.Background(), &awssts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(testRoleArn), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String("other-token"),
			})
			var re *awshttp.ResponseError
			if !tt.check(err) || !errors.As(err, &re) || re.HTTPStatusCode() != tt.status {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestMinioGo(t *testing.T) {
	t.Parallel()
	exp := clientExpiration()
	srv, ex := newRoutingHandler(t, exp, wrapSentinel(sts.ErrAccessDenied, "claim roles has [S3Admin]; matching is case-sensitive"))
	get := func(token string) (miniocreds.Value, error) {
		c, err := miniocreds.NewSTSWebIdentity(srv.URL, func() (*miniocreds.WebIdentityToken, error) {
			return &miniocreds.WebIdentityToken{Token: token, Expiry: 1800}, nil
		}, func(i *miniocreds.STSWebIdentity) { i.RoleARN = testRoleArn; i.Client = srv.Client() })
		if err != nil {
			t.Fatal(err)
		}
		return c.GetWithContext(nil)
	}
	v, err := get(testToken)
	if err != nil {
		t.Fatal(err)
	}
	if v.AccessKeyID != testAccess || v.SecretAccessKey != testSecret || v.SessionToken != testSessTok || !v.Expiration.Equal(exp) {
		t.Errorf("credentials = %+v", v)
	}
	in := ex.inputs()[0]
	if in.Duration != 1800*time.Second || len(in.RoleSessionName) < 2 {
		t.Errorf("minio-go sent duration %v session %q", in.Duration, in.RoleSessionName)
	}
	_, err = get("wrong-token")
	var er miniocreds.ErrorResponse
	if !errors.As(err, &er) || er.STSError.Code != "AccessDenied" || !strings.Contains(er.STSError.Message, "case-sensitive") || er.RequestID == "" {
		t.Errorf("err = %#v, want AccessDenied", err)
	}
}

// TestAWSCLI drives botocore through the preinstalled AWS CLI.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	exp := clientExpiration()
	srv, ex := newRoutingHandler(t, exp, wrapSentinel(sts.ErrIDPCommunication, "GET https://idp.example.com/jwks: connection refused"))
	run := func(token string, extra ...string) (string, string, error) {
		args := append([]string{"sts", "assume-role-with-web-identity", "--endpoint-url", srv.URL, "--region", "us-east-1",
			"--output", "json", "--role-arn", testRoleArn, "--role-session-name", "cli-session", "--web-identity-token", token}, extra...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsBin, args...)
		cmd.Env = cliEnv()
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	stdout, stderr, err := run(testToken, "--duration-seconds", "3600")
	if err != nil {
		t.Fatalf("aws: %v\n%s", err, stderr)
	}
	var got struct {
		Credentials struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      time.Time
		}
		SubjectFromWebIdentityToken string
		AssumedRoleUser             struct{ AssumedRoleId, Arn string }
		Provider, Audience          string
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Credentials.AccessKeyID != testAccess || got.Credentials.SecretAccessKey != testSecret ||
		got.Credentials.SessionToken != testSessTok || !got.Credentials.Expiration.Equal(exp) ||
		got.SubjectFromWebIdentityToken != testSubject || got.Provider != testIssuer || got.Audience != testAudience ||
		got.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/s3admin/cli-session" {
		t.Errorf("aws output:\n%s", stdout)
	}
	if in := ex.inputs()[0]; in.Duration != time.Hour || in.WebIdentityToken != testToken {
		t.Errorf("aws sent duration %v", in.Duration)
	}
	_, stderr, err = run("wrong-token")
	// botocore classes IDPCommunicationError as retryable ("reached max retries: 0").
	wantCode := "An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation"
	wantMsg := ": couldn't retrieve verification key from your identity provider: GET https://idp.example.com/jwks: connection refused\n"
	if err == nil || !strings.Contains(stderr, wantCode) || !strings.Contains(stderr, wantMsg) {
		t.Errorf("aws error: %v\nstderr: %s\nwant: %s ...%s", err, stderr, wantCode, wantMsg)
	}
}

// cliEnv is the environment without the caller's AWS settings, so the CLI
// reads no profile, makes one attempt and asks no metadata service.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
}
