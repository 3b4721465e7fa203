package iam

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/bolt"
	"github.com/fedstore/fedstore/internal/state/memory"
)

const (
	readonly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`
	public   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`
)

// backends are the state stores every test runs against.
func backends(t *testing.T) map[string]func(t *testing.T) state.Store {
	return map[string]func(t *testing.T) state.Store{
		"memory": func(t *testing.T) state.Store {
			s := memory.New()
			t.Cleanup(func() { s.Close() })
			return s
		},
		"bolt": func(t *testing.T) state.Store {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

func newStore(t *testing.T, st state.Store) *Store {
	t.Helper()
	clock := func() time.Time { return time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC) }
	s, err := New(context.Background(), st, Options{Clock: clock, RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// eventually polls cond for up to a second.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a second: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("crud", func(t *testing.T) { t.Parallel(); testCRUD(t, newStore(t, open(t))) })
			t.Run("attachments", func(t *testing.T) { t.Parallel(); testAttachments(t, newStore(t, open(t))) })
			t.Run("bucket policies", func(t *testing.T) { t.Parallel(); testBucketPolicies(t, newStore(t, open(t))) })
			t.Run("two instances", func(t *testing.T) {
				t.Parallel()
				st := open(t)
				testTwoInstances(t, newStore(t, st), newStore(t, st))
			})
			t.Run("reload on compaction", func(t *testing.T) { t.Parallel(); testReload(t, open(t)) })
		})
	}
}

func testCRUD(t *testing.T, s *Store) {
	ctx := context.Background()
	p, created, err := s.PutPolicy(ctx, "readonly", []byte(readonly))
	if err != nil || !created || p.Len() != 1 {
		t.Fatalf("PutPolicy = %v, %v, %v", p, created, err)
	}
	// The cache has it at once (read-your-writes on this node).
	if !s.HasPolicy("readonly") || s.HasPolicy("ReadOnly") {
		t.Fatal("HasPolicy is not exact and case-sensitive")
	}
	if _, ok := s.Policy("readonly"); !ok {
		t.Fatal("Policy(readonly) missing from the cache")
	}
	if _, created, err := s.PutPolicy(ctx, "readonly", []byte(readonly)); err != nil || created {
		t.Fatalf("replace: created=%v err=%v", created, err)
	}
	bad := []struct {
		name, doc string
		want      error
	}{
		{"has space", readonly, ErrInvalidName},
		{"", readonly, ErrInvalidName},
		{string(make([]byte, 129)), readonly, ErrInvalidName},
		{"ok", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`, policy.ErrMalformedPolicy},
		{"ok", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`, policy.ErrMalformedPolicy},
		{"ok", `not json`, policy.ErrMalformedPolicy},
	}
	for _, b := range bad {
		if _, _, err := s.PutPolicy(ctx, b.name, []byte(b.doc)); !errors.Is(err, b.want) {
			t.Errorf("PutPolicy(%q, %s) = %v, want %v", b.name, b.doc, err, b.want)
		}
	}
	if s.HasPolicy("ok") {
		t.Error("a rejected document was stored")
	}
	var ve *policy.ValidationError
	if _, _, err := s.PutPolicy(ctx, "x", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Action":"s3:GetObject","Resource":"*"}]}`)); !errors.As(err, &ve) || ve.Path == "" {
		t.Errorf("validation error %v names no location", err)
	}
	got, err := s.GetPolicy(ctx, "readonly")
	if err != nil {
		t.Fatal(err)
	}
	want := PolicyInfo{Name: "readonly", Document: readonly, Statements: 1,
		Created: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), Updated: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
		Users: []string{}, Groups: []string{}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GetPolicy (-want +got):\n%s", d)
	}
	if _, err := s.GetPolicy(ctx, "ReadOnly"); !errors.Is(err, ErrNoSuchPolicy) {
		t.Errorf("GetPolicy(ReadOnly) = %v, want ErrNoSuchPolicy", err)
	}
	if _, _, err := s.PutPolicy(ctx, "a-second.one@x", []byte(readonly)); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListPolicies(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "a-second.one@x" || list[1].Name != "readonly" {
		t.Fatalf("ListPolicies = %+v, %v", list, err)
	}
	if _, err := s.DeletePolicy(ctx, "readonly", false); err != nil {
		t.Fatal(err)
	}
	if s.HasPolicy("readonly") {
		t.Error("deleted policy still in the cache")
	}
	if _, err := s.DeletePolicy(ctx, "readonly", false); !errors.Is(err, ErrNoSuchPolicy) {
		t.Errorf("second delete = %v, want ErrNoSuchPolicy", err)
	}
}

func testAttachments(t *testing.T, s *Store) {
	ctx := context.Background()
	for _, n := range []string{"readonly", "extra"} {
		if _, _, err := s.PutPolicy(ctx, n, []byte(readonly)); err != nil {
			t.Fatal(err)
		}
	}
	alice := Target{Kind: TargetUser, Name: "alice"}
	devs := Target{Kind: TargetGroup, Name: "devs"}
	gh := Target{Kind: TargetUser, Name: "repo:org/app:ref:refs/heads/main"}
	for _, a := range []struct {
		p string
		t Target
	}{{"readonly", alice}, {"extra", devs}, {"readonly", devs}, {"extra", gh}} {
		if changed, err := s.Attach(ctx, a.p, a.t); err != nil || !changed {
			t.Fatalf("Attach(%s, %v) = %v, %v", a.p, a.t, changed, err)
		}
	}
	if changed, err := s.Attach(ctx, "readonly", alice); err != nil || changed {
		t.Errorf("second Attach = %v, %v; want no change", changed, err)
	}
	if _, err := s.Attach(ctx, "missing", alice); !errors.Is(err, ErrNoSuchPolicy) {
		t.Errorf("Attach(missing) = %v", err)
	}
	if _, err := s.Attach(ctx, "readonly", Target{Kind: "role", Name: "x"}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Attach(kind role) = %v", err)
	}
	if _, err := s.Attach(ctx, "readonly", Target{Kind: TargetUser, Name: "a\nb"}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Attach(control char) = %v", err)
	}
	if got := s.AttachedPolicies("alice", []string{"devs", "nobody"}); !cmp.Equal(got, []string{"readonly", "extra"}) {
		t.Errorf("AttachedPolicies = %q", got)
	}
	if got := s.AttachedPolicies("Alice", nil); len(got) != 0 {
		t.Errorf("user ids are case-sensitive, got %q", got)
	}
	pi, err := s.GetPolicy(ctx, "extra")
	if err != nil || !cmp.Equal(pi.Users, []string{"repo:org/app:ref:refs/heads/main"}) || !cmp.Equal(pi.Groups, []string{"devs"}) {
		t.Errorf("GetPolicy(extra) = %+v, %v", pi, err)
	}
	if _, err := s.DeletePolicy(ctx, "readonly", false); !errors.Is(err, ErrPolicyAttached) {
		t.Fatalf("DeletePolicy(attached) = %v, want ErrPolicyAttached", err)
	}
	if !s.HasPolicy("readonly") {
		t.Fatal("refused delete removed the policy")
	}
	if err := s.Detach(ctx, "readonly", gh); !errors.Is(err, ErrNotAttached) {
		t.Errorf("Detach(not attached) = %v", err)
	}
	if err := s.Detach(ctx, "readonly", alice); err != nil {
		t.Fatal(err)
	}
	if got := s.AttachedPolicies("alice", nil); len(got) != 0 {
		t.Errorf("after detach: %q", got)
	}
	detached, err := s.DeletePolicy(ctx, "readonly", true)
	if err != nil || !cmp.Equal(detached, []Target{devs}) {
		t.Fatalf("forced DeletePolicy = %v, %v", detached, err)
	}
	if got := s.AttachedPolicies("", []string{"devs"}); !cmp.Equal(got, []string{"extra"}) {
		t.Errorf("after forced delete: %q", got)
	}
	all, err := s.ListAttachments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Attachment{{Policy: "extra", Target: gh}, {Policy: "extra", Target: devs}}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("ListAttachments (-want +got):\n%s", d)
	}
}

