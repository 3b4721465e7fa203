package watchhub

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/fedstore/fedstore/internal/state"
)

// Defaults for New.
const (
	DefaultHistorySize = 1024
	DefaultQueueLimit  = 4096
)

// Hub keeps recent history and the live watchers of one store.
// The store must Publish events in strictly increasing revision order.
type Hub struct {
	mu         sync.Mutex
	history    []state.Event // ring, oldest first after rotation via start
	start      int           // index of the oldest event in history
	count      int           // number of events in history
	first      int64         // every event with revision >= first is retained
	last       int64         // revision of the last published event (or the start revision)
	queueLimit int
	subs       map[*watcher]struct{}
	closed     bool
}

// New returns a hub whose store is at revision rev. historySize events are
// kept for replay; queueLimit is raised to at least historySize so that a
// replay never overflows a fresh watcher. Non-positive sizes take defaults.
func New(rev int64, historySize, queueLimit int) *Hub {
	if historySize <= 0 {
		historySize = DefaultHistorySize
	}
	if queueLimit <= 0 {
		queueLimit = DefaultQueueLimit
	}
	if queueLimit < historySize {
		queueLimit = historySize
	}
	return &Hub{
		history:    make([]state.Event, historySize),
		first:      rev + 1,
		last:       rev,
		queueLimit: queueLimit,
		subs:       make(map[*watcher]struct{}),
	}
}

// Publish records ev and hands it to every matching watcher without blocking.
func (h *Hub) Publish(ev state.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if len(h.history) == h.count {
		evicted := h.history[h.start]
		h.history[h.start] = state.Event{}
		h.start = (h.start + 1) % len(h.history)
		h.count--
		h.first = evicted.KV.Revision + 1
	}
	h.history[(h.start+h.count)%len(h.history)] = ev
	h.count++
	h.last = ev.KV.Revision
	for w := range h.subs {
		if !w.wants(ev) {
			continue
		}
		if !w.push(ev, h.queueLimit) {
			delete(h.subs, w) // overflowed: the watch has ended
		}
	}
}

// Revision returns the revision of the last published event.
func (h *Hub) Revision() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Watch starts a watch; see state.Store.Watch.
func (h *Hub) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan state.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fromRev < 0 {
		return nil, fmt.Errorf("%w: watch from revision %d", state.ErrInvalid, fromRev)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, state.ErrClosed
	}
	from := fromRev
	if from == 0 {
		from = h.last + 1
	}
	if from <= h.last && from < h.first {
		return nil, fmt.Errorf("%w: watch from revision %d, oldest retained is %d", state.ErrCompacted, from, h.first)
	}
	w := &watcher{
		prefix: prefix,
		from:   from,
		notify: make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	for i := 0; i < h.count; i++ {
		ev := h.history[(h.start+i)%len(h.history)]
		if w.wants(ev) {
			w.queue = append(w.queue, ev)
		}
	}
	h.subs[w] = struct{}{}
	out := make(chan state.Event)
	go w.run(ctx, out, h.remove)
	return out, nil
}

func (h *Hub) remove(w *watcher) {
	h.mu.Lock()
	delete(h.subs, w)
	h.mu.Unlock()
}

// Close ends every watch; later Watch calls return state.ErrClosed.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for w := range h.subs {
		w.end()
		delete(h.subs, w)
	}
}

// Watchers returns the number of live watchers (for tests and metrics).
func (h *Hub) Watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

type watcher struct {
	prefix string
	from   int64
	notify chan struct{} // cap 1: "the queue grew"
	stop   chan struct{} // closed when the watch must end

	mu    sync.Mutex
	queue []state.Event
	ended bool
}

func (w *watcher) wants(ev state.Event) bool {
	return ev.KV.Revision >= w.from && strings.HasPrefix(ev.KV.Key, w.prefix)
}

// push queues ev; it reports false (and ends the watch) when the queue is full.
func (w *watcher) push(ev state.Event, limit int) bool {
	w.mu.Lock()
	if w.ended {
		w.mu.Unlock()
		return false
	}
	if len(w.queue) >= limit {
		w.mu.Unlock()
		w.end()
		return false
	}
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
	return true
}

func (w *watcher) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.ended = true
		w.queue = nil
		close(w.stop)
	}
}

// run forwards queued events to out until the watch ends or ctx is done, then
// closes out.
func (w *watcher) run(ctx context.Context, out chan<- state.Event, remove func(*watcher)) {
	defer close(out)
	defer remove(w)
	for {
		w.mu.Lock()
		if w.ended {
			w.mu.Unlock()
			return
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			select {
			case <-w.notify:
				continue
			case <-w.stop:
				return
			case <-ctx.Done():
				w.end()
				return
			}
		}
		ev := w.queue[0]
		w.queue[0] = state.Event{}
		w.queue = w.queue[1:]
		if len(w.queue) == 0 {
			w.queue = nil // let the backing array go
		}
		w.mu.Unlock()
		if ctx.Err() != nil {
			w.end()
			return
		}
		select {
		case out <- ev:
		case <-w.stop:
			return
		case <-ctx.Done():
			w.end()
			return
		}
	}
}

// Compact forgets history at or below rev (capped at the last published
// revision): a later Watch from such a revision gets state.ErrCompacted.
func (h *Hub) Compact(rev int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rev > h.last {
		rev = h.last
	}
	for h.count > 0 && h.history[h.start].KV.Revision <= rev {
		h.history[h.start] = state.Event{}
		h.start = (h.start + 1) % len(h.history)
		h.count--
	}
	if rev+1 > h.first {
		h.first = rev + 1
	}
}
