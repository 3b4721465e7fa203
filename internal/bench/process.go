package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a fedstore server the benchmark started.
type Process struct {
	URL                  string
	PID                  int
	AccessKey, SecretKey string
	DataDir              string
	// LogFile holds the server's output (stdout and stderr). The server
	// writes it directly: the benchmark does not read the access log
	// while it measures (scanning a line per request cost the client CPU
	// that the compared baseline server does not make it spend).
	LogFile string

	cmd     *exec.Cmd
	exited  chan error
	tempDir string // removed on Stop when the benchmark made it
	logDir  string // holds LogFile; removed on Stop
}

var listenRe = regexp.MustCompile(`fedstore listening on (https?://127\.0\.0\.1:[0-9]+)`)

// startPoll is how often StartServer looks for the listening line.
const startPoll = 10 * time.Millisecond

// StartServer runs `bin server --data DIR --address 127.0.0.1:0 [extra...]`
// with fresh random root credentials and waits for its listening line.
// dataDir may be empty (a temp dir is made and removed by Stop).
func StartServer(ctx context.Context, bin, dataDir string, extra ...string) (*Process, error) {
	p := &Process{exited: make(chan error, 1)}
	logDir, err := os.MkdirTemp("", "fedstore-bench-log-")
	if err != nil {
		return nil, fmt.Errorf("temp log dir: %w", err)
	}
	p.logDir, p.LogFile = logDir, filepath.Join(logDir, "server.log")
	if dataDir == "" {
		d, err := os.MkdirTemp("", "fedstore-bench-")
		if err != nil {
			p.cleanup()
			return nil, fmt.Errorf("temp data dir: %w", err)
		}
		p.tempDir, dataDir = d, d
	}
	p.DataDir = dataDir
	p.AccessKey = "bench-" + randomHex(6)
	p.SecretKey = randomHex(20)
	out, err := os.OpenFile(p.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("server log: %w", err)
	}
	p.cmd = exec.Command(bin, append([]string{"server", "--data", dataDir, "--address", "127.0.0.1:0"}, extra...)...)
	p.cmd.Env = append(filteredEnv(), "FEDSTORE_ROOT_USER="+p.AccessKey, "FEDSTORE_ROOT_PASSWORD="+p.SecretKey)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	err = p.cmd.Start()
	out.Close() // the child has its own copy
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.PID = p.cmd.Process.Pid
	go func() { p.exited <- p.cmd.Wait() }()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(startPoll)
	defer tick.Stop()
	for {
		if u := p.listening(); u != "" {
			p.URL = u
			return p, nil
		}
		select {
		case <-tick.C:
		case err := <-p.exited:
			p.exited <- err
			if u := p.listening(); u != "" {
				err = fmt.Errorf("%v right after it listened on %s", err, u)
			}
			tail := p.Tail()
			p.cleanup()
			return nil, fmt.Errorf("server exited before listening (%v): %s", err, tail)
		case <-deadline.C:
			tail := p.Tail()
			_ = p.Stop()
			return nil, fmt.Errorf("server printed no listening line within 30s: %s", tail)
		case <-ctx.Done():
			_ = p.Stop()
			return nil, ctx.Err()
		}
	}
}

// listening is the URL of the server's listening line, "" until it printed
// it. Only the log's beginning is read: the line comes right after the
// start-up messages.
func (p *Process) listening() string {
	f, err := os.Open(p.LogFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 256<<10))
	if m := listenRe.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// tailLines is how many of the server's last output lines error messages
// quote.
const tailLines = 50

// Tail is the end of the server's output (its last lines), for error
// messages.
func (p *Process) Tail() string {
	f, err := os.Open(p.LogFile)
	if err != nil {
		return "(no server output: " + err.Error() + ")"
	}
	defer f.Close()
	const window = 32 << 10
	var off int64
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		off = fi.Size() - window
	}
	b := make([]byte, window)
	n, _ := f.ReadAt(b, off)
	return lastLines(string(b[:n]), tailLines, off > 0)
}

// lastLines is the last max lines of s, without the first line when s
// starts mid-line (cut says s is the end of a longer text).
func lastLines(s string, max int, cut bool) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	return strings.Join(lines, "\n")
}

// Stop sends SIGTERM, waits (killing after 15s) and removes a temp data dir.
func (p *Process) Stop() error {
	defer p.cleanup()
	if p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return fmt.Errorf("wait for server: %w", err)
		}
		return nil
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("server did not stop within 15s of SIGTERM; killed")
	}
}

func (p *Process) cleanup() {
	if p.tempDir != "" {
		_ = os.RemoveAll(p.tempDir)
	}
	if p.logDir != "" {
		_ = os.RemoveAll(p.logDir)
	}
}

// RSS returns the process's resident and peak resident memory in bytes,
// read from /proc/PID/status (VmRSS, VmHWM).
func RSS(pid int) (rss, peak int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	defer f.Close()
	return parseStatus(f)
}

func parseStatus(r io.Reader) (rss, peak int64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", k, sc.Text())
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS line")
	}
	return rss, peak, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// filteredEnv is the environment without FEDSTORE_* settings.
func filteredEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FEDSTORE_") {
			out = append(out, kv)
		}
	}
	return out
}
