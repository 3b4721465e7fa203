package policy

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is one of the
// package's errors, that parse -> marshal -> parse is stable, and that
// evaluating whatever parsed does not panic. Seeds are in testdata/fuzz.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedPolicy) && !errors.Is(err, ErrPolicyTooLarge) {
				t.Fatalf("error %v is neither ErrMalformedPolicy nor ErrPolicyTooLarge", err)
			}
			return
		}
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		p2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parsing the canonical form %s: %v", out, err)
		}
		out2, _ := p2.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", out, out2)
		}
		var c Context
		c.Set("aws:username", "alice")
		c.Set("aws:SourceIp", "10.1.2.3")
		c.Set("jwt:groups", "a", "b")
		c.Set("aws:CurrentTime", "2026-01-01T00:00:00Z")
		for _, r := range []Request{
			{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: c},
			{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Principal: Principal{Account: "123456789012", ARNs: []string{"arn:aws:iam::123456789012:role/r"}}},
		} {
			d1 := p.Evaluate("p", r)
			d2 := p2.Evaluate("p", r)
			if d1 != d2 {
				t.Fatalf("the canonical form decides differently: %v vs %v", d1, d2)
			}
		}
	})
}
