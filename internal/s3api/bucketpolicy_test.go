package s3api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/authz"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// principalAuth: X-Test-As names a principal: "" root, "anonymous", or a
// session whose policies are listed after a colon ("rita:readonly,extra").
type principalAuth struct{}

func (principalAuth) Authenticate(r *http.Request) (*authn.Result, error) {
	res := &authn.Result{Body: r.Body, ContentLength: r.ContentLength, Checksum: func() string { return "" }}
	switch who := r.Header.Get("X-Test-As"); who {
	case "":
		res.Principal = authn.Principal{Kind: authn.Root, AccessKey: "rootkey", Name: "root"}
	case "anonymous":
		res.Principal = authn.Principal{Kind: authn.Anonymous}
	default:
		name, pols, _ := strings.Cut(who, ":")
		res.Principal = authn.Principal{
			Kind: authn.Session, AccessKey: "ASIA" + strings.ToUpper(name), Name: name,
			ARN:      "arn:aws:sts::000000000000:assumed-role/role/" + name,
			Policies: strings.Split(pols, ","),
		}
	}
	return res, nil
}

// newIAMEnv serves S3 with the real iam store (memory state) and authorizer.
func newIAMEnv(t *testing.T) (*testEnv, *iam.Store) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	store, err := iam.New(context.Background(), st, iam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	az := authz.New(store, authz.Options{})
	e := newEnv(t, func(c *Config) {
		c.Auth = principalAuth{}
		c.BucketPolicies = store
		c.Authz = AuthorizerFunc(func(ctx context.Context, r AuthzRequest) error {
			return az.Authorize(ctx, authz.Request(r))
		})
	})
	return e, store
}

