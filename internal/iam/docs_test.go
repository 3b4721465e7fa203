package iam

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/policy"
)

// TestDocExamplesParse: every JSON example in docs/iam.md is a valid policy
// (bucket policies are the ones with a Principal) without warnings.
func TestDocExamplesParse(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "iam.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```json\n")[1:]
	if len(blocks) < 5 {
		t.Fatalf("found %d JSON examples, want at least 5", len(blocks))
	}
	for i, blk := range blocks {
		doc, _, ok := strings.Cut(blk, "```")
		if !ok {
			t.Fatalf("example %d is not closed", i)
		}
		parse := policy.ParseIdentity
		if strings.Contains(doc, `"Principal"`) {
			parse = policy.ParseResource
		}
		p, err := parse([]byte(doc))
		if err != nil {
			t.Errorf("example %d: %v\n%s", i, err, doc)
			continue
		}
		if w := p.Warnings(); len(w) > 0 {
			t.Errorf("example %d warns: %v", i, w)
		}
	}
}
