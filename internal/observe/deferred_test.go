package observe

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// writes records every Write call separately.
type writes struct {
	mu    sync.Mutex
	calls []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func (w *writes) snapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

func logRecord(t *testing.T, h slog.Handler, ctx context.Context, msg string, attrs ...slog.Attr) {
	t.Helper()
	r := slog.NewRecord(time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC), slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	if err := h.Handle(ctx, r); err != nil {
		t.Fatal(err)
	}
}

// TestDeferredLinesWaitAndKeepTheirOrder: deferred lines are not written
// until a normal line, Flush, or the interval; a normal line goes out in the
// same write, after them; the bytes are those of the normal handler.
func TestDeferredLinesWaitAndKeepTheirOrder(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatText, FormatJSON} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			w := &writes{}
			l, err := NewBufferedLogger(w, format, "info", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "REQ1"})
			d := Deferred(l.Handler())
			logRecord(t, d, ctx, "request", slog.Int("status", 200))
			logRecord(t, d, ctx, "request", slog.Int("status", 404))
			if got := w.snapshot(); len(got) != 0 {
				t.Fatalf("deferred lines written at once: %q", got)
			}
			logRecord(t, l.Handler(), context.Background(), "listening")
			got := w.snapshot()
			if len(got) != 1 {
				t.Fatalf("%d writes, want the waiting lines and the new one in one: %q", len(got), got)
			}
			// The same records through a logger without deferral.
			var ref bytes.Buffer
			rl, _ := NewLogger(&ref, format, "info")
			logRecord(t, rl.Handler(), ctx, "request", slog.Int("status", 200))
			logRecord(t, rl.Handler(), ctx, "request", slog.Int("status", 404))
			logRecord(t, rl.Handler(), context.Background(), "listening")
			if got[0] != ref.String() {
				t.Fatalf("output\n%s\nwant\n%s", got[0], ref.String())
			}
			if !strings.Contains(got[0], "REQ1") {
				t.Errorf("request id lost: %s", got[0])
			}
			logRecord(t, d, ctx, "request", slog.Int("status", 500))
			if err := Flush(l.Handler()); err != nil {
				t.Fatal(err)
			}
			if got := w.snapshot(); len(got) != 2 || !strings.Contains(got[1], "500") {
				t.Fatalf("after Flush: %q", got)
			}
			if err := Flush(l.Handler()); err != nil || len(w.snapshot()) != 2 {
				t.Fatalf("an empty Flush wrote something (err %v)", err)
			}
		})
	}
}

// TestDeferredLinesGoOutWithinTheInterval: nobody flushes; the timer does.
func TestDeferredLinesGoOutWithinTheInterval(t *testing.T) {
	t.Parallel()
	w := &writes{}
	l, err := NewBufferedLogger(w, FormatText, "info", 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	d := Deferred(l.Handler())
	for round := 1; round <= 2; round++ { // the timer re-arms after it fired
		logRecord(t, d, context.Background(), "request", slog.Int("round", round))
		deadline := time.Now().Add(10 * time.Second)
		for len(w.snapshot()) < round {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the deferred line was never written", round)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if got := w.snapshot(); !strings.Contains(got[round-1], fmt.Sprintf("round=%d", round)) {
			t.Fatalf("round %d: %q", round, got)
		}
	}
}

// TestDeferredLinesBounded: a full buffer is written without waiting.
func TestDeferredLinesBounded(t *testing.T) {
	t.Parallel()
	w := &writes{}
	l, _ := NewBufferedLogger(w, FormatText, "info", time.Hour)
	d := Deferred(l.Handler())
	long := strings.Repeat("x", 1000)
	n := 0
	for len(w.snapshot()) == 0 {
		if n > maxPending/1000+1 {
			t.Fatalf("%d lines of 1000+ bytes waiting, nothing written", n)
		}
		logRecord(t, d, context.Background(), "request", slog.String("v", long))
		n++
	}
	if got := w.snapshot()[0]; len(got) < maxPending || strings.Count(got, "\n") != n {
		t.Fatalf("first write: %d bytes, %d lines; want >= %d bytes holding all %d lines", len(got), strings.Count(got, "\n"), maxPending, n)
	}
}

// TestDeferredWithoutInterval: a logger made without an interval (or not by
// this package) writes deferred lines at once.
func TestDeferredWithoutInterval(t *testing.T) {
	t.Parallel()
	w := &writes{}
	l, _ := NewBufferedLogger(w, FormatText, "info", 0)
	logRecord(t, Deferred(l.Handler()), context.Background(), "request")
	if len(w.snapshot()) != 1 {
		t.Fatalf("writes %q; want the line at once", w.snapshot())
	}
	var buf bytes.Buffer
	th := slog.NewTextHandler(&buf, nil)
	if Deferred(th) != slog.Handler(th) || Flush(th) != nil {
		t.Fatal("Deferred/Flush of a foreign handler must leave it alone")
	}
}

// TestDeferredConcurrent: lines of many goroutines, deferred and not, all
// arrive whole.
func TestDeferredConcurrent(t *testing.T) {
	t.Parallel()
	w := &writes{}
	l, _ := NewBufferedLogger(w, FormatText, "info", time.Millisecond)
	d := Deferred(l.Handler())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				h := d
				if i%10 == 0 {
					h = l.Handler()
				}
				logRecord(t, h, context.Background(), "request", slog.Int("g", g), slog.Int("i", i))
			}
		}()
	}
	wg.Wait()
	if err := Flush(l.Handler()); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(w.snapshot(), "")
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("%d lines, want %d", len(lines), 8*200)
	}
	for _, ln := range lines {
		if !strings.HasPrefix(ln, "time=") || !strings.Contains(ln, " i=") {
			t.Fatalf("broken line %q", ln)
		}
	}
}
