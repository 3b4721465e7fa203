package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

const testIdle = 300 * time.Millisecond

// bodyEcho reads the whole body (and once more after its end, as decoders
// do), waits (a long commit), and answers 200 with the byte count, or 400
// with the read error; 499 if the context ended.
func bodyEcho(work time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err == nil {
			_, _ = r.Body.Read(make([]byte, 1))
		}
		if err != nil {
			status := http.StatusBadRequest
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				status = http.StatusInternalServerError
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, err.Error())
			return
		}
		time.Sleep(work)
		if r.Context().Err() != nil {
			w.WriteHeader(499)
			return
		}
		_, _ = fmt.Fprintf(w, "%d", len(b))
	})
}

func startDeadlineServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s, _ := newBareServer(t, h)
	s.cfg.TransferIdleTimeout = testIdle
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String()
}

// send writes a PUT with a Content-Length of total and the given slices,
// pausing before each, and returns the answer (status, body).
func send(t *testing.T, c net.Conn, br *bufio.Reader, total int, slices []string, pause time.Duration) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", total); err != nil {
		t.Fatal(err)
	}
	for _, s := range slices {
		time.Sleep(pause)
		if _, err := io.WriteString(c, s); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func TestTransferIdleDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		total      int
		slices     []string
		pause      time.Duration
		work       time.Duration
		wantStatus int
		wantBody   string
	}{
		{"steady body longer than the idle timeout", 50, []string{strings.Repeat("a", 10), strings.Repeat("b", 10), strings.Repeat("c", 10), strings.Repeat("d", 10), strings.Repeat("e", 10)}, testIdle / 2, 0, 200, "50"},
		{"body stalls", 50, []string{strings.Repeat("a", 10)}, 0, 0, 400, "stalled"},
		{"long work after the body keeps its context", 10, []string{strings.Repeat("a", 10)}, 0, 3 * testIdle, 200, "10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startDeadlineServer(t, bodyEcho(tc.work))
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			status, body := send(t, c, bufio.NewReader(c), tc.total, tc.slices, tc.pause)
			if status != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Errorf("answer %d %q after %v; want %d containing %q", status, body, time.Since(start), tc.wantStatus, tc.wantBody)
			}
		})
	}
}

// TestTransferDeadlineClearedBetweenRequests: a keep-alive connection that
// waits longer than the idle timeout between requests still works.
func TestTransferDeadlineClearedBetweenRequests(t *testing.T) {
	t.Parallel()
	addr := startDeadlineServer(t, bodyEcho(0))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 2 {
		status, body := send(t, c, br, 4, []string{"abcd"}, 0)
		if status != 200 || body != "4" {
			t.Fatalf("request %d on one connection: %d %q", i, status, body)
		}
		time.Sleep(3 * testIdle)
	}
}

func TestValidateTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"defaults", Config{DataDir: "d"}, ""},
		{"short but allowed", Config{DataDir: "d", ReadHeaderTimeout: minTimeout, TransferIdleTimeout: time.Second, IdleTimeout: time.Second}, ""},
		{"negative", Config{DataDir: "d", TransferIdleTimeout: -time.Second}, "--transfer-idle-timeout -1s must be at least 100ms"},
		{"too short", Config{DataDir: "d", ReadHeaderTimeout: time.Millisecond}, "--read-header-timeout 1ms must be at least 100ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.applyDefaults()
			err := cfg.validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("validate() = %v", err)
				}
				if cfg.ReadHeaderTimeout <= 0 || cfg.TransferIdleTimeout <= 0 || cfg.IdleTimeout <= 0 {
					t.Errorf("defaults not applied: %+v", cfg)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(fmt.Sprint(err), tc.wantErr) {
				t.Fatalf("validate() = %v, want ErrConfig with %q", err, tc.wantErr)
			}
		})
	}
}
