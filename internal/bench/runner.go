package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Result is one op against one target.
type Result struct {
	Op          string  `json:"op"`
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Ops         int64   `json:"ops"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	MiBPerSec   float64 `json:"mib_per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	// FirstError describes the first failed request, if any.
	FirstError string `json:"first_error,omitempty"`
	// ServerRSSMiB is the server's resident memory after the run (0 when the
	// benchmark did not start the server).
	ServerRSSMiB float64 `json:"server_rss_mib,omitempty"`
}

// samplesPerWorker bounds the latency samples kept per worker (reservoir).
const samplesPerWorker = 20_000

type workerStats struct {
	ops, errors, bytes int64
	seen               int64
	samples            []time.Duration
	rng                *rand.Rand
	firstErr           string
}

func (s *workerStats) record(d time.Duration) {
	s.seen++
	if len(s.samples) < samplesPerWorker {
		s.samples = append(s.samples, d)
		return
	}
	if j := s.rng.Int64N(s.seen); j < samplesPerWorker {
		s.samples[j] = d
	}
}

// runOp drives op against target with concurrency workers until duration
// has passed or maxOps requests were sent, whichever comes first.
func runOp(ctx context.Context, hc *http.Client, target Target, op Op, concurrency int, duration time.Duration, maxOps int64) Result {
	return finish(op, target.Name(), concurrency, []slice{runSlice(ctx, hc, target, op, concurrency, duration, maxOps)})
}

// runInterleaved measures several targets with the same op in alternating
// slices (rounds of duration/rounds each, every target once per round), so
// that a machine whose load drifts (other processes, thermal limits) skews
// them alike and their ratio stays meaningful. Every other round runs the
// targets in reverse order (A B, B A, A B, ...): a target never always
// follows the same one, so what a slice leaves behind (the server's
// garbage, dirty pages, a CPU's frequency) does not always land on the
// same target. Each target gets at most maxOps requests in all.
func runInterleaved(ctx context.Context, hc *http.Client, targets []Target, op Op, concurrency int, duration time.Duration, maxOps int64, rounds int) []Result {
	rounds = max(1, rounds)
	per := make([][]slice, len(targets))
	left := make([]int64, len(targets))
	for i := range left {
		left[i] = maxOps
	}
	for round := range rounds {
		for j := range targets {
			i := j
			if round%2 == 1 {
				i = len(targets) - 1 - j
			}
			tg := targets[i]
			if ctx.Err() != nil || left[i] <= 0 {
				continue
			}
			sl := runSlice(ctx, hc, tg, op, concurrency, duration/time.Duration(rounds), left[i])
			left[i] -= sl.issued
			per[i] = append(per[i], sl)
			hc.CloseIdleConnections() // every slice starts with fresh connections
		}
	}
	out := make([]Result, len(targets))
	for i, tg := range targets {
		out[i] = finish(op, tg.Name(), concurrency, per[i])
	}
	return out
}

// slice is what one timed run of one target measured.
type slice struct {
	elapsed time.Duration
	issued  int64
	stats   []*workerStats
}

// runSlice runs op against target with concurrency workers for duration or
// maxOps requests.
func runSlice(ctx context.Context, hc *http.Client, target Target, op Op, concurrency int, duration time.Duration, maxOps int64) slice {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var (
		mu     sync.Mutex
		issued int64
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if issued >= maxOps {
			return false
		}
		issued++
		return true
	}
	stats := make([]*workerStats, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		st := &workerStats{rng: rand.New(rand.NewPCG(uint64(w), 42))}
		stats[w] = st
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && take(); i++ {
				t0 := time.Now()
				n, err := doOne(ctx, hc, target, op, w, i)
				if ctx.Err() != nil && err != nil {
					return // cut off by the deadline: not a server error
				}
				st.record(time.Since(t0))
				st.ops++
				st.bytes += n
				if err != nil {
					st.errors++
					if st.firstErr == "" {
						st.firstErr = err.Error()
					}
				}
			}
		}()
	}
	wg.Wait()
	return slice{elapsed: time.Since(start), issued: issued, stats: stats}
}

// finish sums the slices of one target into a Result.
func finish(op Op, target string, concurrency int, parts []slice) Result {
	res := Result{Op: op.Name, Target: target, Concurrency: concurrency}
	var all []time.Duration
	var bytes int64
	var elapsed time.Duration
	for _, sl := range parts {
		elapsed += sl.elapsed
		for _, st := range sl.stats {
			res.Ops += st.ops
			res.Errors += st.errors
			bytes += st.bytes
			all = append(all, st.samples...)
			if res.FirstError == "" {
				res.FirstError = st.firstErr
			}
		}
	}
	res.Seconds = elapsed.Seconds()
	good := res.Ops - res.Errors
	if elapsed > 0 {
		res.OpsPerSec = float64(good) / elapsed.Seconds()
		res.MiBPerSec = float64(bytes) / (1 << 20) / elapsed.Seconds()
	}
	slices.Sort(all)
	res.P50Ms = ms(percentile(all, 0.50))
	res.P99Ms = ms(percentile(all, 0.99))
	return res
}

// doOne sends one request and returns the payload bytes moved.
func doOne(ctx context.Context, hc *http.Client, target Target, op Op, w, i int) (int64, error) {
	req, err := target.NewRequest(ctx, op, w, i)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, MaxObjectSize+1))
	if err != nil {
		return 0, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	if op.Method == http.MethodGet {
		if n != int64(op.Size) {
			return 0, fmt.Errorf("GET %s: %d bytes, want %d", req.URL.Path, n, op.Size)
		}
		return n, nil
	}
	return int64(op.Size), nil
}

// percentile of sorted samples (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
