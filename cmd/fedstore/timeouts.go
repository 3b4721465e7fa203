package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/fedstore/fedstore/internal/server"
)

// timeoutFlags bound slow clients (see internal/server/deadlines.go).
type timeoutFlags struct {
	readHeader   time.Duration
	transferIdle time.Duration
	idle         time.Duration
}

func addTimeoutServerFlags(fl *pflag.FlagSet, f *timeoutFlags) {
	fl.DurationVar(&f.readHeader, "read-header-timeout", server.DefaultReadHeaderTimeout,
		"longest time a client may take to send a request's line and headers")
	fl.DurationVar(&f.transferIdle, "transfer-idle-timeout", server.DefaultTransferIdleTimeout,
		"longest stall while a request body is received or a response sent (no byte moving); large transfers are not cut off while they progress")
	fl.DurationVar(&f.idle, "idle-timeout", server.DefaultIdleTimeout,
		"how long a keep-alive connection may wait for its next request")
}
