package authn

import (
	"strings"
	"testing"
)

func TestSameToken(t *testing.T) {
	t.Parallel()
	tok := strings.Repeat("token-", 100)
	tests := []struct {
		name      string
		want, got string
		same      bool
	}{
		{"the same string", tok, tok, true},
		{"an equal copy", tok, strings.Clone(tok), true},
		{"a prefix sharing the bytes", tok, tok[:len(tok)-1], false},
		{"another token of the same length", tok, strings.Clone(tok[:len(tok)-1]) + "X", false},
		{"empty", "", "", true},
	}
	for _, tc := range tests {
		if got := sameToken(tc.want, tc.got); got != tc.same {
			t.Errorf("%s: sameToken = %v, want %v", tc.name, got, tc.same)
		}
	}
}
