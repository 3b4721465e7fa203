package authz

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/policy"
)

// fakePolicies is an in-memory Policies.
type fakePolicies struct {
	mu       sync.RWMutex
	policies map[string]*policy.Policy
	buckets  map[string]*policy.Policy
	users    map[string][]string
}

func (f *fakePolicies) Policy(name string) (*policy.Policy, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	p, ok := f.policies[name]
	return p, ok
}

func (f *fakePolicies) BucketPolicy(b string) (*policy.Policy, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	p, ok := f.buckets[b]
	return p, ok
}

func (f *fakePolicies) AttachedPolicies(user string, _ []string) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.users[user]
}

func mustIdentity(t testing.TB, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.ParseIdentity([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return p
}

func mustResource(t testing.TB, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.ParseResource([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return p
}

const (
	readonlyDoc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::*"]}]}`
	readwriteDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	noDeleteDoc  = `{"Version":"2012-10-17","Statement":[
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::data/*"}]}`
	homeDoc = `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home",
		 "Condition":{"StringLike":{"s3:prefix":["${aws:username}/*","${aws:username}"]}}},
		{"Sid":"Objects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`
	teamDoc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::teams/${jwt:team}/*"}]}`
	tlsOnlyDoc = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	getOnlySession = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
)

func newFake(t testing.TB) *fakePolicies {
	return &fakePolicies{
		policies: map[string]*policy.Policy{
			"readonly":  mustIdentity(t, readonlyDoc),
			"readwrite": mustIdentity(t, readwriteDoc),
			"nodelete":  mustIdentity(t, noDeleteDoc),
			"home":      mustIdentity(t, homeDoc),
			"team":      mustIdentity(t, teamDoc),
			"tlsonly":   mustIdentity(t, tlsOnlyDoc),
		},
		buckets: map[string]*policy.Policy{
			"public": mustResource(t, `{"Version":"2012-10-17","Statement":[
				{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}]}`),
			"shared": mustResource(t, `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::000000000000:assumed-role/uploader/alice"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*"},
				{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::000000000000:role/auditor"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::shared"}]}`),
			"locked": mustResource(t, `{"Version":"2012-10-17","Statement":[
				{"Sid":"NoPuts","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::locked/*"}]}`),
			"acct": mustResource(t, `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acct/*"}]}`),
		},
		users: map[string][]string{"svc": {"readonly"}},
	}
}

func session(name, role string, policies ...string) authn.Principal {
	return authn.Principal{
		Kind:      authn.Session,
		AccessKey: "ASIA" + strings.ToUpper(name),
		Name:      name,
		ARN:       "arn:aws:sts::000000000000:assumed-role/" + role + "/" + name,
		UserID:    "ASIA" + strings.ToUpper(name) + ":" + name,
		Policies:  policies,
	}
}

func objReq(p authn.Principal, action, bucket, key string) Request {
	return Request{
		Principal:  p,
		Action:     action,
		Resource:   "arn:aws:s3:::" + bucket + "/" + key,
		Bucket:     bucket,
		Key:        key,
		Conditions: map[string][]string{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"127.0.0.1"}},
	}
}

func bucketReq(p authn.Principal, action, bucket string, cond map[string][]string) Request {
	if cond == nil {
		cond = map[string][]string{}
	}
	cond["aws:SecureTransport"] = []string{"true"}
	return Request{Principal: p, Action: action, Resource: "arn:aws:s3:::" + bucket, Bucket: bucket, Conditions: cond}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	root := authn.Principal{Kind: authn.Root, AccessKey: "root", Name: "root"}
	anon := authn.Principal{Kind: authn.Anonymous}
	reader := session("rita", "readers", "readonly")
	writer := session("wade", "writers", "readwrite", "nodelete")
	ghost := session("gus", "ghosts", "deleted-policy")
	alice := session("alice", "uploader", "home")
	bob := session("bob", "uploader", "home")
	auditor := session("audrey", "auditor")
	limited := session("lim", "writers", "readwrite")
	limited.SessionPolicy = getOnlySession
	teamMember := session("tom", "devs", "team")
	teamMember.Claims = map[string][]string{"team": {"blue"}, "groups": {"a", "b"}}
	plain := session("pat", "plain", "readwrite", "tlsonly")
	user := authn.Principal{Kind: authn.User, AccessKey: "AKIASVC", Name: "svc"}

	plainHTTP := objReq(plain, "s3:GetObject", "data", "k")
	plainHTTP.Conditions["aws:SecureTransport"] = []string{"false"}

	tests := []struct {
		name    string
		req     Request
		allowed bool
		why     string // substring of the denial text
		detail  string // substring of the audit detail
	}{
		{"root may do anything", objReq(root, "s3:DeleteObject", "any", "k"), true, "", ""},
		{"root lists all buckets", Request{Principal: root, Action: "s3:ListAllMyBuckets", Resource: "arn:aws:s3:::*"}, true, "", ""},
		{"anonymous denied without bucket policy", objReq(anon, "s3:GetObject", "data", "k"), false,
			`Anonymous is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/k" because no resource-based policy allows`, "no statement allowed"},
		{"anonymous GET allowed by bucket policy *", objReq(anon, "s3:GetObject", "public", "a/b.txt"), true, "", ""},
		{"anonymous PUT not granted by bucket policy", objReq(anon, "s3:PutObject", "public", "a/b.txt"), false, "no resource-based policy allows the s3:PutObject action", ""},
		{"anonymous ListBucket not granted", bucketReq(anon, "s3:ListBucket", "public", nil), false, "s3:ListBucket", ""},
		{"read-only session may get", objReq(reader, "s3:GetObject", "data", "k"), true, "", ""},
		{"read-only session may list", bucketReq(reader, "s3:ListBucket", "data", nil), true, "", ""},
		{"read-only session may not put", objReq(reader, "s3:PutObject", "data", "k"), false,
			`User: arn:aws:sts::000000000000:assumed-role/readers/rita is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::data/k" because no identity-based policy allows the s3:PutObject action`,
			"no statement allowed"},
		{"read-only session may not list all buckets", Request{Principal: reader, Action: "s3:ListAllMyBuckets", Resource: "arn:aws:s3:::*"}, false, "no identity-based policy", ""},
		{"a deleted policy contributes nothing", objReq(ghost, "s3:GetObject", "data", "k"), false, "no identity-based policy", ""},
		{"deny beats allow", objReq(writer, "s3:DeleteObject", "data", "k"), false,
			"with an explicit deny in an identity-based policy", `Deny by policy "nodelete" Statement[0] (Sid "NoDelete")`},
		{"allow where the deny does not reach", objReq(writer, "s3:DeleteObject", "other", "k"), true, "", ""},
		{"session policy intersects: get", objReq(limited, "s3:GetObject", "data", "k"), true, "", ""},
		{"session policy intersects: put", objReq(limited, "s3:PutObject", "data", "k"), false, "because no session policy allows the s3:PutObject action", ""},
		{"bucket policy naming assumed-role ARN allows", objReq(alice, "s3:PutObject", "shared", "x"), true, "", ""},
		{"bucket policy naming another session", objReq(bob, "s3:PutObject", "shared", "x"), false, "no identity-based policy", ""},
		{"bucket policy naming the role ARN", bucketReq(auditor, "s3:ListBucket", "shared", nil), true, "", ""},
		{"bucket policy naming the account", objReq(auditor, "s3:GetObject", "acct", "k"), true, "", ""},
		{"bucket policy account grant excludes anonymous", objReq(anon, "s3:GetObject", "acct", "k"), false, "Anonymous", ""},
		{"bucket policy deny beats identity allow", objReq(writer, "s3:PutObject", "locked", "k"), false,
			"with an explicit deny in a resource-based policy", `Deny by policy "bucket policy" Statement[0] (Sid "NoPuts")`},
		{"${aws:username} home: own object", objReq(alice, "s3:PutObject", "home", "alice/notes.txt"), true, "", ""},
		{"${aws:username} home: other's object", objReq(alice, "s3:GetObject", "home", "bob/notes.txt"), false, "s3:GetObject", ""},
		{"${aws:username} home: bob's own", objReq(bob, "s3:GetObject", "home", "bob/notes.txt"), true, "", ""},
		{"s3:prefix own home", bucketReq(alice, "s3:ListBucket", "home", map[string][]string{"s3:prefix": {"alice/"}}), true, "", ""},
		{"s3:prefix other home", bucketReq(alice, "s3:ListBucket", "home", map[string][]string{"s3:prefix": {"bob/"}}), false, "s3:ListBucket", ""},
		{"s3:prefix absent", bucketReq(alice, "s3:ListBucket", "home", nil), false, "s3:ListBucket", ""},
		{"${jwt:team}", objReq(teamMember, "s3:PutObject", "teams", "blue/x"), true, "", ""},
		{"${jwt:team} other team", objReq(teamMember, "s3:PutObject", "teams", "red/x"), false, "", ""},
		{"aws:SecureTransport deny over http", plainHTTP, false, "explicit deny in an identity-based policy", `"tlsonly"`},
		{"aws:SecureTransport allow over https", objReq(plain, "s3:GetObject", "data", "k"), true, "", ""},
		{"static user: attached policies", objReq(user, "s3:GetObject", "data", "k"), true, "", ""},
		{"static user: not granted", objReq(user, "s3:PutObject", "data", "k"), false, "User: svc is not authorized", ""},
	}
	a := New(newFake(t), Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := a.Authorize(context.Background(), tt.req)
			if tt.allowed {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("allowed, want denied")
			}
			if !errors.Is(err, authn.ErrAccessDenied) {
				t.Fatalf("error %v does not wrap ErrAccessDenied", err)
			}
			if !strings.Contains(err.Error(), tt.why) {
				t.Errorf("denial %q does not contain %q", err, tt.why)
			}
			var d *Denial
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *Denial", err)
			}
			if !strings.Contains(d.AuditDetail(), tt.detail) {
				t.Errorf("audit detail %q does not contain %q", d.AuditDetail(), tt.detail)
			}
		})
	}
}

// TestPolicyEditsApplyAtOnce: sessions hold names, so replacing a policy's
// document changes what a live session may do on its next request.
func TestPolicyEditsApplyAtOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := New(f, Options{})
	s := session("rita", "readers", "readonly")
	put := objReq(s, "s3:PutObject", "data", "k")
	if err := a.Authorize(context.Background(), put); err == nil {
		t.Fatal("put allowed before the edit")
	}
	f.mu.Lock()
	f.policies["readonly"] = mustIdentity(t, readwriteDoc)
	f.mu.Unlock()
	if err := a.Authorize(context.Background(), put); err != nil {
		t.Fatalf("put denied after the edit: %v", err)
	}
	f.mu.Lock()
	delete(f.policies, "readonly")
	f.mu.Unlock()
	if err := a.Authorize(context.Background(), objReq(s, "s3:GetObject", "data", "k")); err == nil {
		t.Fatal("get allowed after the policy was removed")
	}
}

func TestBadSessionPolicyDenies(t *testing.T) {
	t.Parallel()
	a := New(newFake(t), Options{})
	s := session("x", "r", "readwrite")
	s.SessionPolicy = `{"Statement":`
	err := a.Authorize(context.Background(), objReq(s, "s3:GetObject", "data", "k"))
	if err == nil || errors.Is(err, authn.ErrAccessDenied) {
		t.Fatalf("err = %v, want a failure to decide (not a plain denial)", err)
	}
}

func TestRoleARN(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"arn:aws:sts::000000000000:assumed-role/r/s":        "arn:aws:iam::000000000000:role/r",
		"arn:aws:sts::123456789012:assumed-role/a.b/s/x":    "arn:aws:iam::123456789012:role/a.b",
		"arn:aws:sts::000000000000:assumed-role//s":         "",
		"arn:aws:sts::000000000000:federated-user/x":        "",
		"arn:aws:iam::000000000000:role/r":                  "",
		"":                                                  "",
		"arn:aws:sts::000000000000:assumed-role/no-session": "",
	}
	for in, want := range tests {
		if got := roleARN(in); got != want {
			t.Errorf("roleARN(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkAuthorizeSession: a typical session with 3 policies holding 10
// statements between them, deciding an allowed GetObject.
func BenchmarkAuthorizeSession(b *testing.B) {
	f := &fakePolicies{
		policies: map[string]*policy.Policy{
			"p1": mustIdentity(b, `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::logs","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}},
				{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::logs/${aws:username}/*"},
				{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`),
			"p2": mustIdentity(b, `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},
				{"Effect":"Allow","Action":"s3:GetBucketLocation","Resource":"arn:aws:s3:::*"},
				{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
				{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}]}`),
			"p3": mustIdentity(b, `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
				{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*","Condition":{"StringEquals":{"jwt:team":"blue"}}},
				{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::data/readonly/*"}]}`),
		},
		buckets: map[string]*policy.Policy{},
	}
	a := New(f, Options{})
	s := session("alice", "devs", "p1", "p2", "p3")
	s.Claims = map[string][]string{"team": {"blue"}, "sub": {"alice"}}
	req := objReq(s, "s3:GetObject", "data", "reports/2026.csv")
	req.Conditions["aws:CurrentTime"] = []string{"2026-11-29T09:00:00Z"}
	req.Conditions["aws:EpochTime"] = []string{"1795942800"}
	ctx := context.Background()
	if err := a.Authorize(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := a.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
