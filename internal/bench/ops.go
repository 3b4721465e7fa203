package bench

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Op is one kind of request the benchmark repeats.
type Op struct {
	Name   string // e.g. "get4k", "get4k-temp", "sts"
	Method string // GET, PUT, or STS (an AssumeRoleWithWebIdentity exchange)
	Size   int    // object size in bytes (0 for STS)
	// Temp signs with temporary credentials from an STS exchange instead of
	// the root credentials (ops named "...-temp").
	Temp bool
}

// MethodSTS is the Method of the "sts" op.
const MethodSTS = "STS"

// MaxObjectSize bounds an op's object size.
const MaxObjectSize = 64 << 20

var opRe = regexp.MustCompile(`^(get|put)([0-9]+)(k|m)(-temp)?$`)

// ParseOps parses a comma-separated list such as
// "get4k,put4k,get1m,put1m,get4k-temp,sts".
func ParseOps(s string) ([]Op, error) {
	var ops []Op
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if seen[f] {
			return nil, fmt.Errorf("op %q listed twice", f)
		}
		seen[f] = true
		if f == "sts" {
			ops = append(ops, Op{Name: f, Method: MethodSTS})
			continue
		}
		m := opRe.FindStringSubmatch(f)
		if m == nil {
			return nil, fmt.Errorf("op %q: want sts, or get or put followed by a size such as 4k or 1m and optionally -temp (e.g. get4k,put1m,get4k-temp)", f)
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
		ops = append(ops, Op{Name: f, Method: strings.ToUpper(m[1]), Size: size, Temp: m[4] != ""})
	}
	if len(ops) == 0 {
		return nil, errors.New("no ops given")
	}
	return ops, nil
}

// base is the op's name without "-temp": temporary-credential ops read and
// write the same objects as their root twins.
func (o Op) base() string { return strings.TrimSuffix(o.Name, "-temp") }

// needsSTS reports whether any op needs a web-identity token.
func needsSTS(ops []Op) bool {
	for _, o := range ops {
		if o.Temp || o.Method == MethodSTS {
			return true
		}
	}
	return false
}

// ParseConcurrency parses a comma-separated list of client counts such as
// "1,8,32"; every op runs at each of them.
func ParseConcurrency(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > MaxConcurrency {
			return nil, fmt.Errorf("concurrency %q: want a whole number in [1, %d]", f, MaxConcurrency)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("concurrency %d listed twice", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no concurrency given")
	}
	return out, nil
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

	Duration time.Duration // per op, concurrency and target
	// Concurrency lists the numbers of concurrent clients; every op runs
	// at each.
	Concurrency []int
	Ops         []Op
	// RoleARN and TokenFile, for the sts and -temp ops against --endpoint:
	// the role to assume and a file holding a web-identity token (JWT).
	// A server the benchmark starts runs with --dev, and its built-in IdP
	// mints the tokens (role arn:aws:iam::000000000000:role/s3admin).
	RoleARN   string
	TokenFile string
	// ServerArgs are extra flags for a server the benchmark starts (e.g.
	// --debug-address 127.0.0.1:6060 to profile it).
	ServerArgs []string
	// VerifyFor is how long the in-process RS256 verification and hashing
	// rate loops run (default 1s).
	VerifyFor time.Duration
	// MaxOps bounds the requests of one op against one target.
	MaxOps int64
	// Rounds splits each run into this many slices, alternating between
	// the targets compared (fedstore and the baseline, temporary and root
	// credentials), so that load drifting on the machine skews both alike
	// (default 4: an even count runs each target first equally often).
	Rounds int
	// TempDuration and TempRounds, when set, replace Duration and Rounds
	// for the -temp ops: their ratio compares two nearly equal rates
	// (the target is within 3%), which needs more and longer slices than
	// a ratio to the baseline (make bench: 10s in 10 rounds).
	TempDuration time.Duration
	TempRounds   int
	// SkipBaseline leaves out the net/http baseline.
	SkipBaseline bool
}

// durationOf returns how long op runs against each target, in how many
// rounds.
func (c *Config) durationOf(op Op) (time.Duration, int) {
	d, r := c.Duration, c.Rounds
	if op.Temp {
		if c.TempDuration > 0 {
			d = c.TempDuration
		}
		if c.TempRounds > 0 {
			r = c.TempRounds
		}
	}
	return d, r
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
	if len(c.Concurrency) == 0 {
		return errors.New("--concurrency: give at least one number of clients")
	}
	for _, n := range c.Concurrency {
		if n < 1 || n > MaxConcurrency {
			return fmt.Errorf("--concurrency %d: must be in [1, %d]", n, MaxConcurrency)
		}
	}
	if c.Endpoint != "" && needsSTS(c.Ops) && (c.RoleARN == "" || c.TokenFile == "") {
		return errors.New("the sts and -temp ops against --endpoint need --role-arn and --token-file")
	}
	if c.Rounds <= 0 {
		c.Rounds = 4
	}
	if c.Rounds > 100 {
		return fmt.Errorf("--rounds %d: at most 100", c.Rounds)
	}
	if c.TempDuration < 0 || c.TempDuration > MaxDuration {
		return fmt.Errorf("--temp-duration %s: must be in [0, %s]", c.TempDuration, MaxDuration)
	}
	if c.TempRounds < 0 || c.TempRounds > 100 {
		return fmt.Errorf("--temp-rounds %d: must be in [0, 100]", c.TempRounds)
	}
	if c.VerifyFor <= 0 {
		c.VerifyFor = time.Second
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