func testBucketPolicies(t *testing.T, s *Store) {
	ctx := context.Background()
	if _, err := s.GetBucketPolicy(ctx, "pub"); !errors.Is(err, ErrNoSuchBucketPolicy) {
		t.Fatalf("GetBucketPolicy(none) = %v", err)
	}
	if _, err := s.PutBucketPolicy(ctx, "pub", []byte(readonly)); !errors.Is(err, policy.ErrMalformedPolicy) {
		t.Fatalf("bucket policy without Principal = %v, want ErrMalformedPolicy", err)
	}
	if _, err := s.PutBucketPolicy(ctx, "pub", []byte(public)); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.BucketPolicy("pub"); !ok {
		t.Fatal("bucket policy not in the cache")
	}
	doc, err := s.GetBucketPolicy(ctx, "pub")
	if err != nil || doc != public {
		t.Fatalf("GetBucketPolicy = %q, %v", doc, err)
	}
	if err := s.DeleteBucketPolicy(ctx, "pub"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.BucketPolicy("pub"); ok {
		t.Fatal("deleted bucket policy still cached")
	}
	if err := s.DeleteBucketPolicy(ctx, "pub"); err != nil {
		t.Fatalf("deleting a missing bucket policy = %v", err)
	}
	if _, err := s.PutBucketPolicy(ctx, "Bad_Bucket", []byte(public)); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad bucket name = %v", err)
	}
}

