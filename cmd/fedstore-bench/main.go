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
	"runtime/pprof"
	"strings"
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
		cfg        bench.Config
		ops        string
		conc       string
		jsonOut    string
		quiet      bool
		serverArgs string
		plotOut    string
		plotFrom   string
		cpuProfile string
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
	fs.StringVar(&conc, "concurrency", "16", "comma-separated numbers of concurrent clients; every op runs at each (e.g. 1,8,32)")
	fs.StringVar(&ops, "ops", "get4k,put4k,get1m,put1m", "comma-separated ops: get|put followed by a size (4k, 1m, ...), the same with -temp\n"+
		"(signed with temporary credentials from STS), or sts (AssumeRoleWithWebIdentity exchanges)")
	fs.StringVar(&cfg.RoleARN, "role-arn", "", "with --endpoint: the role the sts and -temp ops assume (default with --server-bin: "+bench.DevRoleARN+")")
	fs.StringVar(&cfg.TokenFile, "token-file", "", "with --endpoint: a file holding the web-identity token (JWT) for the sts and -temp ops")
	fs.StringVar(&serverArgs, "server-args", "", "with --server-bin: extra server flags, space-separated (e.g. \"--debug-address 127.0.0.1:6060\")")
	fs.DurationVar(&cfg.VerifyFor, "yardstick-duration", time.Second, "how long the in-process RS256 and hashing rate loops run")
	fs.Int64Var(&cfg.MaxOps, "max-ops", bench.DefaultMaxOps, "upper bound on the requests of one op against one target")
	fs.BoolVar(&cfg.SkipBaseline, "no-baseline", false, "skip the net/http baseline")
	fs.IntVar(&cfg.Rounds, "rounds", 4, "alternate the compared targets (fedstore/baseline, temporary/root credentials) in this many slices of --duration,\n"+
		"every other round in reverse order (an even count runs each first equally often)")
	fs.DurationVar(&cfg.TempDuration, "temp-duration", 0, "for the -temp ops, instead of --duration: the temporary/root ratio compares two nearly equal\n"+
		"rates and needs longer runs (make bench: 10s)")
	fs.IntVar(&cfg.TempRounds, "temp-rounds", 0, "for the -temp ops, instead of --rounds (make bench: 10)")
	fs.StringVar(&jsonOut, "json-out", "", "write the results as JSON to this file")
	fs.StringVar(&plotOut, "plot-out", "", "draw ops/s against concurrency for every fedstore op into this PNG file")
	fs.StringVar(&plotFrom, "plot-from", "", "instead of running: read a --json-out file and draw it into --plot-out")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines, only the final table")
	fs.StringVar(&cpuProfile, "cpu-profile", "", "write the load tool's own CPU profile to this file (to see what the client costs)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fedstore-bench (--endpoint URL | --server-bin PATH) [flags]\n\n"+
			"Runs a bounded GET/PUT/STS load against fedstore on the loopback interface and GET/PUT\n"+
			"against a bare net/http baseline with the same client, at each concurrency, and prints\n"+
			"ops/s, MiB/s, p50, p99, the server's RSS (when it started the server), the same run's\n"+
			"RS256 verification and hashing rates, and the ratios (fedstore/baseline, temporary/root\n"+
			"credentials, exchanges/RS256 verifications).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if plotFrom != "" {
		return replot(plotFrom, plotOut)
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = os.Getenv("FEDSTORE_ROOT_PASSWORD")
	}
	parsed, err := bench.ParseOps(ops)
	if err != nil {
		return fmt.Errorf("--ops: %w", err)
	}
	cfg.Ops = parsed
	if cfg.Concurrency, err = bench.ParseConcurrency(conc); err != nil {
		return fmt.Errorf("--concurrency: %w", err)
	}
	cfg.ServerArgs = strings.Fields(serverArgs)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	progress := stderr
	if quiet {
		progress = io.Discard
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer pprof.StopCPUProfile()
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
	if plotOut != "" {
		if err := rep.WritePlotFile(plotOut); err != nil {
			return err
		}
	}
	return nil
}

// replot draws a saved report.
func replot(from, to string) error {
	if to == "" {
		return errors.New("--plot-from needs --plot-out")
	}
	rep, err := bench.ReadJSONFile(from)
	if err != nil {
		return err
	}
	return rep.WritePlotFile(to)
}
