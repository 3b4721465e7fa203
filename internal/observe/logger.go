package observe

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// Log formats accepted by NewLogger.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// RequestIDKey is the attribute name of the request id on every log line.
const RequestIDKey = "request_id"

// ParseLevel turns "debug", "info", "warn"/"warning" or "error" (any case)
// into a slog level.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
}

// NewLogger returns a logger writing format ("text" or "json") to w at level
// and above. Every record logged with a context that carries a reqctx.Info
// with an id gets a request_id attribute. The lines are byte for byte those of
// slog.NewTextHandler or slog.NewJSONHandler, written by a faster handler.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(format) {
	case FormatText, "":
		h = newFastHandler(w, false, opts)
	case FormatJSON:
		h = newFastHandler(w, true, opts)
	default:
		return nil, fmt.Errorf("unknown log format %q (want text or json)", format)
	}
	return slog.New(WithRequestID(h)), nil
}

// WithRequestID wraps h so that records logged with a request's context carry
// its request id.
func WithRequestID(h slog.Handler) slog.Handler {
	return requestIDHandler{next: h}
}

type requestIDHandler struct {
	next slog.Handler
}

func (h requestIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	var id string
	if ctx != nil {
		id = reqctx.From(ctx).ID
	}
	var err error
	switch next := h.next.(type) {
	case *fastHandler:
		// Appends the id after r's attributes without cloning r.
		err = next.handle(ctx, r, id)
	default:
		if id != "" {
			r = r.Clone()
			r.AddAttrs(slog.String(RequestIDKey, id))
		}
		err = h.next.Handle(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("observe: log handler: %w", err)
	}
	return nil
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{next: h.next.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{next: h.next.WithGroup(name)}
}
