package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseOps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []Op
		wantErr string
	}{
		{"get4k,put4k,get1m,put1m", []Op{{"get4k", "GET", 4096}, {"put4k", "PUT", 4096}, {"get1m", "GET", 1 << 20}, {"put1m", "PUT", 1 << 20}}, ""},
		{" GET16K ", []Op{{"get16k", "GET", 16 << 10}}, ""},
		{"get4k,get4k", nil, "listed twice"},
		{"delete4k", nil, "want get or put"},
		{"get0k", nil, "positive"},
		{"put65m", nil, "over the limit"},
		{",", nil, "no ops"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseOps(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseOps(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("ParseOps(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := func() Config {
		return Config{Endpoint: "http://127.0.0.1:9000", AccessKey: "a", SecretKey: "s", Bucket: "bench",
			Duration: time.Second, Concurrency: 4, Ops: []Op{{"get4k", "GET", 4096}}, MaxOps: 10}
	}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"localhost", func(c *Config) { c.Endpoint = "https://localhost:9443" }, ""},
		{"ipv6 loopback", func(c *Config) { c.Endpoint = "http://[::1]:9000" }, ""},
		{"private address", func(c *Config) { c.Endpoint = "http://10.0.0.5:9000" }, "only loopback"},
		{"public name", func(c *Config) { c.Endpoint = "http://example.com" }, "only loopback"},
		{"ftp", func(c *Config) { c.Endpoint = "ftp://127.0.0.1" }, "scheme"},
		{"both targets", func(c *Config) { c.ServerBin = "/bin/true" }, "exactly one"},
		{"no target", func(c *Config) { c.Endpoint = "" }, "exactly one"},
		{"no credentials", func(c *Config) { c.SecretKey = "" }, "credentials"},
		{"too long", func(c *Config) { c.Duration = time.Hour }, "--duration"},
		{"zero concurrency", func(c *Config) { c.Concurrency = 0 }, "--concurrency"},
		{"unbounded ops", func(c *Config) { c.MaxOps = 0 }, "--max-ops"},
		{"bad bucket", func(c *Config) { c.Bucket = "Bad_Bucket" }, "--bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ok()
			tc.mod(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
