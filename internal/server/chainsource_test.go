package server

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
)

// countingSource knows one key and counts its lookups.
type countingSource struct {
	key   string
	calls int
}

func (s *countingSource) LookupCredential(_ context.Context, accessKey, _ string) (authn.Credential, error) {
	s.calls++
	if accessKey != s.key {
		return authn.Credential{}, fmt.Errorf("%w: counting source: %q", authn.ErrInvalidAccessKeyId, accessKey)
	}
	return authn.Credential{AccessKey: accessKey, SecretKey: "s"}, nil
}

// TestChainSourceSkipsRoot: a key that is not root's goes past the root
// source without asking it; root's key (even one shaped like a session
// key) stays root's; and the chain's error is still its last source's.
func TestChainSourceSkipsRoot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const sessionKey = "ASIAAAAAAAAAAAAAAAAA"
	for _, rootKey := range []string{"rootuser", "ASIABBBBBBBBBBBBBBBB"} {
		root := NewRootSource(rootKey, "rootsecret123")
		next := &countingSource{key: sessionKey}
		chain := ChainSource{root, next}
		if c, err := chain.LookupCredential(ctx, rootKey, ""); err != nil || c.Principal.Kind != authn.Root || next.calls != 0 {
			t.Errorf("root key %q: %+v, %v, next asked %d times", rootKey, c.Principal, err, next.calls)
		}
		if c, err := chain.LookupCredential(ctx, sessionKey, "tok"); err != nil || c.AccessKey != sessionKey || next.calls != 1 {
			t.Errorf("session key: %+v, %v, next asked %d times", c, err, next.calls)
		}
		_, err := chain.LookupCredential(ctx, "nobody", "")
		if !errors.Is(err, authn.ErrInvalidAccessKeyId) || err.Error() != fmt.Sprintf("%v: counting source: %q", authn.ErrInvalidAccessKeyId, "nobody") {
			t.Errorf("unknown key: %v", err)
		}
	}
	// Root last: its own miss is the chain's answer.
	root := NewRootSource("rootuser", "rootsecret123")
	_, want := root.LookupCredential(ctx, "nobody", "")
	_, got := ChainSource{&countingSource{key: "x"}, root}.LookupCredential(ctx, "nobody", "")
	if got == nil || got.Error() != want.Error() || !errors.Is(got, authn.ErrInvalidAccessKeyId) {
		t.Errorf("root last: %v, want %v", got, want)
	}
	if _, err := (ChainSource{root}).LookupCredential(ctx, "rootuser", "tok"); !errors.Is(err, authn.ErrInvalidToken) {
		t.Errorf("root with a token: %v", err)
	}
}
