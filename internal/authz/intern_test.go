package authz

import (
	"fmt"
	"sync"
	"testing"
)

func TestInternTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limit   int
		keys    []string
		wantLen int
	}{
		{"repeats are stored once", 8, []string{"a", "b", "a", "b", "a"}, 2},
		{"full table starts over", 3, []string{"a", "b", "c", "d"}, 1},
		{"under the limit keeps all", 4, []string{"a", "b", "c", "d"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			tab := newInternTable(tc.limit, func(s string) string { calls++; return "v:" + s })
			for _, k := range tc.keys {
				if got := tab.get(k); got != "v:"+k {
					t.Fatalf("get(%q) = %q", k, got)
				}
			}
			if tab.len() != tc.wantLen {
				t.Errorf("len = %d, want %d", tab.len(), tc.wantLen)
			}
			if tc.name == "repeats are stored once" && calls != 2 {
				t.Errorf("derive called %d times, want 2", calls)
			}
		})
	}
}

func TestInternTableConcurrent(t *testing.T) {
	t.Parallel()
	tab := newInternTable(16, roleARN)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				arn := fmt.Sprintf("arn:aws:sts::000000000000:assumed-role/r%d/s%d", (g+i)%20, g)
				want := fmt.Sprintf("arn:aws:iam::000000000000:role/r%d", (g+i)%20)
				if got := tab.get(arn); got != want {
					t.Errorf("get(%q) = %q, want %q", arn, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := tab.len(); n > 16 {
		t.Errorf("table holds %d entries, over its limit of 16", n)
	}
}
