package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeServer writes an executable shell script standing in for fedstore.
func fakeServer(t *testing.T, body string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fake-fedstore")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestStartServerReadsTheListeningLineFromItsLog: the server's output goes
// to a file the benchmark does not read during a run; the listening line is
// found there, and Stop removes the log and the temp data dir.
func TestStartServerReadsTheListeningLineFromItsLog(t *testing.T) {
	t.Parallel()
	bin := fakeServer(t, `echo "starting with $*" >&2
sleep 0.05
echo "time=now level=INFO msg=\"fedstore listening on http://127.0.0.1:45678\""
exec sleep 30`)
	p, err := StartServer(context.Background(), bin, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "http://127.0.0.1:45678" {
		t.Errorf("URL = %q", p.URL)
	}
	b, err := os.ReadFile(p.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "starting with server --data "+p.DataDir+" --address 127.0.0.1:0") {
		t.Errorf("log %q lacks the server's stderr line", b)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{p.DataDir, filepath.Dir(p.LogFile)} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists after Stop (err %v)", d, err)
		}
	}
}

// TestStartServerQuotesTheTailWhenTheServerDies: a server that exits before
// listening is an error quoting its last lines (not the first ones).
func TestStartServerQuotesTheTailWhenTheServerDies(t *testing.T) {
	t.Parallel()
	bin := fakeServer(t, `i=0
while [ $i -lt 80 ]; do echo "line $i" >&2; i=$((i+1)); done
echo "fatal: cannot open data dir" >&2
exit 3`)
	_, err := StartServer(context.Background(), bin, "")
	if err == nil {
		t.Fatal("StartServer succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"exited before listening", "exit status 3", "fatal: cannot open data dir", "line 79", "line 31"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "line 30\n") {
		t.Errorf("error quotes more than %d lines: %s", tailLines, msg)
	}
}

func TestLastLines(t *testing.T) {
	t.Parallel()
	var all []string
	for i := range 10 {
		all = append(all, fmt.Sprint("l", i))
	}
	s := strings.Join(all, "\n") + "\n"
	for _, tc := range []struct {
		max  int
		cut  bool
		want string
	}{
		{3, false, "l7\nl8\nl9"},
		{20, false, strings.Join(all, "\n")},
		{20, true, strings.Join(all[1:], "\n")}, // the first line may be partial
		{1, true, "l9"},
	} {
		if got := lastLines(s, tc.max, tc.cut); got != tc.want {
			t.Errorf("lastLines(max %d, cut %v) = %q, want %q", tc.max, tc.cut, got, tc.want)
		}
	}
}
