package s3api

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

type failingReader struct{ data []byte }

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestWriteResponseBody: small bodies (one read into a pooled buffer) and
// large ones (io.Copy) send the same bytes, a body shorter than declared is
// sent as far as it goes without a log line (as io.Copy did), and a read
// error is logged.
func TestWriteResponseBody(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("0123456789abcdef"), maxBufferedBody/16+1)
	cases := []struct {
		name    string
		body    io.Reader
		size    int64
		want    string
		wantLog bool
	}{
		{"empty", strings.NewReader(""), 0, "", false},
		{"small", strings.NewReader("hello"), 5, "hello", false},
		{"limit", bytes.NewReader(long[:maxBufferedBody]), maxBufferedBody, string(long[:maxBufferedBody]), false},
		{"over the limit", bytes.NewReader(long[:maxBufferedBody+1]), maxBufferedBody + 1, string(long[:maxBufferedBody+1]), false},
		{"range of a larger body", &io.LimitedReader{R: strings.NewReader("abcdefgh"), N: 3}, 3, "abc", false},
		{"shorter than declared", strings.NewReader("abcd"), 10, "abcd", false},
		{"empty, declared longer", strings.NewReader(""), 10, "", false},
		{"read error", &failingReader{data: []byte("abc")}, 10, "abc", true},
		{"read error, large", &failingReader{data: []byte("abc")}, maxBufferedBody + 10, "abc", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			h := &handler{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/bkt/key", nil)
			closed := false
			h.writeResponse(rec, req, &response{body: c.body, closer: closerFunc(func() error { closed = true; return nil }), size: c.size}, nil)
			if got := rec.Body.String(); got != c.want {
				t.Errorf("body %d bytes %.20q, want %d bytes %.20q", len(got), got, len(c.want), c.want)
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.FormatInt(c.size, 10) {
				t.Errorf("Content-Length %q, want %d", got, c.size)
			}
			if hasLog := strings.Contains(logs.String(), "body copy ended early"); hasLog != c.wantLog {
				t.Errorf("log %q, want a copy error logged: %v", logs.String(), c.wantLog)
			}
			if !closed {
				t.Error("the body was not closed")
			}
		})
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
