package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Run performs the benchmark described by cfg: it starts the server when
// cfg.ServerBin is set, prepares the bucket, then for every op runs fedstore
// and the baseline for cfg.Duration each, and returns the report. progress
// receives one line per finished run (may be io.Discard).
func Run(ctx context.Context, cfg Config, progress io.Writer, log *slog.Logger, now func() time.Time) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rep := &Report{Started: now().UTC(), DurationSec: cfg.Duration.Seconds(), Concurrency: cfg.Concurrency}

	var proc *Process
	if cfg.ServerBin != "" {
		p, err := StartServer(ctx, cfg.ServerBin, cfg.DataDir)
		if err != nil {
			return nil, err
		}
		proc = p
		defer func() {
			if err := proc.Stop(); err != nil {
				log.Warn("stopping the server", "err", err)
			}
		}()
		cfg.Endpoint, cfg.AccessKey, cfg.SecretKey, rep.StartedServer = p.URL, p.AccessKey, p.SecretKey, true
		log.Info("started fedstore", "url", p.URL, "pid", p.PID, "data", p.DataDir)
	}
	rep.Endpoint = cfg.Endpoint

	hc, err := newHTTPClient(cfg.Concurrency, cfg.CACertFile)
	if err != nil {
		return nil, err
	}
	defer hc.CloseIdleConnections()
	bodies := newPayloads(cfg.Ops)
	s3t := newS3Target(cfg, bodies, now)
	if err := s3t.prepare(ctx, hc, cfg.Ops); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}

	var base *Baseline
	if !cfg.SkipBaseline {
		base, err = StartBaseline(cfg.Ops)
		if err != nil {
			return nil, err
		}
		defer func() { _ = base.Close() }()
	}

	for _, op := range cfg.Ops {
		targets := []Target{s3t}
		if base != nil {
			targets = append(targets, baselineTarget{b: base})
		}
		for _, tg := range targets {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			res := runOp(ctx, hc, tg, op, cfg.Concurrency, cfg.Duration, cfg.MaxOps)
			if proc != nil && tg.Name() == "fedstore" {
				if rss, _, err := RSS(proc.PID); err == nil {
					res.ServerRSSMiB = float64(rss) / (1 << 20)
				}
			}
			rep.Results = append(rep.Results, res)
			fmt.Fprintf(progress, "%-8s %-9s %8.1f ops/s  %7.1f MiB/s  p50 %s  p99 %s  errors %d\n",
				res.Op, res.Target, res.OpsPerSec, res.MiBPerSec, fmtMs(res.P50Ms), fmtMs(res.P99Ms), res.Errors)
			hc.CloseIdleConnections() // each run starts with fresh connections
		}
	}
	if proc != nil {
		if _, peak, err := RSS(proc.PID); err == nil {
			rep.ServerPeakRSSMiB = float64(peak) / (1 << 20)
		}
	}
	rep.addRatios()
	return rep, nil
}
