package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Baseline is a minimal net/http server on 127.0.0.1: GET /N answers N
// bytes, PUT reads and discards the body. It shows what the machine's HTTP
// stack alone costs with the same client.
type Baseline struct {
	URL    string
	srv    *http.Server
	bodies payloads
}

// StartBaseline starts the baseline server for the ops' sizes.
func StartBaseline(ops []Op) (*Baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("baseline listen: %w", err)
	}
	b := &Baseline{URL: "http://" + ln.Addr().String(), bodies: newPayloads(ops)}
	b.srv = &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

func (b *Baseline) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxObjectSize+1))
		w.Header().Set("ETag", `"baseline"`)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		n, err := strconv.Atoi(r.URL.Path[1:])
		p, ok := b.bodies[n]
		if err != nil || !ok {
			http.Error(w, "no such size", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(p.data)))
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(p.data)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// Close stops the baseline server.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline shutdown: %w", err)
	}
	return nil
}

// baselineTarget sends the same shapes of request, unsigned, to Baseline.
type baselineTarget struct {
	b *Baseline
}

func (t baselineTarget) Name() string { return "baseline" }

func (t baselineTarget) NewRequest(ctx context.Context, op Op, _, _ int) (*http.Request, error) {
	u := t.b.URL + "/" + strconv.Itoa(op.Size)
	if op.Method == http.MethodGet {
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}
	p := t.b.bodies[op.Size]
	return http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(p.data))
}
