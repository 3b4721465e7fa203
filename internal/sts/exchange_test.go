package sts_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidc/oidctest"
	"github.com/fedstore/fedstore/internal/sts"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256WithPublicKey is the classic key-confusion attack: HMAC-SHA256 keyed
// with the IdP's RSA public key (PEM).
func hs256WithPublicKey(t *testing.T, k oidctest.Key, claims string) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	signing := b64(`{"alg":"HS256","typ":"JWT","kid":"`+k.KID+`"}`) + "." + b64(claims)
	mac := hmac.New(sha256.New, pemKey)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestExchangeTokensOnTheWire(t *testing.T) {
	t.Parallel()
	ps := oidctest.NewKey(t, "ps", jose.PS256)
	es := oidctest.NewKey(t, "es", jose.ES256)
	ed := oidctest.NewKey(t, "ed", jose.EdDSA)
	e := newEnv(t, envOpts{extraKeys: []oidctest.Key{ps, es, ed}})
	nested := newEnv(t, envOpts{providerCfg: func(c *oidc.ProviderConfig) { c.ClaimName = "realm_access.roles" }})
	now := e.clk.Now()
	base := validClaims(e.idp, now)
	claimsJSON := `{"iss":"` + e.idp.URL() + `","sub":"alice","aud":"fedstore","exp":` + strconv.FormatInt(now.Add(time.Hour).Unix(), 10) + `,"roles":["s3admin"]}`
	valid := e.token(nil)
	parts := strings.Split(valid, ".")
	otherKey := oidctest.NewKey(t, "k1", jose.RS256) // same kid, other key
	tests := []struct {
		name   string
		env    *env
		token  string
		status int
		code   string
		msg    string // substring of the message
	}{
		{"valid RS256", e, valid, 200, "", ""},
		{"PS256", e, oidctest.Mint(t, ps, base, oidctest.MintOptions{}), 200, "", ""},
		{"ES256", e, oidctest.Mint(t, es, base, oidctest.MintOptions{}), 200, "", ""},
		{"EdDSA", e, oidctest.Mint(t, ed, base, oidctest.MintOptions{}), 200, "", ""},
		{"no kid", e, oidctest.Mint(t, e.key, base, oidctest.MintOptions{NoKID: true}), 200, "", ""},
		{"aud array", e, e.token(func(c map[string]any) { c["aud"] = []string{"other", "fedstore"} }), 200, "", ""},
		{"CSV roles", e, e.token(func(c map[string]any) { c["roles"] = "nothing, s3admin" }), 200, "", ""},
		{"nested claim path", nested, nested.token(func(c map[string]any) {
			delete(c, "roles")
			c["realm_access"] = map[string]any{"roles": []string{"readonly"}}
		}), 200, "", ""},
		{"bad signature", e, parts[0] + "." + parts[1] + "." + b64("forged-signature-bytes-forged-signature"), 400, "InvalidIdentityToken", ""},
		{"signed by another key", e, oidctest.Mint(t, otherKey, base, oidctest.MintOptions{}), 400, "InvalidIdentityToken", ""},
		{"alg none", e, b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(claimsJSON) + ".", 400, "InvalidIdentityToken", "signature"},
		{"HS256 with the RSA public key", e, hs256WithPublicKey(t, e.key, claimsJSON), 400, "InvalidIdentityToken", "HS256"},
		{"wrong iss", e, e.token(func(c map[string]any) { c["iss"] = "https://evil.example" }), 400, "InvalidIdentityToken", "evil.example"},
		{"wrong aud", e, e.token(func(c map[string]any) { c["aud"] = "someone-else" }), 400, "InvalidIdentityToken", "someone-else"},
		{"expired", e, e.token(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), 400, "ExpiredTokenException", ""},
		{"nbf in the future", e, e.token(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() }), 400, "InvalidIdentityToken", "not valid before"},
		{"missing exp", e, e.token(func(c map[string]any) { delete(c, "exp") }), 400, "InvalidIdentityToken", "exp"},
		{"malformed", e, "this-is.not-a.jwt", 400, "InvalidIdentityToken", ""},
		{"over-long", e, strings.Repeat("a", 20001), 400, "ValidationError", "webIdentityToken"},
		{"role of the wrong case", e, e.token(func(c map[string]any) { c["roles"] = []string{"S3Admin"} }), 403, "AccessDenied",
			`no policy matches the values ["S3Admin"] of claim "roles" (policy names are case-sensitive)`},
		{"unknown role", e, e.token(func(c map[string]any) { c["roles"] = []string{"nope"} }), 403, "AccessDenied", `"nope"`},
		{"no roles at all", e, e.token(func(c map[string]any) { delete(c, "roles") }), 403, "AccessDenied", `no values in claim "roles"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, body := tc.env.wire(url.Values{"WebIdentityToken": {tc.token}})
			if status != tc.status || errCode(body) != tc.code {
				t.Fatalf("status %d code %q, want %d %q\n%s", status, errCode(body), tc.status, tc.code, body)
			}
			if tc.status == 200 && !strings.Contains(body, "<AccessKeyId>ASIA") {
				t.Fatalf("no credentials in\n%s", body)
			}
			if !strings.Contains(msgOf(body), tc.msg) {
				t.Fatalf("message %q does not contain %q", msgOf(body), tc.msg)
			}
			if strings.Contains(body, tc.token) && tc.status != 200 {
				t.Fatal("the token is echoed")
			}
		})
	}
}

func TestUnknownKidAfterRotationAndOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	old := e.token(nil)
	k2 := oidctest.NewKey(t, "k2", jose.RS256)
	e.idp.SetKeys(k2)
	// The old key's token still verifies from the cache until a refetch;
	// a token with the new kid triggers one, which drops k1.
	e.clk.Advance(11 * time.Second)
	if status, body := e.wire(url.Values{"WebIdentityToken": {oidctest.Mint(t, k2, validClaims(e.idp, e.clk.Now()), oidctest.MintOptions{})}}); status != 200 {
		t.Fatalf("new key: %d\n%s", status, body)
	}
	if status, body := e.wire(url.Values{"WebIdentityToken": {old}}); errCode(body) != "InvalidIdentityToken" {
		t.Fatalf("token of a removed key: %d %s", status, body)
	}
	// IdP down, unknown kid: nothing usable.
	e.idp.SetDown(true)
	e.clk.Advance(11 * time.Second)
	k3 := oidctest.NewKey(t, "k3", jose.RS256)
	if _, body := e.wire(url.Values{"WebIdentityToken": {oidctest.Mint(t, k3, validClaims(e.idp, e.clk.Now()), oidctest.MintOptions{})}}); errCode(body) != "IDPCommunicationError" {
		t.Fatalf("outage: %s", body)
	}
	// The cached key keeps working during the outage.
	if status, body := e.wire(url.Values{"WebIdentityToken": {oidctest.Mint(t, k2, validClaims(e.idp, e.clk.Now()), oidctest.MintOptions{})}}); status != 200 {
		t.Fatalf("cached key during outage: %d\n%s", status, body)
	}
}

func TestMappingMergesNarrowsAndChecksSessionPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{providerCfg: func(c *oidc.ProviderConfig) { c.GroupsClaim = "groups" }})
	e.pols.names = append(e.pols.names, "userpol", "grouppol")
	e.pols.attached["alice"] = []string{"userpol"}
	e.pols.attached["group:devs"] = []string{"grouppol", "userpol"}
	two := func(c map[string]any) {
		c["roles"] = []string{"s3admin", "readonly", "S3ADMIN"}
		c["groups"] = []string{"devs"}
	}
	tests := []struct {
		name     string
		roleArn  string
		policy   string
		policies []string
		err      error
		msg      string
	}{
		{"merge roles and attachments", "arn:aws:iam::000000000000:role/any", "", []string{"s3admin", "readonly", "userpol", "grouppol"}, nil, ""},
		{"RoleArn narrows to one role", "arn:aws:iam::123456789012:role/readonly", "", []string{"readonly"}, nil, ""},
		{"RoleArn with a path narrows", "arn:aws:iam::123456789012:role/team/s3admin", "", []string{"s3admin"}, nil, ""},
		{"RoleArn case differs: no narrowing", "arn:aws:iam::123456789012:role/ReadOnly", "", []string{"s3admin", "readonly", "userpol", "grouppol"}, nil, ""},
		{"RoleArn naming a token role without policy", "arn:aws:iam::123456789012:role/S3ADMIN", "", nil, sts.ErrAccessDenied, `role "S3ADMIN"`},
		{"session policy kept", "arn:aws:iam::000000000000:role/readonly",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, []string{"readonly"}, nil, ""},
		{"malformed session policy", "arn:aws:iam::000000000000:role/any",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}`, nil, sts.ErrMalformedPolicy, "Statement[0].Effect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := e.input(e.token(two))
			in.RoleArn, in.Policy = tc.roleArn, tc.policy
			out, err := e.svc.AssumeRoleWithWebIdentity(context.Background(), in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err %v, want %v containing %q", err, tc.err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cred, err := e.svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.policies, cred.Principal.Policies); diff != "" {
				t.Fatalf("policies (-want +got):\n%s", diff)
			}
			if cred.Principal.SessionPolicy != tc.policy {
				t.Fatalf("session policy %q, want %q", cred.Principal.SessionPolicy, tc.policy)
			}
			if tc.policy != "" && out.PackedPolicySize <= 0 {
				t.Fatalf("PackedPolicySize %d", out.PackedPolicySize)
			}
		})
	}
}

func TestIssuedCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	in := e.input(e.token(nil))
	in.Duration = 2 * time.Hour
	in.RoleArn = "arn:aws:iam::000000000000:role/s3admin"
	out, err := e.svc.AssumeRoleWithWebIdentity(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !sts.IsSessionAccessKey(out.AccessKeyID) || len(out.SecretAccessKey) != 40 || len(out.SessionToken) > sts.MaxSessionTokenLen {
		t.Fatalf("credentials of the wrong shape: %q %d %d", out.AccessKeyID, len(out.SecretAccessKey), len(out.SessionToken))
	}
	if !out.Expiration.Equal(t0.Add(2*time.Hour)) || out.SubjectFromWebIdentityToken != "alice" ||
		out.AssumedRoleARN != "arn:aws:sts::000000000000:assumed-role/s3admin/app" || out.AssumedRoleID != out.AccessKeyID+":app" ||
		out.Provider != e.idp.URL() || out.Audience != "fedstore" {
		t.Fatalf("output %+v", out)
	}
	cred, err := e.svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	want := authn.Principal{
		Kind: authn.Session, AccessKey: out.AccessKeyID, Name: "alice", ARN: out.AssumedRoleARN, UserID: out.AccessKeyID + ":app",
		Policies: []string{"s3admin"}, Provider: e.idp.URL(), Expiration: out.Expiration,
		Claims: map[string][]string{"iss": {e.idp.URL()}, "sub": {"alice"}, "aud": {"fedstore"}, "roles": {"s3admin"}, "email": {"alice@example.com"}},
	}
	if diff := cmp.Diff(want, cred.Principal); diff != "" {
		t.Fatalf("principal (-want +got):\n%s", diff)
	}
	if cred.SecretKey != out.SecretAccessKey || cred.SessionToken != out.SessionToken {
		t.Fatal("credential does not carry the issued secret and token")
	}
	// The session is recorded durably before the answer.
	list, err := e.svc.List(context.Background(), sts.ListOptions{})
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	got := list[0]
	if got.AccessKey != out.AccessKeyID || got.Subject != "alice" || got.Provider != "test" || got.SourceIP != "127.0.0.1" ||
		got.SessionName != "app" || !got.ExpiresAt.Equal(out.Expiration) || !cmp.Equal(got.Policies, []string{"s3admin"}) {
		t.Fatalf("recorded session %+v", got)
	}
}

func TestLookupCredentialRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	out, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	tok := out.SessionToken
	flip := []byte(tok)
	flip[len(flip)/2] ^= 1
	if flip[len(flip)/2] == '-' || flip[len(flip)/2] == '_' {
		flip[len(flip)/2] = 'A'
	}
	tests := []struct {
		name  string
		ak    string
		token string
		err   error
	}{
		{"root-style key", "AKIAIOSFODNN7EXAMPLE", tok, authn.ErrInvalidAccessKeyId},
		{"no token", out.AccessKeyID, "", authn.ErrInvalidToken},
		{"tampered", out.AccessKeyID, string(flip), authn.ErrInvalidToken},
		{"truncated", out.AccessKeyID, tok[:len(tok)-4], authn.ErrInvalidToken},
		{"garbage", out.AccessKeyID, "!!!not-base64!!!", authn.ErrInvalidToken},
		{"token of another session", out.AccessKeyID, other.SessionToken, authn.ErrInvalidToken},
		{"over-long", out.AccessKeyID, strings.Repeat("A", 3000), authn.ErrInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := e.svc.LookupCredential(context.Background(), tc.ak, tc.token); !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
		})
	}
}

func TestExpiredSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	out, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour - time.Second)
	if _, err := e.svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	e.clk.Advance(time.Second)
	if _, err := e.svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken); !errors.Is(err, authn.ErrExpiredToken) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestPolicyArnsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	status, body := e.wire(url.Values{"WebIdentityToken": {e.token(nil)}, "PolicyArns.member.1.arn": {"arn:aws:iam::000000000000:policy/readonly"}})
	if status != http.StatusBadRequest || errCode(body) != "InvalidParameterValue" {
		t.Fatalf("%d %s", status, body)
	}
	if list, _ := e.svc.List(context.Background(), sts.ListOptions{}); len(list) != 0 {
		t.Fatalf("a refused exchange recorded %d sessions", len(list))
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	tests := []struct {
		name     string
		token    string
		roleArn  string
		allowed  bool
		reason   string
		policies []string
		failed   string // name of a failed check
	}{
		{"valid", e.token(nil), "", true, "", []string{"s3admin"}, ""},
		{"narrowed", e.token(func(c map[string]any) { c["roles"] = []string{"s3admin", "readonly"} }), "arn:aws:iam::1:role/readonly", true, "", []string{"readonly"}, ""},
		{"wrong case", e.token(func(c map[string]any) { c["roles"] = []string{"S3ADMIN"} }), "", false,
			`no policy matches the values ["S3ADMIN"] of claim "roles" (policy names are case-sensitive)`, nil, ""},
		{"expired, mapping still shown", e.token(func(c map[string]any) { c["exp"] = e.clk.Now().Add(-time.Hour).Unix() }), "", false,
			"is expired", []string{"s3admin"}, oidc.CheckExp},
		{"garbage", "garbage", "", false, "could not be validated", nil, oidc.CheckFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex := e.svc.Explain(context.Background(), tc.token, tc.roleArn)
			if ex.Allowed != tc.allowed || !strings.Contains(ex.Reason, tc.reason) {
				t.Fatalf("allowed %v reason %q, want %v %q", ex.Allowed, ex.Reason, tc.allowed, tc.reason)
			}
			var got []string
			if ex.Mapping != nil {
				got = ex.Mapping.Policies
			}
			if !cmp.Equal(got, tc.policies, cmpopts.EquateEmpty()) {
				t.Fatalf("policies %v, want %v", got, tc.policies)
			}
			for _, c := range ex.Token.Checks {
				if (c.Status == oidc.CheckFail) != (c.Name == tc.failed) {
					t.Fatalf("check %s: %s (%s)", c.Name, c.Status, c.Detail)
				}
			}
		})
	}
	// The near miss is pointed out.
	ex := e.svc.Explain(context.Background(), e.token(func(c map[string]any) { c["roles"] = []string{"S3ADMIN"} }), "")
	if note := ex.Mapping.Roles[0].Note; !strings.Contains(note, `there is "s3admin"`) {
		t.Fatalf("note %q", note)
	}
}
