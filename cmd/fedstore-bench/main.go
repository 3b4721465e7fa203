// Command fedstore-bench is a bounded load tool for fedstore: it measures
// GET/PUT throughput and latency against a server on the loopback interface
// (one it is given with --endpoint, or one it starts from --server-bin), and
// the same client against a bare net/http baseline, then prints a table and
// the fedstore/baseline ratios, and optionally writes JSON.
//
//	fedstore-bench --server-bin ./fedstore --duration 10s --concurrency 16 \
//	    --ops get4k,put4k,get1m,put1m --json-out bench.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fedstore/fedstore/internal/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fedstore-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fedstore-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     bench.Config
		ops     string
		jsonOut string
		quiet   bool
	)
	fs.StringVar(&cfg.Endpoint, "endpoint", "", "URL of a running fedstore on a loopback address, e.g. http://127.0.0.1:9000")
	fs.StringVar(&cfg.ServerBin, "server-bin", "", "fedstore binary to start on 127.0.0.1:0 with a temp data dir (instead of --endpoint)")
	fs.StringVar(&cfg.DataDir, "data", "", "with --server-bin: data dir to use (kept) instead of a temp one")
	fs.StringVar(&cfg.AccessKey, "access-key", os.Getenv("FEDSTORE_ROOT_USER"), "with --endpoint: access key (default $FEDSTORE_ROOT_USER)")
	fs.StringVar(&cfg.SecretKey, "secret-key", "", "with --endpoint: secret key (default $FEDSTORE_ROOT_PASSWORD)")
	fs.StringVar(&cfg.Region, "region", "us-east-1", "SigV4 region")
	fs.StringVar(&cfg.CACertFile, "ca-cert", "", "PEM CA bundle to trust for an https endpoint")
	fs.StringVar(&cfg.Bucket, "bucket", "fedstore-bench", "bucket to create and use")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long each op runs against each target (max 10m)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "concurrent clients")
	fs.StringVar(&ops, "ops", "get4k,put4k,get1m,put1m", "comma-separated ops: get|put followed by a size (4k, 1m, ...)")
	fs.Int64Var(&cfg.MaxOps, "max-ops", bench.DefaultMaxOps, "upper bound on the requests of one op against one target")
	fs.BoolVar(&cfg.SkipBaseline, "no-baseline", false, "skip the net/http baseline")
	fs.StringVar(&jsonOut, "json-out", "", "write the results as JSON to this file")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines, only the final table")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fedstore-bench (--endpoint URL | --server-bin PATH) [flags]\n\n"+
			"Runs a bounded GET/PUT load against fedstore on the loopback interface and against\n"+
			"a bare net/http baseline with the same client, and prints ops/s, MiB/s, p50, p99,\n"+
			"the server's RSS (when it started the server) and the fedstore/baseline ratios.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = os.Getenv("FEDSTORE_ROOT_PASSWORD")
	}
	parsed, err := bench.ParseOps(ops)
	if err != nil {
		return fmt.Errorf("--ops: %w", err)
	}
	cfg.Ops = parsed

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	progress := stderr
	if quiet {
		progress = io.Discard
	}
	rep, err := bench.Run(ctx, cfg, progress, log, time.Now)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if jsonOut != "" {
		if err := rep.WriteJSONFile(jsonOut); err != nil {
			return err
		}
	}
	return nil
}
