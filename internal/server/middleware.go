package server

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// requestIDBytes: 8 random bytes = 16 upper-case hex characters, like AWS.
const requestIDBytes = 8

// newRequestID returns 16 upper-case hex characters from s.rand.
func (s *Server) newRequestID() string {
	var b [requestIDBytes]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		// crypto/rand does not fail on supported systems; keep serving with a
		// time-derived id rather than none.
		return strings.ToUpper(fmt.Sprintf("%016x", s.clock().UnixNano()))
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP is the outermost handler: request id, metrics, access log and
// panic recovery around the router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock()
	info := &reqctx.Info{ID: s.newRequestID()}
	ctx := reqctx.With(r.Context(), info)
	r = r.WithContext(ctx)
	w, r, endDeadlines := withTransferDeadlines(w, r, s.cfg.TransferIdleTimeout) // deadlines.go
	defer endDeadlines()
	rec := &recorder{ResponseWriter: w}
	rec.Header().Set("X-Amz-Request-Id", info.ID)
	endInFlight := s.metrics.Begin()

	defer func() {
		p := recover()
		abort := false
		if p != nil {
			abort = s.recoverPanic(rec, r, info, p)
		}
		endInFlight()
		d := s.clock().Sub(start)
		status := rec.statusCode()
		s.metrics.ObserveRequest(info.API, info.Op, status, d)
		s.accessLog(r, info, status, rec.bytes, d)
		if abort {
			panic(http.ErrAbortHandler)
		}
	}()
	s.route(rec, r)
}

// recoverPanic logs p and answers 500 InternalError if nothing was sent yet.
// It reports whether the connection must be aborted (a response was already
// under way, or the handler asked for the abort).
func (s *Server) recoverPanic(rec *recorder, r *http.Request, info *reqctx.Info, p any) bool {
	if p == http.ErrAbortHandler {
		if !rec.wroteHeader {
			rec.status = http.StatusInternalServerError
		}
		return true
	}
	s.log.ErrorContext(r.Context(), "panic while serving a request",
		slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
	if rec.wroteHeader {
		return true
	}
	writeInternalError(rec, r, info.ID)
	return false
}

// writeInternalError writes S3's InternalError document (the one error body
// every API of this port shares; S3 clients parse it).
func writeInternalError(w http.ResponseWriter, r *http.Request, requestID string) {
	h := w.Header()
	for k := range h {
		if k != "X-Amz-Request-Id" {
			delete(h, k)
		}
	}
	h.Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusInternalServerError)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>%s</RequestId></Error>`,
		requestID)
}

// isSensitiveQuery names the query parameters whose values never reach a log.
// X-Amz-Credential stays: an access key is not a secret and helps debugging.
func isSensitiveQuery(name string) bool {
	switch strings.ToLower(name) {
	case "x-amz-signature", "x-amz-security-token",
		"signature",        // SigV2 presigned URLs
		"webidentitytoken", // STS GET /?Action=...
		"code", "state":    // OAuth sign-in callback (/login/callback)
		return true
	}
	return false
}

// redactedQuery returns the raw query with secret values replaced.
func redactedQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
		if hasValue && isSensitiveQuery(name) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + "REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// accessLog writes one line per request. It never logs headers (Authorization,
// X-Amz-Security-Token) nor secret query values.
func (s *Server) accessLog(r *http.Request, info *reqctx.Info, status int, bytes int64, d time.Duration) {
	principal := info.Principal
	if principal == "" {
		principal = "-"
	}
	// Sized for every attribute, so appending never grows it.
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	)
	if q := redactedQuery(r.URL.RawQuery); q != "" {
		attrs = append(attrs, slog.String("query", q))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.Duration("duration", d),
		slog.String("api", orDash(info.API)),
		slog.String("op", orDash(info.Op)),
		slog.String("principal", principal),
		slog.String("remote", r.RemoteAddr),
	)
	// Straight to the handler: slog.Logger would also capture the caller's
	// PC (runtime.Callers, a fifth of a line's cost), which no handler here
	// prints (AddSource is off).
	h, ctx := s.accessLines, r.Context()
	if h == nil { // a Server not made by New (tests)
		h = s.log.Handler()
	}
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recorder remembers the status and counts the body bytes of a response.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64
}

func (w *recorder) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational responses (100 Continue) precede the real one.
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err //nolint:wrapcheck // an http.ResponseWriter's errors pass through unchanged
}

// ReadFrom keeps the underlying writer's sendfile path for GetObject.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{w.ResponseWriter}, src)
	}
	w.bytes += n
	return n, err //nolint:wrapcheck // pass-through
}

// Flush lets streaming handlers push bytes out.
func (w *recorder) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack is passed through (never used by fedstore's APIs today).
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response writer cannot hijack")
	}
	w.wroteHeader, w.status = true, http.StatusSwitchingProtocols
	return h.Hijack() //nolint:wrapcheck // pass-through
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) statusCode() int {
	if !w.wroteHeader {
		// A handler that wrote nothing sent 200 with an empty body.
		return http.StatusOK
	}
	return w.status
}
