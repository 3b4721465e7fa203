package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/reqctx"
)

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{"", slog.LevelInfo, false},
		{"warn", slog.LevelWarn, false},
		{"warning", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"verbose", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLevel(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseLevel(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseLevel(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewLoggerFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		level  string
		// check inspects the output of one Info line logged with a request id.
		check   func(t *testing.T, out string)
		wantErr string
	}{
		{
			name: "json has request id", format: "json", level: "info",
			check: func(t *testing.T, out string) {
				var m map[string]any
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatalf("not JSON: %v: %q", err, out)
				}
				if m[RequestIDKey] != "0123456789ABCDEF" || m["msg"] != "hello" || m["k"] != "v" {
					t.Errorf("unexpected record %v", m)
				}
			},
		},
		{
			name: "text has request id", format: "text", level: "debug",
			check: func(t *testing.T, out string) {
				if !strings.Contains(out, "request_id=0123456789ABCDEF") || !strings.Contains(out, "msg=hello") {
					t.Errorf("unexpected line %q", out)
				}
			},
		},
		{
			name: "level filters", format: "text", level: "error",
			check: func(t *testing.T, out string) {
				if out != "" {
					t.Errorf("info line logged at level error: %q", out)
				}
			},
		},
		{name: "bad format", format: "xml", level: "info", wantErr: `unknown log format "xml"`},
		{name: "bad level", format: "json", level: "loud", wantErr: `unknown log level "loud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log, err := NewLogger(&buf, tt.format, tt.level)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewLogger error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "0123456789ABCDEF"})
			log.With("k", "v").InfoContext(ctx, "hello")
			tt.check(t, strings.TrimSpace(buf.String()))
		})
	}
}

func TestLoggerWithoutRequestID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("no context")
	log.InfoContext(context.Background(), "empty context")
	if strings.Contains(buf.String(), RequestIDKey) {
		t.Errorf("request_id logged without a request: %q", buf.String())
	}
	if got := strings.Count(buf.String(), "\n"); got != 2 {
		t.Errorf("got %d lines, want 2: %q", got, buf.String())
	}
}
