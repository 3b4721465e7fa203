package main

import "testing"

func TestGCSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		percent int
		limit   int64
	}{
		{"defaults", nil, serverGCPercent, serverMemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "100"}, 0, serverMemoryLimit},
		{"GOGC off", map[string]string{"GOGC": "off"}, 0, serverMemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, serverGCPercent, 0},
		{"both set", map[string]string{"GOGC": "50", "GOMEMLIMIT": "64MiB"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, l := gcSettings(func(k string) string { return tc.env[k] })
			if p != tc.percent || l != tc.limit {
				t.Fatalf("gcSettings = %d, %d; want %d, %d", p, l, tc.percent, tc.limit)
			}
		})
	}
}
