package bench

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Op is one kind of request the benchmark repeats.
type Op struct {
	Name   string // e.g. "get4k"
	Method string // GET or PUT
	Size   int    // object size in bytes
}

// MaxObjectSize bounds an op's object size.
const MaxObjectSize = 64 << 20

var opRe = regexp.MustCompile(`^(get|put)([0-9]+)(k|m)$`)

// ParseOps parses a comma-separated list such as "get4k,put4k,get1m,put1m".
func ParseOps(s string) ([]Op, error) {
	var ops []Op
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		m := opRe.FindStringSubmatch(f)
		if m == nil {
			return nil, fmt.Errorf("op %q: want get or put followed by a size such as 4k or 1m (e.g. get4k,put1m)", f)
		}
		n, err := strconv.Atoi(m[2])
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("op %q: size must be a positive number", f)
		}
		size := n << 10
		if m[3] == "m" {
			size = n << 20
		}
		if size > MaxObjectSize {
			return nil, fmt.Errorf("op %q: size %d bytes is over the limit of %d", f, size, MaxObjectSize)
		}
		if seen[f] {
			return nil, fmt.Errorf("op %q listed twice", f)
		}
		seen[f] = true
		ops = append(ops, Op{Name: f, Method: strings.ToUpper(m[1]), Size: size})
	}
	if len(ops) == 0 {
		return nil, errors.New("no ops given")
	}
	return ops, nil
}

// Limits that keep every run bounded.
const (
	MaxDuration    = 10 * time.Minute
	MaxConcurrency = 512
	DefaultMaxOps  = 2_000_000
)

// Config is one benchmark run.
type Config struct {
	// Endpoint of a running server (http(s)://127.0.0.1:PORT); empty when
	// ServerBin is set and the benchmark starts its own server.
	Endpoint string
	// ServerBin is the fedstore binary to start on 127.0.0.1:0 with a temp
	// data dir (DataDir, if set, is used instead and kept).
	ServerBin string
	DataDir   string
	// AccessKey / SecretKey sign the requests (root credentials). When the
	// benchmark starts its own server it generates them.
	AccessKey, SecretKey string
	Region               string
	// CACertFile is a PEM bundle to trust for an https endpoint.
	CACertFile string
	Bucket     string

	Duration    time.Duration // per op and target
	Concurrency int
	Ops         []Op
	// MaxOps bounds the requests of one op against one target.
	MaxOps int64
	// SkipBaseline leaves out the net/http baseline.
	SkipBaseline bool
}

// Validate checks the bounds and the loopback rule.
func (c *Config) Validate() error {
	if (c.Endpoint == "") == (c.ServerBin == "") {
		return errors.New("give exactly one of --endpoint or --server-bin")
	}
	if c.Endpoint != "" {
		if err := checkLoopbackURL(c.Endpoint); err != nil {
			return err
		}
		if c.AccessKey == "" || c.SecretKey == "" {
			return errors.New("--endpoint needs credentials: --access-key/--secret-key or FEDSTORE_ROOT_USER/FEDSTORE_ROOT_PASSWORD")
		}
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		return fmt.Errorf("--duration %s: must be in (0, %s]", c.Duration, MaxDuration)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		return fmt.Errorf("--concurrency %d: must be in [1, %d]", c.Concurrency, MaxConcurrency)
	}
	if c.MaxOps < 1 || c.MaxOps > 100*DefaultMaxOps {
		return fmt.Errorf("--max-ops %d: must be in [1, %d]", c.MaxOps, 100*DefaultMaxOps)
	}
	if len(c.Ops) == 0 {
		return errors.New("no ops given")
	}
	if !validBucket.MatchString(c.Bucket) {
		return fmt.Errorf("--bucket %q: not a valid S3 bucket name", c.Bucket)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	return nil
}

var validBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// checkLoopbackURL refuses anything but http(s) on a loopback address.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("endpoint %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("endpoint %q: scheme must be http or https", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("endpoint %q: must not have a path", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("endpoint %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be benchmarked", raw)
	}
	return nil
}
