package posix

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/object"
)

func benchBackend(b *testing.B) *Backend {
	b.Helper()
	be, err := New(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := be.CreateBucket(b.Context(), "bench"); err != nil {
		b.Fatal(err)
	}
	return be
}

func benchPut(b *testing.B, size int) {
	be := benchBackend(b)
	data := bytes.Repeat([]byte("x"), size)
	b.SetBytes(int64(size))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("dir%d/obj%d", i%16, i)
		i++
		if _, err := be.PutObject(b.Context(), "bench", key, bytes.NewReader(data), object.PutOptions{Size: int64(size)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPut4KiB(b *testing.B) { benchPut(b, 4<<10) }
func BenchmarkPut1MiB(b *testing.B) { benchPut(b, 1<<20) }

func BenchmarkGet4KiB(b *testing.B) {
	be := benchBackend(b)
	data := bytes.Repeat([]byte("x"), 4<<10)
	for i := range 64 {
		if _, err := be.PutObject(b.Context(), "bench", fmt.Sprintf("obj%d", i), bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 8<<10)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		o, err := be.GetObject(b.Context(), "bench", fmt.Sprintf("obj%d", i%64))
		i++
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.ReadFull(o.Body, buf[:len(data)])
		o.Body.Close()
		if err != nil || n != len(data) {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkPut4KiBParallel: 16 PUTs at a time into one directory, as the
// load tool's put4k does (ext4 batches their fsyncs in its journal).
func BenchmarkPut4KiBParallel(b *testing.B) {
	be := benchBackend(b)
	data := bytes.Repeat([]byte("x"), 4<<10)
	b.SetBytes(int64(len(data)))
	var next atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("obj%d", next.Add(1))
			if _, err := be.PutObject(b.Context(), "bench", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPut4KiBOverwrite replaces 64 existing keys in turn, as the load
// tool's put4k does after its first round.
//
// The backend's clock advances a second per reading, so replaced files'
// sidecar removals come due within the run as they do in a server.
func BenchmarkPut4KiBOverwrite(b *testing.B) {
	var tick atomic.Int64
	epoch := time.Now()
	be, err := New(b.TempDir(), Options{Now: func() time.Time { return epoch.Add(time.Duration(tick.Add(1)) * time.Second) }})
	if err != nil {
		b.Fatal(err)
	}
	if err := be.CreateBucket(b.Context(), "bench"); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 4<<10)
	for i := range 64 {
		if _, err := be.PutObject(b.Context(), "bench", fmt.Sprintf("obj%d", i), bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := cpuTime()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("obj%d", i%64)
		i++
		if _, err := be.PutObject(b.Context(), "bench", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	// The fsyncs make the wall time noise; the CPU spent is what changes.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user+system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkHead4KiB is a HEAD of one of 64 small objects: bucket, open,
// fstat, metadata.
func BenchmarkHead4KiB(b *testing.B) {
	be := benchBackend(b)
	data := bytes.Repeat([]byte("x"), 4<<10)
	for i := range 64 {
		if _, err := be.PutObject(b.Context(), "bench", fmt.Sprintf("obj%d", i), bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := be.HeadObject(b.Context(), "bench", fmt.Sprintf("obj%d", i%64)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
