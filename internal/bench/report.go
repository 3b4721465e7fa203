package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Ratio compares fedstore with a reference for one op at one concurrency.
type Ratio struct {
	Op          string `json:"op"`
	Concurrency int    `json:"concurrency"`
	// Against names the reference: "baseline" (bare net/http), "root"
	// (the same requests with root credentials, interleaved with the
	// -temp op's) or "rs256" (the
	// in-process RS256 verification rate, for sts).
	Against string `json:"against"`
	// OpsPerSec is fedstore ops/s divided by the reference's (1 = as fast).
	OpsPerSec float64 `json:"ops_per_sec"`
	// P50 and P99 are fedstore latency divided by the reference's (0 for
	// rs256, which has no latency).
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Report is everything one run measured.
type Report struct {
	Started       time.Time `json:"started"`
	Endpoint      string    `json:"endpoint"`
	StartedServer bool      `json:"started_server"`
	DurationSec   float64   `json:"duration_per_run_sec"`
	Concurrency   []int     `json:"concurrency"`
	CPU           CPURates  `json:"cpu"`
	Results       []Result  `json:"results"`
	Ratios        []Ratio   `json:"ratios,omitempty"`
	// ServerIdleRSSMiB is the started server's VmRSS before any load;
	// ServerPeakRSSMiB its VmHWM at the end.
	ServerIdleRSSMiB float64 `json:"server_idle_rss_mib,omitempty"`
	ServerPeakRSSMiB float64 `json:"server_peak_rss_mib,omitempty"`
}

// addRatios derives the Ratios: fedstore against the baseline for plain
// GET/PUT, -temp ops against the same op with root credentials, sts
// against the RS256 verification rate.
func (r *Report) addRatios() {
	type key struct {
		op, target string
		conc       int
	}
	by := map[key]Result{}
	for _, res := range r.Results {
		by[key{res.Op, res.Target, res.Concurrency}] = res
	}
	for _, res := range r.Results {
		if res.Target != "fedstore" {
			continue
		}
		switch {
		case res.Op == "sts":
			r.Ratios = append(r.Ratios, Ratio{Op: res.Op, Concurrency: res.Concurrency, Against: "rs256",
				OpsPerSec: div(res.OpsPerSec, r.CPU.RS256VerifyPerSec)})
		case strings.HasSuffix(res.Op, "-temp"):
			if b, ok := by[key{res.Op, "root", res.Concurrency}]; ok {
				r.Ratios = append(r.Ratios, ratio(res, b, "root"))
			}
		default:
			if b, ok := by[key{res.Op, "baseline", res.Concurrency}]; ok {
				r.Ratios = append(r.Ratios, ratio(res, b, "baseline"))
			}
		}
	}
}

func ratio(res, ref Result, against string) Ratio {
	return Ratio{Op: res.Op, Concurrency: res.Concurrency, Against: against, OpsPerSec: div(res.OpsPerSec, ref.OpsPerSec),
		P50: div(res.P50Ms, ref.P50Ms), P99: div(res.P99Ms, ref.P99Ms)}
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteTable prints the results and ratios for people.
func (r *Report) WriteTable(w io.Writer) error {
	if r.CPU.RS256VerifyPerSec > 0 {
		fmt.Fprintf(w, "yardsticks (in-process, same run): RS256 verify %.0f/s on %d cores; one core hashes %.0f MiB/s with MD5+SHA-256, %.0f MiB/s with MD5 alone\n\n",
			r.CPU.RS256VerifyPerSec, r.CPU.RS256Workers, r.CPU.MD5SHA256MiBPerSec, r.CPU.MD5MiBPerSec)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\ttarget\tconc\tops/s\tMiB/s\tp50\tp99\terrors\tserver RSS\t")
	for _, res := range r.Results {
		rss := "-"
		if res.ServerRSSMiB > 0 {
			rss = fmt.Sprintf("%.1f MiB", res.ServerRSSMiB)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\t%d\t%s\t\n", res.Op, res.Target, res.Concurrency,
			res.OpsPerSec, res.MiBPerSec, fmtMs(res.P50Ms), fmtMs(res.P99Ms), res.Errors, rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "op\tconc\tagainst\tfedstore/ref ops/s\tp50 ratio\tp99 ratio\t")
		for _, q := range r.Ratios {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.3f\t%.2f\t%.2f\t\n", q.Op, q.Concurrency, q.Against, q.OpsPerSec, q.P50, q.P99)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if r.ServerIdleRSSMiB > 0 || r.ServerPeakRSSMiB > 0 {
		fmt.Fprintf(w, "\nserver RSS: %.1f MiB idle, %.1f MiB peak\n", r.ServerIdleRSSMiB, r.ServerPeakRSSMiB)
	}
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(w, "first error (%s, %s, c=%d): %s\n", res.Op, res.Target, res.Concurrency, res.FirstError)
		}
	}
	return nil
}

func fmtMs(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0fµs", v*1000)
	}
	return fmt.Sprintf("%.2fms", v)
}

// WriteJSONFile writes the report as indented JSON.
func (r *Report) WriteJSONFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// maxReportSize bounds a report read back from disk.
const maxReportSize = 16 << 20

// ReadJSONFile reads a report WriteJSONFile wrote.
func ReadJSONFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if len(b) > maxReportSize {
		return nil, fmt.Errorf("read report %s: over %d bytes", path, maxReportSize)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	return &r, nil
}
