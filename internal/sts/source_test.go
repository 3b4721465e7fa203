package sts_test

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestLookupCredentialFromCache: a cached lookup answers what the first one
// did (the session's aws:userid among the rest), with the request's own
// token string.
func TestLookupCredentialFromCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	out, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := e.svc.LookupCredential(ctx, out.AccessKeyID, out.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	p := first.Principal
	if p.UserID != out.AccessKeyID+":app" {
		t.Errorf("UserID = %q, want %q", p.UserID, out.AccessKeyID+":app")
	}
	tok := strings.Clone(out.SessionToken)
	second, err := e.svc.LookupCredential(ctx, strings.Clone(out.AccessKeyID), tok)
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(second.SessionToken) != unsafe.StringData(tok) {
		t.Error("the credential's session token is not the request's string")
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("cached lookup (-first +second):\n%s", diff)
	}
}
