package policy

import (
	"errors"
	"testing"
)

// mustParse parses doc or fails the test.
func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// ctx builds a Context from key, values pairs: ctx("k", "v1", "", "k2", "v")
// is not supported; use one call per key via kv.
func ctxOf(kv map[string][]string) Context {
	var c Context
	for k, v := range kv {
		c.Set(k, v...)
	}
	return c
}

func asValidation(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if !errors.Is(err, ErrMalformedPolicy) {
		t.Fatalf("error %v does not wrap ErrMalformedPolicy", err)
	}
	return ve
}
