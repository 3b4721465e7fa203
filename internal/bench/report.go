package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"
)

// Ratio compares fedstore with the baseline for one op.
type Ratio struct {
	Op string `json:"op"`
	// OpsPerSec is fedstore ops/s divided by baseline ops/s (1 = as fast as
	// bare net/http).
	OpsPerSec float64 `json:"ops_per_sec"`
	// P50 and P99 are fedstore latency divided by baseline latency.
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Report is everything one run measured.
type Report struct {
	Started       time.Time `json:"started"`
	Endpoint      string    `json:"endpoint"`
	StartedServer bool      `json:"started_server"`
	DurationSec   float64   `json:"duration_per_run_sec"`
	Concurrency   int       `json:"concurrency"`
	Results       []Result  `json:"results"`
	Ratios        []Ratio   `json:"ratios,omitempty"`
	// ServerPeakRSSMiB is VmHWM of a server the benchmark started.
	ServerPeakRSSMiB float64 `json:"server_peak_rss_mib,omitempty"`
}

// addRatios derives a Ratio for every op measured on both targets.
func (r *Report) addRatios() {
	base := map[string]Result{}
	for _, res := range r.Results {
		if res.Target == "baseline" {
			base[res.Op] = res
		}
	}
	for _, res := range r.Results {
		b, ok := base[res.Op]
		if res.Target != "fedstore" || !ok {
			continue
		}
		r.Ratios = append(r.Ratios, Ratio{Op: res.Op, OpsPerSec: div(res.OpsPerSec, b.OpsPerSec), P50: div(res.P50Ms, b.P50Ms), P99: div(res.P99Ms, b.P99Ms)})
	}
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteTable prints the results and ratios for people.
func (r *Report) WriteTable(w io.Writer) error {
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
		fmt.Fprintln(tw, "op\tfedstore/baseline ops/s\tp50 ratio\tp99 ratio\t")
		for _, q := range r.Ratios {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", q.Op, q.OpsPerSec, q.P50, q.P99)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if r.ServerPeakRSSMiB > 0 {
		fmt.Fprintf(w, "\nserver peak RSS: %.1f MiB\n", r.ServerPeakRSSMiB)
	}
	for _, res := range r.Results {
		if res.FirstError != "" {
			fmt.Fprintf(w, "first error (%s, %s): %s\n", res.Op, res.Target, res.FirstError)
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
