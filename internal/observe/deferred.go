package observe

import (
	"io"
	"log/slog"
	"time"
)

// Deferred lines. The access log writes a line per request; one write(2)
// per line is a few percent of a small request's CPU. A logger made with
// NewBufferedLogger keeps the lines of a Deferred handler in memory and
// writes them out together: at the latest FlushInterval after the first of
// them, at once when maxPending bytes are waiting, and before any line of
// a normal handler of the same logger (so the output keeps the order in
// which lines were logged). Flush writes what is waiting (at shutdown).
// Lines still waiting when the process dies are lost: only lines that can
// be lost (the access log) should be deferred.

// maxPending is how many bytes of deferred lines wait at most.
const maxPending = 64 << 10

// deferral is the state of a writer with deferred lines; the writer's lock
// guards it.
type deferral struct {
	interval time.Duration
	pending  []byte
	timer    *time.Timer
	armed    bool // the timer will flush
}

// NewBufferedLogger is NewLogger whose Deferred handlers' lines wait in
// memory for up to interval (0: written at once, as with NewLogger).
func NewBufferedLogger(w io.Writer, format, level string, interval time.Duration) (*slog.Logger, error) {
	l, err := NewLogger(w, format, level)
	if err != nil || interval <= 0 {
		return l, err
	}
	fh := fastOf(l.Handler())
	out := fh.out
	out.def = &deferral{interval: interval, pending: make([]byte, 0, 4096)}
	out.def.timer = time.AfterFunc(time.Hour, out.timerFlush)
	out.def.timer.Stop()
	return l, nil
}

// Deferred returns a handler like h whose lines may wait (see
// NewBufferedLogger); h itself when h is not one of this package's.
func Deferred(h slog.Handler) slog.Handler {
	rh, ok := h.(requestIDHandler)
	if !ok {
		return h
	}
	fh, ok := rh.next.(*fastHandler)
	if !ok {
		return h
	}
	d := *fh
	d.deferred = true
	return requestIDHandler{next: &d}
}

// Flush writes the deferred lines of h's logger that are waiting.
func Flush(h slog.Handler) error {
	fh := fastOf(h)
	if fh == nil {
		return nil
	}
	fh.out.mu.Lock()
	defer fh.out.mu.Unlock()
	return fh.out.flushLocked()
}

func fastOf(h slog.Handler) *fastHandler {
	if rh, ok := h.(requestIDHandler); ok {
		h = rh.next
	}
	fh, _ := h.(*fastHandler)
	return fh
}

// writeDeferred writes p (one line) or keeps it to write later.
func (l *lockedWriter) writeDeferred(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.def
	if d == nil {
		return l.w.Write(p)
	}
	d.pending = append(d.pending, p...)
	if len(d.pending) >= maxPending {
		return len(p), l.flushLocked()
	}
	if !d.armed {
		d.armed = true
		d.timer.Reset(d.interval)
	}
	return len(p), nil
}

func (l *lockedWriter) timerFlush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.def.armed = false
	_ = l.flushLocked() // nobody to tell; the next line's write reports it
}

// flushLocked writes the pending lines in one write. l.mu is held.
func (l *lockedWriter) flushLocked() error {
	d := l.def
	if d == nil || len(d.pending) == 0 {
		return nil
	}
	_, err := l.w.Write(d.pending)
	if cap(d.pending) > 2*maxPending {
		d.pending = make([]byte, 0, 4096) // one huge line: do not keep its buffer
	} else {
		d.pending = d.pending[:0]
	}
	return err
}
