package observe

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// BenchmarkAccessLine logs the server's access line (internal/server's
// accessLog: nine attributes plus the request id from the context) through
// slog's own handlers ("slog", the logger before the fast handler) and through
// NewLogger ("fast").
func BenchmarkAccessLine(b *testing.B) {
	ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "18C3F2A94B7E0D15"})
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	for _, format := range []string{FormatText, FormatJSON} {
		slogHandler := slog.Handler(slog.NewTextHandler(io.Discard, opts))
		if format == FormatJSON {
			slogHandler = slog.NewJSONHandler(io.Discard, opts)
		}
		fast, err := NewLogger(io.Discard, format, "info")
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range []struct {
			name string
			log  *slog.Logger
		}{
			{"slog", slog.New(WithRequestID(slogHandler))},
			{"fast", fast},
		} {
			b.Run(format+"/"+l.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					logAccessLine(ctx, l.log)
				}
			})
		}
	}
}

// logAccessLine mirrors internal/server's accessLog.
func logAccessLine(ctx context.Context, log *slog.Logger) {
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("method", "GET"),
		slog.String("path", "/photos/2026/11/29/IMG_0042.jpg"),
		slog.Int("status", 200),
		slog.Int64("bytes", 1048576),
		slog.Duration("duration", 1834*time.Microsecond),
		slog.String("api", "s3"),
		slog.String("op", "GetObject"),
		slog.String("principal", "AKIAIOSFODNN7EXAMPLE"),
		slog.String("remote", "192.0.2.10:53412"),
	)
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// BenchmarkAccessLineHandler is BenchmarkAccessLine without slog.Logger's
// share (the record, its attributes and the caller's pc): one prepared record
// handed to each handler, as the Logger hands it.
func BenchmarkAccessLineHandler(b *testing.B) {
	ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "18C3F2A94B7E0D15"})
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", "GET"),
		slog.String("path", "/photos/2026/11/29/IMG_0042.jpg"),
		slog.Int("status", 200),
		slog.Int64("bytes", 1048576),
		slog.Duration("duration", 1834*time.Microsecond),
		slog.String("api", "s3"),
		slog.String("op", "GetObject"),
		slog.String("principal", "AKIAIOSFODNN7EXAMPLE"),
		slog.String("remote", "192.0.2.10:53412"),
	)
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	for _, format := range []string{FormatText, FormatJSON} {
		slogHandler := slog.Handler(slog.NewTextHandler(io.Discard, opts))
		if format == FormatJSON {
			slogHandler = slog.NewJSONHandler(io.Discard, opts)
		}
		for _, h := range []struct {
			name string
			h    slog.Handler
		}{
			{"slog", WithRequestID(slogHandler)},
			{"fast", WithRequestID(newFastHandler(io.Discard, format == FormatJSON, opts))},
		} {
			b.Run(format+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := h.h.Handle(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
