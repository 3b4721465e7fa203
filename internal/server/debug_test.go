package server

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDebugAddressMustBeLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		wantErr bool
	}{
		{"", false},
		{"127.0.0.1:6060", false},
		{"[::1]:0", false},
		{"localhost:6060", false},
		{"0.0.0.0:6060", true},
		{":6060", true},
		{"10.1.2.3:6060", true},
		{"example.com:6060", true},
		{"127.0.0.1", true},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			t.Parallel()
			c := Config{DebugAddress: tc.addr}
			err := c.validateDebug()
			if (err != nil) != tc.wantErr {
				t.Fatalf("validateDebug(%q) = %v, want error %v", tc.addr, err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
		})
	}
	_, err := New(Config{DataDir: t.TempDir(), Address: "127.0.0.1:0", DebugAddress: "0.0.0.0:0",
		RootUser: testRootUser, RootPassword: testRootSecret})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("New with a public debug address: %v, want a loopback ErrConfig", err)
	}
}

func TestDebugListenerServesPprofOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	c := &http.Client{Timeout: 20 * time.Second}

	off := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	if off.s.DebugAddr() != nil {
		t.Fatalf("debug listener started without --debug-address")
	}
	if code, _ := get(t, c, off.url()+"/debug/pprof/"); code == http.StatusOK {
		t.Fatalf("pprof is served on the S3 listener")
	}

	on := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, DebugAddress: "127.0.0.1:0"})
	addr := on.s.DebugAddr()
	if addr == nil || !strings.HasPrefix(addr.String(), "127.0.0.1:") {
		t.Fatalf("DebugAddr = %v, want a 127.0.0.1 address", addr)
	}
	base := "http://" + addr.String()
	if code, body := get(t, c, base+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("GET /debug/pprof/: %d %.200s", code, body)
	}
	if code, body := get(t, c, base+"/debug/pprof/allocs?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Fatalf("GET allocs profile: %d %.200s", code, body)
	}
	if code, _ := get(t, c, base+"/debug/pprof/profile?seconds=1"); code != http.StatusOK {
		t.Fatalf("CPU profile: status %d", code)
	}
	if code, _ := get(t, c, base+"/minio/admin"); code != http.StatusNotFound {
		t.Fatalf("debug listener serves more than pprof: status %d", code)
	}
	if err := on.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := c.Get(base + "/debug/pprof/"); err == nil {
		t.Fatalf("debug listener still answers after Run returned")
	}
}
