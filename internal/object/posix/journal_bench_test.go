package posix

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// BenchmarkPutObject4KParallel: durable 4 KiB PUTs from 16 goroutines,
// through the journal and through the fsync path.
func BenchmarkPutObject4KParallel(b *testing.B) {
	for _, mode := range []struct {
		name    string
		journal bool
	}{{"fsync", false}, {"journal", true}} {
		b.Run(mode.name, func(b *testing.B) {
			be, err := New(b.TempDir(), Options{Journal: mode.journal})
			if err != nil {
				b.Fatal(err)
			}
			defer be.Close()
			if mode.journal && be.journal == nil {
				b.Skip("no xattrs: no journal")
			}
			ctx := context.Background()
			if err := be.CreateBucket(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
			data := bytes.Repeat([]byte("x"), 4096)
			var n atomic.Int64
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := fmt.Sprintf("k%07d", n.Add(1)) // new keys, as the load tool writes
					if _, err := be.PutObject(ctx, "bench", k, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
