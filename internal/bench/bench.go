package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Run performs the benchmark described by cfg: it starts the server when
// cfg.ServerBin is set (with --dev when an op needs STS), prepares the
// bucket, measures the in-process yardsticks (RS256 verification, hashing),
// then for every concurrency and op runs fedstore (and, for plain GET/PUT,
// the net/http baseline) for cfg.Duration each, and returns the report.
// progress receives one line per finished run (may be io.Discard).
func Run(ctx context.Context, cfg Config, progress io.Writer, log *slog.Logger, now func() time.Time) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rep := &Report{Started: now().UTC(), DurationSec: cfg.Duration.Seconds(), Concurrency: cfg.Concurrency}
	withSTS := needsSTS(cfg.Ops)

	var proc *Process
	if cfg.ServerBin != "" {
		args := slices.Clone(cfg.ServerArgs)
		if withSTS {
			args = append(args, "--dev")
		}
		p, err := StartServer(ctx, cfg.ServerBin, cfg.DataDir, args...)
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

	hc, err := newHTTPClient(slices.Max(cfg.Concurrency), cfg.CACertFile)
	if err != nil {
		return nil, err
	}
	defer hc.CloseIdleConnections()

	var sts *stsTarget
	if withSTS {
		if sts, err = newSTSTarget(ctx, cfg, proc); err != nil {
			return nil, err
		}
	}
	bodies := newPayloads(cfg.Ops)
	s3t := newS3Target(cfg, bodies, now)
	if err := s3t.prepare(ctx, hc, cfg.Ops); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	var temp *s3Target
	if sts != nil && slices.ContainsFunc(cfg.Ops, func(o Op) bool { return o.Temp }) {
		creds, err := sts.waitForExchange(ctx, hc)
		if err != nil {
			return nil, err
		}
		temp = s3t.withCredentials(creds)
	} else if sts != nil {
		if _, err := sts.waitForExchange(ctx, hc); err != nil {
			return nil, err
		}
	}
	if proc != nil {
		// Idle: started, bucket and seed objects written, no load yet.
		hc.CloseIdleConnections()
		time.Sleep(200 * time.Millisecond)
		if rss, _, err := RSS(proc.PID); err == nil {
			rep.ServerIdleRSSMiB = float64(rss) / (1 << 20)
		}
	}

	rates, err := measureCPU(ctx, cfg.VerifyFor)
	if err != nil {
		return nil, err
	}
	rep.CPU = rates
	fmt.Fprintf(progress, "in-process: RS256 verify %.0f/s on %d cores, MD5+SHA-256 %.0f MiB/s, MD5 %.0f MiB/s on one core\n",
		rates.RS256VerifyPerSec, rates.RS256Workers, rates.MD5SHA256MiBPerSec, rates.MD5MiBPerSec)

	var base *Baseline
	if !cfg.SkipBaseline {
		base, err = StartBaseline(cfg.Ops)
		if err != nil {
			return nil, err
		}
		defer func() { _ = base.Close() }()
	}

	for _, conc := range cfg.Concurrency {
		for _, op := range cfg.Ops {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			d, rounds := cfg.durationOf(op)
			results := runInterleaved(ctx, hc, targetsFor(op, s3t, temp, sts, base), op, conc, d, cfg.MaxOps, rounds)
			if op.Method == http.MethodPut {
				settleWrites()
			}
			for _, res := range results {
				if proc != nil && res.Target != "baseline" {
					if rss, _, err := RSS(proc.PID); err == nil {
						res.ServerRSSMiB = float64(rss) / (1 << 20)
					}
				}
				rep.Results = append(rep.Results, res)
				fmt.Fprintf(progress, "%-10s %-9s c=%-3d %9.1f ops/s  %7.1f MiB/s  p50 %s  p99 %s  errors %d\n",
					res.Op, res.Target, res.Concurrency, res.OpsPerSec, res.MiBPerSec, fmtMs(res.P50Ms), fmtMs(res.P99Ms), res.Errors)
			}
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

// targetsFor lists what op runs against, interleaved: plain GET/PUT on
// fedstore with root credentials and on the baseline; -temp ops with
// temporary credentials and, as "root", the same requests with root
// credentials; sts on the STS endpoint.
func targetsFor(op Op, s3t, temp *s3Target, sts *stsTarget, base *Baseline) []Target {
	switch {
	case op.Method == MethodSTS:
		return []Target{sts}
	case op.Temp:
		root := *s3t
		root.label = "root"
		return []Target{temp, &root}
	case base != nil:
		return []Target{s3t, baselineTarget{b: base}}
	default:
		return []Target{s3t}
	}
}

// newSTSTarget gets the tokens: minted by a started --dev server's IdP, or
// read from cfg.TokenFile.
func newSTSTarget(ctx context.Context, cfg Config, proc *Process) (*stsTarget, error) {
	t := &stsTarget{endpoint: cfg.Endpoint, roleARN: cfg.RoleARN}
	if proc != nil {
		toks, err := mintDevTokens(ctx, cfg.ServerBin, proc.DataDir, devTokens)
		if err != nil {
			return nil, err
		}
		t.tokens = toks
		if t.roleARN == "" {
			t.roleARN = DevRoleARN
		}
		return t, nil
	}
	tok, err := readToken(cfg.TokenFile)
	if err != nil {
		return nil, err
	}
	t.tokens = []string{tok}
	return t, nil
}

// withCredentials is a copy of s signing with creds (temporary ones carry
// a session token, sent as X-Amz-Security-Token).
func (s *s3Target) withCredentials(creds aws.Credentials) *s3Target {
	c := *s
	c.signer = newSigner(creds, s.region)
	c.signed = &signCache{} // signatures of other credentials
	return &c
}

// settleWrites flushes what a PUT op left dirty in the page cache before
// the next op is measured: the kernel's writeback (with ext4's delayed
// allocation, block allocation happens there) would otherwise run on the
// same two cores during the next op's measurement. The server is on
// loopback, so this machine's sync(2) covers its data directory.
func settleWrites() {
	syscall.Sync()
}
