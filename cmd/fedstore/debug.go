package main

import "github.com/spf13/pflag"

// debugFlags configure the opt-in pprof listener (internal/server/debug.go).
type debugFlags struct {
	address string
}

func addDebugServerFlags(fl *pflag.FlagSet, f *debugFlags) {
	fl.StringVar(&f.address, "debug-address", "",
		"loopback host:port for Go's pprof profiles (/debug/pprof/), e.g. 127.0.0.1:6060; off when empty")
}
