package e2e

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/bench"
)

// TestBenchSmoke runs fedstore-bench's engine briefly against a server it
// starts from the built binary: every request must succeed.
func TestBenchSmoke(t *testing.T) {
	t.Parallel()
	ops, err := bench.ParseOps("get4k,put4k,get1m,put1m")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bench.Config{ServerBin: fedstoreBin, Bucket: "bench-smoke", Duration: 500 * time.Millisecond,
		Concurrency: []int{4}, Ops: ops, MaxOps: 2000}
	rep, err := bench.Run(context.Background(), cfg, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Errors != 0 || r.Ops == 0 {
			t.Errorf("%s against %s: %d ops, %d errors (first: %s)", r.Op, r.Target, r.Ops, r.Errors, r.FirstError)
		}
		if r.Target == "fedstore" && r.ServerRSSMiB <= 0 {
			t.Errorf("%s: no server RSS recorded", r.Op)
		}
	}
	if len(rep.Ratios) != len(ops) {
		t.Errorf("%d ratios, want %d", len(rep.Ratios), len(ops))
	}
}
