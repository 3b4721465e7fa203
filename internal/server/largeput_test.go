package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/sigv4"
)

// patternReader yields n bytes of a repeated 64 KiB block without holding
// more than the block.
type patternReader struct {
	left  int64
	off   int
	block []byte
}

func newPatternReader(n int64) *patternReader {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i * 131 >> 3)
	}
	return &patternReader{left: n, block: b}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	for n < len(b) {
		c := copy(b[n:], p.block[p.off:])
		n += c
		p.off = (p.off + c) % len(p.block)
	}
	p.left -= int64(n)
	return n, nil
}

// vmHWM is this process's peak resident memory (bytes).
func vmHWM(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// TestLargePutStreams sends a 1 GiB object (the same path as 5 GiB, bounded
// in time) and checks that the server never holds more than a few MiB of
// it: the heap in use, sampled during the upload, and the process's peak
// RSS grow by less than 24 MiB. Not parallel on purpose: other tests'
// allocations would blur the measurement (parallel tests wait until the
// sequential ones are done).
func TestLargePutStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 1 GiB")
	}
	const size = 1 << 30
	const limit = 24 << 20
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	c := &http.Client{Timeout: 5 * time.Minute}
	send := func(method, path string, body io.Reader, n int64) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, r.url()+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = n
		if err := sigv4.SignRequest(req, testRootUser, testRootSecret, DefaultRegion, "s3", sigv4.UnsignedPayload, time.Now()); err != nil {
			t.Fatal(err)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return res
	}
	res := send(http.MethodPut, "/big", nil, 0)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %s", res.Status)
	}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	hwmBefore := vmHWM(t)
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peakHeap.Load() {
					peakHeap.Store(m.HeapInuse)
				}
			}
		}
	}()
	start := time.Now()
	res = send(http.MethodPut, "/big/object", newPatternReader(size), size)
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	res.Body.Close()
	close(stop)
	wg.Wait()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT 1 GiB: %s %s", res.Status, body)
	}
	elapsed := time.Since(start)
	grew := int64(peakHeap.Load()) - int64(base.HeapInuse)
	hwmGrew := vmHWM(t) - hwmBefore
	t.Logf("1 GiB PUT in %s (%.0f MiB/s); heap in use grew by at most %.1f MiB, peak RSS by %.1f MiB",
		elapsed.Round(time.Millisecond), float64(size)/(1<<20)/elapsed.Seconds(), float64(grew)/(1<<20), float64(hwmGrew)/(1<<20))
	if grew > limit {
		t.Errorf("the heap grew by %d bytes during a streamed PUT; want under %d", grew, limit)
	}
	if hwmGrew > limit {
		t.Errorf("peak RSS grew by %d bytes during a streamed PUT; want under %d", hwmGrew, limit)
	}

	// What was stored is the whole object.
	res = send(http.MethodHead, "/big/object", nil, 0)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.ContentLength != size {
		t.Fatalf("HEAD: %s, %d bytes; want 200 and %d", res.Status, res.ContentLength, size)
	}
}
