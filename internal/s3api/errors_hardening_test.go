package s3api

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// TestHardeningErrors: a full disk and a stalled body get their own codes,
// with fixed messages that carry no operating-system text.
func TestHardeningErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		code   code
		status int
	}{
		{"disk full", fmt.Errorf("%w: %w", object.ErrNoSpace, &os.PathError{Op: "write", Path: "/data/.fedstore/tmp/x", Err: syscall.ENOSPC}), codeServiceUnavailable, http.StatusServiceUnavailable},
		{"stalled body", fmt.Errorf("posix: reading body: server: stalled: %w", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), codeRequestTimeout, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, ok := toAPIError(tc.err)
			if !ok || e.code != tc.code || e.code.status() != tc.status {
				t.Fatalf("toAPIError(%v) = %v (known %v); want %s %d", tc.err, e, ok, tc.code, tc.status)
			}
			if e.message == "" || containsAny(e.message, "/data", "tcp", "posix") {
				t.Errorf("message %q is empty or leaks internals", e.message)
			}
		})
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
