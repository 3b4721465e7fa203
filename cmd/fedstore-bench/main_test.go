package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunRejectsBadInvocations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"non-loopback endpoint", []string{"--endpoint", "http://192.168.1.10:9000", "--access-key", "a", "--secret-key", "b"}, "only loopback"},
		{"no target", []string{"--duration", "1s"}, "exactly one of --endpoint or --server-bin"},
		{"bad op", []string{"--endpoint", "http://127.0.0.1:1", "--ops", "list4k"}, "--ops"},
		{"duration over the bound", []string{"--endpoint", "http://127.0.0.1:1", "--access-key", "a", "--secret-key", "b", "--duration", "2h"}, "--duration"},
		{"stray argument", []string{"--endpoint", "http://127.0.0.1:1", "extra"}, "unexpected arguments"},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestRunAgainstClosedEndpointFails(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	// Port 1 on loopback: nothing listens; preparing the bucket must fail fast.
	err := run([]string{"--endpoint", "http://127.0.0.1:1", "--access-key", "a", "--secret-key", "b", "--duration", "1s"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "create bucket") {
		t.Fatalf("run = %v, want a create bucket error", err)
	}
}