func TestBucketPolicies(t *testing.T) {
	t.Parallel()
	e, store := newIAMEnv(t)
	ctx := context.Background()
	for _, p := range []struct{ name, doc string }{
		{"lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetBucketLocation","Resource":"arn:aws:s3:::pub"}]}`},
		{"policyadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetBucketPolicy","s3:PutBucketPolicy"],"Resource":"arn:aws:s3:::*"}]}`},
	} {
		if _, _, err := store.PutPolicy(ctx, p.name, []byte(p.doc)); err != nil {
			t.Fatal(err)
		}
	}
	public := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"},` +
		`{"Sid":"NoSecrets","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/secret/*"}]}`
	tests := []struct {
		name   string
		method string
		target string
		body   string
		as     string
		status int
		want   string // substring of the body
	}{
		{"no bucket", "PUT", "/nobucket?policy", public, "", 404, "NoSuchBucket"},
		{"create", "PUT", "/pub", "", "", 200, ""},
		{"create other", "PUT", "/other", "", "", 200, ""},
		{"put object", "PUT", "/pub/hello.txt", "hi", "", 200, ""},
		{"put secret", "PUT", "/pub/secret/k", "s", "", 200, ""},
		{"get policy before any", "GET", "/pub?policy", "", "", 404, "<Code>NoSuchBucketPolicy</Code>"},
		{"anonymous get before", "GET", "/pub/hello.txt", "", "anonymous", 403, "because no resource-based policy allows the s3:GetObject action"},
		{"malformed json", "PUT", "/pub?policy", `{"Version":"2012-10-17",`, "", 400, "<Code>MalformedPolicy</Code>"},
		{"empty body", "PUT", "/pub?policy", "", "", 400, "<Code>MalformedPolicy</Code>"},
		{"no principal", "PUT", "/pub?policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`, "", 400, "Statement[0]"},
		{"bad action place", "PUT", "/pub?policy", "{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Effect\":\"Alow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}", "", 400, "line 2"},
		{"too large", "PUT", "/pub?policy", `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", 21<<10) + `"}`, "", 400, "maximum allowed document size"},
		{"session without permission", "PUT", "/pub?policy", public, "sam:lister", 403, "AccessDenied"},
		{"put policy", "PUT", "/pub?policy", public, "", 204, ""},
		{"get policy", "GET", "/pub?policy", "", "", 200, `"Sid":"PublicRead"`},
		{"session with permission reads it", "GET", "/pub?policy", "", "pam:policyadmin", 200, "PublicRead"},
		{"anonymous get allowed", "GET", "/pub/hello.txt", "", "anonymous", 200, "hi"},
		{"anonymous put denied", "PUT", "/pub/new.txt", "x", "anonymous", 403, "AccessDenied"},
		{"anonymous list denied", "GET", "/pub?list-type=2", "", "anonymous", 403, "AccessDenied"},
		{"explicit deny in bucket policy", "GET", "/pub/secret/k", "", "anonymous", 403, "explicit deny in a resource-based policy"},
		{"other bucket stays private", "GET", "/other/x", "", "anonymous", 403, "AccessDenied"},
		{"anonymous list buckets", "GET", "/", "", "anonymous", 403, "AccessDenied"},
		{"list buckets filtered by GetBucketLocation", "GET", "/", "", "sam:lister", 200, "<Name>pub</Name>"},
		{"delete policy", "DELETE", "/pub?policy", "", "", 204, ""},
		{"gone", "GET", "/pub?policy", "", "", 404, "NoSuchBucketPolicy"},
		{"anonymous get after delete", "GET", "/pub/hello.txt", "", "anonymous", 403, "AccessDenied"},
		{"delete again", "DELETE", "/pub?policy", "", "", 204, ""},
	}
	for _, tt := range tests {
		var hdr []string
		if tt.as != "" {
			hdr = append(hdr, "X-Test-As: "+tt.as)
		}
		w := e.do(t, tt.method, tt.target, tt.body, hdr...)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Fatalf("%s: %d %s; want %d %q", tt.name, w.Code, w.Body, tt.status, tt.want)
		}
		if tt.name == "get policy" {
			if ct := w.Header().Get("Content-Type"); ct != "application/json" || w.Body.String() != public {
				t.Errorf("GetBucketPolicy: %q %s", ct, w.Body)
			}
		}
		if tt.name == "list buckets filtered by GetBucketLocation" && strings.Contains(w.Body.String(), "<Name>other</Name>") {
			t.Errorf("ListBuckets shows a bucket the caller may not list: %s", w.Body)
		}
	}
	logs := e.logs.String()
	for _, want := range []string{`decision="Deny by policy \"bucket policy\" Statement[1] (Sid \"NoSecrets\")"`, `decision="no statement allowed"`, "principal=anonymous action=s3:PutObject"} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Count(logs, "s3:GetBucketLocation") != 0 {
		t.Errorf("ListBuckets probes were audited:\n%s", logs)
	}
}

// TestDeleteBucketRemovesPolicy: a new bucket of the same name never
// inherits an old policy.
func TestDeleteBucketRemovesPolicy(t *testing.T) {
	t.Parallel()
	e, store := newIAMEnv(t)
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt?policy", public), 204, "")
	mustStatus(t, e.do(t, "DELETE", "/bkt", ""), 204, "")
	if _, ok := store.BucketPolicy("bkt"); ok {
		t.Fatal("policy survived DeleteBucket")
	}
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "GET", "/bkt?policy", ""), 404, "NoSuchBucketPolicy")

	// A stale policy (left by a failure) is dropped when the bucket is created.
	mustStatus(t, e.do(t, "DELETE", "/bkt", ""), 204, "")
	if _, err := store.PutBucketPolicy(context.Background(), "bkt", []byte(public)); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	deadline := time.Now().Add(time.Second)
	for {
		if _, ok := store.BucketPolicy("bkt"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stale policy kept by CreateBucket")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBucketPolicyNotEnabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.DiscardHandler) })
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "GET", "/bkt?policy", ""), 501, "NotImplemented")
}
