package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Connection timeouts (issue 6: slow and abusive clients). net/http's
// ReadTimeout and WriteTimeout bound a whole request or response, which would
// cut off every large upload and download; fedstore bounds stalls instead:
//
//   - ReadHeaderTimeout: the request line and headers must arrive within it
//     (a slowloris client sending a byte a second is cut off);
//   - TransferIdleTimeout: while a request body is read, no Read may wait
//     longer than this for the next bytes, and while a response is written,
//     no Write may wait longer for the client to take them (per-operation
//     deadlines set through http.ResponseController and pushed forward on
//     each operation). A stalled upload ends with 400 RequestTimeout, a
//     stalled download with a closed connection;
//   - IdleTimeout: a keep-alive connection waits this long for its next request.
//
// Headers are limited to DefaultMaxHeaderBytes (net/http answers 431 beyond).

// Defaults of the timeouts.
const (
	DefaultReadHeaderTimeout   = 30 * time.Second
	DefaultTransferIdleTimeout = 60 * time.Second
	DefaultIdleTimeout         = 120 * time.Second
)

func (c *Config) applyTimeoutDefaults() {
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.TransferIdleTimeout == 0 {
		c.TransferIdleTimeout = DefaultTransferIdleTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
}

// minTimeout is the shortest accepted timeout: shorter ones would cut off
// ordinary clients on a busy network.
const minTimeout = 100 * time.Millisecond

func (c *Config) validateTimeouts() error {
	for _, v := range []struct {
		flag string
		d    time.Duration
	}{
		{"--read-header-timeout", c.ReadHeaderTimeout},
		{"--transfer-idle-timeout", c.TransferIdleTimeout},
		{"--idle-timeout", c.IdleTimeout},
	} {
		if v.d < minTimeout {
			return fmt.Errorf("%w: %s %s must be at least %s", ErrConfig, v.flag, v.d, minTimeout)
		}
	}
	return nil
}

// sendChunk is how many bytes of a streamed response (ReadFrom) one write
// deadline covers; chunks keep the sendfile path for files.
const sendChunk = 1 << 20

// withTransferDeadlines wraps the request body and the response writer so a
// stall in either direction longer than idle fails the operation. The
// returned func clears the deadlines the handler left (the connection may
// serve another request); call it when the handler returns.
func withTransferDeadlines(w http.ResponseWriter, r *http.Request, idle time.Duration) (http.ResponseWriter, *http.Request, func()) {
	if idle <= 0 {
		return w, r, func() {}
	}
	rc := http.NewResponseController(w)
	if r.Body != nil && r.Body != http.NoBody {
		r2 := *r
		r2.Body = &idleBody{rc: rc, body: r.Body, idle: idle}
		r = &r2
	}
	dw := &deadlineWriter{ResponseWriter: w, rc: rc, idle: idle}
	return dw, r, func() {
		// The server's final flush of a buffered response gets one more
		// period; the next request starts without a deadline of ours.
		_ = rc.SetWriteDeadline(time.Now().Add(idle))
	}
}

// idleBody pushes the connection's read deadline forward before each Read
// until the body ends. After the end net/http clears the deadline and reads
// the connection in the background to notice a client that goes away; a
// deadline of ours set then (a Read after EOF, as decoders do) would cancel
// the request's context while the handler still works (a long commit), so
// none is set after the end.
type idleBody struct {
	rc   *http.ResponseController
	body io.ReadCloser
	idle time.Duration
	done bool
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.done {
		return b.body.Read(p) //nolint:wrapcheck // the body's own errors pass through
	}
	// ErrNotSupported (a writer without deadlines) leaves the read unbounded,
	// as before.
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.body.Read(p)
	if err == nil {
		return n, nil
	}
	b.done = true
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The expired deadline stays: net/http's discard of the unread body
		// after the handler must fail at once, not wait for the client.
		// s3api answers 400 RequestTimeout for errors wrapping this one.
		return n, fmt.Errorf("server: the request body stalled: no data arrived for %s: %w", b.idle, err)
	}
	_ = b.rc.SetReadDeadline(time.Time{})
	return n, err //nolint:wrapcheck // the body's own errors pass through
}

func (b *idleBody) Close() error { return b.body.Close() } //nolint:wrapcheck // pass-through

// deadlineWriter pushes the connection's write deadline forward before each
// write of the response.
type deadlineWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	return w.ResponseWriter.Write(p) //nolint:wrapcheck // pass-through
}

// ReadFrom streams src in chunks of sendChunk, each with its own deadline,
// through the underlying writer's ReadFrom (sendfile for files).
func (w *deadlineWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{w}, src) //nolint:wrapcheck // pass-through
	}
	var total int64
	for {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
		n, err := rf.ReadFrom(io.LimitReader(src, sendChunk))
		total += n
		if err != nil || n < sendChunk {
			return total, err //nolint:wrapcheck // pass-through
		}
	}
}

// Flush pushes buffered bytes out (within one idle period).
func (w *deadlineWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
