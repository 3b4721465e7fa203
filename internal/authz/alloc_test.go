// The race detector makes sync.Pool drop items, and so Authorize allocate
// its scratch space now and then: allocation counts hold only without it.

//go:build !race

package authz

import (
	"context"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
)

// TestAuthorizeDoesNotAllocate holds the performance contract of a
// principal's requests after its first: deciding allocates nothing. (Not
// parallel: AllocsPerRun forbids it.)
func TestAuthorizeDoesNotAllocate(t *testing.T) {
	a := New(newFake(t), Options{})
	s := session("tom", "devs", "team", "readonly")
	s.Claims = map[string][]string{"team": {"blue"}, "groups": {"a", "b"}}
	user := authn.Principal{Kind: authn.User, AccessKey: "AKIASVC", Name: "svc"}
	reqs := map[string]Request{
		"session":   objReq(s, "s3:PutObject", "teams", "blue/x"),
		"user":      objReq(user, "s3:GetObject", "data", "k"),
		"anonymous": objReq(authn.Principal{Kind: authn.Anonymous}, "s3:GetObject", "public", "k"),
	}
	for name, req := range reqs {
		if err := a.Authorize(context.Background(), req); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = a.Authorize(context.Background(), req) }); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, n)
		}
	}
}
