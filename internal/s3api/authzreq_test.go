package s3api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAuthzRequestConditions: the Authorizer sees exactly the condition keys
// and resources the handler always sent, and what it kept of one request's
// questions stays intact while later questions of the same request
// (DeleteObjects asks one per key) are built.
func TestAuthzRequestConditions(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 9, 30, 5, 0, time.FixedZone("x", 3600))
	var mu sync.Mutex
	var kept []AuthzRequest
	e := newEnv(t, func(c *Config) {
		c.Clock = func() time.Time { return now }
		c.Authz = AuthorizerFunc(func(_ context.Context, req AuthzRequest) error {
			mu.Lock()
			defer mu.Unlock()
			kept = append(kept, req)
			return nil
		})
	})
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "data"), 200, "")

	base := func(extra ...string) map[string][]string {
		m := map[string][]string{
			"aws:CurrentTime":     {"2026-11-29T08:30:05Z"},
			"aws:EpochTime":       {"1795941005"},
			"aws:SecureTransport": {"false"},
			"aws:SourceIp":        {"192.0.2.1"},
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = []string{extra[i+1]}
		}
		return m
	}
	type question struct {
		Action, Resource, Bucket, Key string
		Conditions                    map[string][]string
	}
	tests := []struct {
		name                 string
		method, target, body string
		hdr                  []string
		want                 []question
	}{
		{"get object", "GET", "/bkt/k", "", []string{"User-Agent: ua-test/1.0"}, []question{
			{"s3:GetObject", "arn:aws:s3:::bkt/k", "bkt", "k", base("aws:UserAgent", "ua-test/1.0")},
		}},
		{"list with every key", "GET", "/bkt?list-type=2&prefix=a%2Fb&delimiter=%2F&max-keys=7", "", nil, []question{
			{"s3:ListBucket", "arn:aws:s3:::bkt", "bkt", "", base("s3:prefix", "a/b", "s3:delimiter", "/", "s3:max-keys", "7")},
		}},
		{"list without keys", "GET", "/bkt?list-type=2", "", nil, []question{
			{"s3:ListBucket", "arn:aws:s3:::bkt", "bkt", "", base()},
		}},
		{"long key", "GET", "/bkt/" + strings.Repeat("k", 300), "", nil, []question{
			{"s3:GetObject", "arn:aws:s3:::bkt/" + strings.Repeat("k", 300), "bkt", strings.Repeat("k", 300), base()},
		}},
		{"delete objects", "POST", "/bkt?delete", `<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>`, nil, []question{
			{"s3:DeleteObject", "arn:aws:s3:::bkt/a", "bkt", "a", base()},
			{"s3:DeleteObject", "arn:aws:s3:::bkt/b", "bkt", "b", base()},
		}},
		{"list buckets", "GET", "/", "", nil, []question{
			{"s3:ListAllMyBuckets", "arn:aws:s3:::*", "", "", base()},
		}},
	}
	for _, tt := range tests {
		mu.Lock()
		kept = nil
		mu.Unlock()
		e.do(t, tt.method, tt.target, tt.body, tt.hdr...)
		mu.Lock()
		var got []question
		for _, r := range kept {
			got = append(got, question{r.Action, r.Resource, r.Bucket, r.Key, r.Conditions})
		}
		mu.Unlock()
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: questions (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestAuthzScratchOneCannotClobber: a condition value appended to by an
// Authorizer is copied, not written over the next key's value.
func TestAuthzScratchOneCannotClobber(t *testing.T) {
	t.Parallel()
	var s authzScratch
	a := s.one("a")
	b := s.one("b")
	_ = append(a, "x")
	if b[0] != "b" || len(a) != 1 {
		t.Fatalf("a = %q, b = %q", a, b)
	}
}
