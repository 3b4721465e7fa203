package watchhub

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

func put(rev int64, key string) state.Event {
	return state.Event{Type: state.EventPut, KV: state.KV{Key: key, Value: []byte("v"), Revision: rev}}
}

func waitWatchers(t *testing.T, h *Hub, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Watchers() != want {
		if time.Now().After(deadline) {
			t.Fatalf("watchers %d, want %d", h.Watchers(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

func drainClosed(t *testing.T, ch <-chan state.Event) int {
	t.Helper()
	n := 0
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return n
			}
			n++
		case <-time.After(5 * time.Second):
			t.Fatal("channel not closed")
		}
	}
}

func TestWatchersReleased(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(h *Hub, cancel context.CancelFunc)
	}{
		{"cancel", func(_ *Hub, cancel context.CancelFunc) { cancel() }},
		{"close", func(h *Hub, _ context.CancelFunc) { h.Close() }},
		{"overflow", func(h *Hub, _ context.CancelFunc) {
			for r := int64(11); r <= 20; r++ {
				h.Publish(put(r, "k"))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := New(10, 2, 2)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, err := h.Watch(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			waitWatchers(t, h, 1)
			tc.end(h, cancel)
			if n := drainClosed(t, ch); n > 3 {
				t.Fatalf("%d events delivered after the end", n)
			}
			waitWatchers(t, h, 0)
		})
	}
}

func TestCompactAndStart(t *testing.T) {
	t.Parallel()
	h := New(100, 8, 0) // reopened store at revision 100
	for r := int64(101); r <= 105; r++ {
		h.Publish(put(r, "k"))
	}
	h.Compact(102)
	tests := []struct {
		from    int64
		wantErr error
		first   int64
	}{
		{100, state.ErrCompacted, 0},
		{102, state.ErrCompacted, 0},
		{103, nil, 103},
		{105, nil, 105},
		{-1, state.ErrInvalid, 0},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := h.Watch(ctx, "", tc.from)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("Watch(%d): %v, want %v", tc.from, err, tc.wantErr)
		}
		if err == nil {
			if ev := <-ch; ev.KV.Revision != tc.first {
				t.Fatalf("Watch(%d) first %d, want %d", tc.from, ev.KV.Revision, tc.first)
			}
		}
		cancel()
	}
	h.Close()
	h.Publish(put(106, "k")) // no panic after Close
	if _, err := h.Watch(context.Background(), "", 0); !errors.Is(err, state.ErrClosed) {
		t.Fatalf("Watch after Close: %v", err)
	}
}
