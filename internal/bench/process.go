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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a fedstore server the benchmark started.
type Process struct {
	URL                  string
	PID                  int
	AccessKey, SecretKey string
	DataDir              string

	cmd     *exec.Cmd
	exited  chan error
	tempDir string // removed on Stop when the benchmark made it
	tail    *ring
}

var listenRe = regexp.MustCompile(`fedstore listening on (https?://127\.0\.0\.1:[0-9]+)`)

// StartServer runs `bin server --data DIR --address 127.0.0.1:0 [extra...]`
// with fresh random root credentials and waits for its listening line.
// dataDir may be empty (a temp dir is made and removed by Stop).
func StartServer(ctx context.Context, bin, dataDir string, extra ...string) (*Process, error) {
	p := &Process{exited: make(chan error, 1), tail: &ring{max: 50}}
	if dataDir == "" {
		d, err := os.MkdirTemp("", "fedstore-bench-")
		if err != nil {
			return nil, fmt.Errorf("temp data dir: %w", err)
		}
		p.tempDir, dataDir = d, d
	}
	p.DataDir = dataDir
	p.AccessKey = "bench-" + randomHex(6)
	p.SecretKey = randomHex(20)
	p.cmd = exec.Command(bin, append([]string{"server", "--data", dataDir, "--address", "127.0.0.1:0"}, extra...)...)
	p.cmd.Env = append(filteredEnv(), "FEDSTORE_ROOT_USER="+p.AccessKey, "FEDSTORE_ROOT_PASSWORD="+p.SecretKey)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.PID = p.cmd.Process.Pid
	go func() {
		err := p.cmd.Wait()
		_ = pw.Close()
		p.exited <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.tail.add(line)
			if m := listenRe.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case u := <-found:
		p.URL = u
		return p, nil
	case err := <-p.exited:
		p.exited <- err
		p.cleanup()
		return nil, fmt.Errorf("server exited before listening (%v): %s", err, p.tail.String())
	case <-time.After(30 * time.Second):
		_ = p.Stop()
		return nil, fmt.Errorf("server printed no listening line within 30s: %s", p.tail.String())
	case <-ctx.Done():
		_ = p.Stop()
		return nil, ctx.Err()
	}
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

// ring keeps the last lines of the server's output for error messages.
type ring struct {
	mu    sync.Mutex
	lines []string
	max   int
}

func (r *ring) add(l string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, l)
	if len(r.lines) > r.max {
		r.lines = r.lines[len(r.lines)-r.max:]
	}
}

func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
