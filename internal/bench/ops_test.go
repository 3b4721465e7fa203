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
		{"get4k,put4k,get1m,put1m", []Op{{"get4k", "GET", 4096, false}, {"put4k", "PUT", 4096, false}, {"get1m", "GET", 1 << 20, false}, {"put1m", "PUT", 1 << 20, false}}, ""},
		{" GET16K ", []Op{{"get16k", "GET", 16 << 10, false}}, ""},
		{"get4k-temp,sts", []Op{{"get4k-temp", "GET", 4096, true}, {"sts", MethodSTS, 0, false}}, ""},
		{"sts,sts", nil, "listed twice"},
		{"put4k-tmp", nil, "want sts"},
		{"get4k,get4k", nil, "listed twice"},
		{"delete4k", nil, "get or put followed by a size"},
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
			Duration: time.Second, Concurrency: []int{4}, Ops: []Op{{Name: "get4k", Method: "GET", Size: 4096}}, MaxOps: 10}
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
		{"zero concurrency", func(c *Config) { c.Concurrency = []int{8, 0} }, "--concurrency"},
		{"no concurrency", func(c *Config) { c.Concurrency = nil }, "--concurrency"},
		{"sts without a token", func(c *Config) { c.Ops = append(c.Ops, Op{Name: "sts", Method: MethodSTS}) }, "--token-file"},
		{"sts with a token", func(c *Config) {
			c.Ops = append(c.Ops, Op{Name: "sts", Method: MethodSTS})
			c.RoleARN, c.TokenFile = DevRoleARN, "/tmp/token"
		}, ""},
		{"unbounded ops", func(c *Config) { c.MaxOps = 0 }, "--max-ops"},
		{"bad bucket", func(c *Config) { c.Bucket = "Bad_Bucket" }, "--bucket"},
		{"temp duration", func(c *Config) { c.TempDuration, c.TempRounds = 10*time.Second, 10 }, ""},
		{"temp duration too long", func(c *Config) { c.TempDuration = time.Hour }, "--temp-duration"},
		{"negative temp duration", func(c *Config) { c.TempDuration = -time.Second }, "--temp-duration"},
		{"too many temp rounds", func(c *Config) { c.TempRounds = 101 }, "--temp-rounds"},
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

// TestDurationOf: --temp-duration and --temp-rounds apply to the -temp
// ops only, and only when set.
func TestDurationOf(t *testing.T) {
	t.Parallel()
	get := Op{Name: "get4k", Method: "GET", Size: 4096}
	temp := Op{Name: "get4k-temp", Method: "GET", Size: 4096, Temp: true}
	c := Config{Duration: 3 * time.Second, Rounds: 4}
	if d, r := c.durationOf(temp); d != 3*time.Second || r != 4 {
		t.Errorf("unset: temp op runs %s in %d rounds", d, r)
	}
	c.TempDuration, c.TempRounds = 10*time.Second, 10
	if d, r := c.durationOf(temp); d != 10*time.Second || r != 10 {
		t.Errorf("temp op runs %s in %d rounds, want 10s in 10", d, r)
	}
	if d, r := c.durationOf(get); d != 3*time.Second || r != 4 {
		t.Errorf("get4k runs %s in %d rounds, want --duration and --rounds", d, r)
	}
	c.TempRounds = 0
	if _, r := c.durationOf(temp); r != 4 {
		t.Errorf("temp rounds unset: %d rounds, want --rounds", r)
	}
}

func TestParseConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"16", []int{16}, ""},
		{"1, 8,32", []int{1, 8, 32}, ""},
		{"1,,64", []int{1, 64}, ""},
		{"8,8", nil, "twice"},
		{"0", nil, "whole number"},
		{"513", nil, "whole number"},
		{"four", nil, "whole number"},
		{"", nil, "no concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConcurrency(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseConcurrency(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !cmp.Equal(got, tc.want) {
				t.Fatalf("ParseConcurrency(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