// testTwoInstances: a change through one Store is seen by another on the
// same state store within a second (as two nodes would).
func testTwoInstances(t *testing.T, a, b *Store) {
	ctx := context.Background()
	if _, _, err := a.PutPolicy(ctx, "readonly", []byte(readonly)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b sees the new policy", func() bool { return b.HasPolicy("readonly") })
	if _, err := a.Attach(ctx, "readonly", Target{Kind: TargetGroup, Name: "g"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b sees the attachment", func() bool { return len(b.AttachedPolicies("", []string{"g"})) == 1 })
	if _, err := b.PutBucketPolicy(ctx, "pub", []byte(public)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a sees the bucket policy", func() bool { _, ok := a.BucketPolicy("pub"); return ok })
	if _, err := b.DeletePolicy(ctx, "readonly", true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a sees the removal", func() bool { return !a.HasPolicy("readonly") && len(a.AttachedPolicies("", []string{"g"})) == 0 })
}

// testReload: a watcher that falls behind a compaction reloads and still
// converges.
func testReload(t *testing.T, st state.Store) {
	ctx := context.Background()
	s := newStore(t, st)
	s.Close() // stop following; the cache is now stale
	for i, n := range []string{"p1", "p2", "p3"} {
		if _, err := st.Put(ctx, policyPrefix+n, []byte(`{"document":`+quoteJSON(readonly)+`}`), state.AnyRevision); err != nil {
			t.Fatal(i, err)
		}
	}
	if c, ok := st.(interface{ Compact(int64) }); ok {
		res, _ := st.List(ctx, "", state.ListOptions{Limit: 1})
		c.Compact(res.Revision)
	}
	s2, err := New(ctx, st, Options{RetryDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.mu.Lock()
	s2.rev = 1 // pretend to be far behind: the next watch hits compaction
	s2.mu.Unlock()
	if _, err := st.Put(ctx, policyPrefix+"p4", []byte(`{"document":`+quoteJSON(readonly)+`}`), state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	eventually(t, "reload sees every policy", func() bool {
		return s2.HasPolicy("p1") && s2.HasPolicy("p3") && s2.HasPolicy("p4")
	})
	if s.HasPolicy("p1") {
		t.Error("a closed Store kept following")
	}
}

func quoteJSON(s string) string {
	b := []byte{'"'}
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return string(append(b, '"'))
}

func TestValidPolicyName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "readonly", "ReadOnly", "s3admin", "a+b=c,d.e@f_g-h", string(make128('x'))} {
		if err := ValidPolicyName(ok); err != nil {
			t.Errorf("ValidPolicyName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "é", "a:b", "*", string(make128('x')) + "x"} {
		if err := ValidPolicyName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidPolicyName(%q) = %v", bad, err)
		}
	}
}

func make128(c byte) []byte {
	b := make([]byte, 128)
	for i := range b {
		b[i] = c
	}
	return b
}
