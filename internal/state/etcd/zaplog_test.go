package etcd

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"go.uber.org/zap"
)

func TestZapToSlog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := zapToSlog(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	log.Info("dropped below the handler's level")
	log.With(zap.String("endpoint", "e:2379")).Warn("retrying", zap.Int("attempt", 3), zap.Error(errors.New("boom")))
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("want exactly one JSON record, got %q: %v", buf.String(), err)
	}
	want := map[string]any{"level": "WARN", "msg": "retrying", "component": "etcd-client", "endpoint": "e:2379", "attempt": float64(3), "error": "boom"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v (record %v)", k, rec[k], v, rec)
		}
	}
}
