package main

import "runtime/debug"

// The server's garbage-collector defaults. A request allocates a few KiB
// that die with it and the live heap is small (tens of MiB), so Go's
// default GOGC=100 collects very often: at 32 clients a quarter more 4 KiB
// GETs per second with GOGC=400 (docs/performance.md). The memory limit
// makes the collector work harder before the process nears the memory
// target (256 MiB at 64 clients) instead. GOGC and GOMEMLIMIT in the
// environment win over both.
const (
	serverGCPercent   = 400
	serverMemoryLimit = 192 << 20
)

// gcSettings returns the GC percent and soft memory limit to set; 0 leaves
// the runtime's own (the environment's) setting alone.
func gcSettings(getenv func(string) string) (percent int, limit int64) {
	if getenv("GOGC") == "" {
		percent = serverGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		limit = serverMemoryLimit
	}
	return percent, limit
}

// tuneGC applies gcSettings to the running process.
func tuneGC(getenv func(string) string) {
	percent, limit := gcSettings(getenv)
	if percent > 0 {
		debug.SetGCPercent(percent)
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}
