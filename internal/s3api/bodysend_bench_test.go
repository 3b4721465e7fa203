package s3api

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// benchSend serves an object body of size bytes through writeResponse on a
// real loopback TCP connection (sendfile needs a socket) and GETs it with
// one keep-alive connection. cpu-ns/op is the process's user+system CPU per
// request (server and client; the client's part is the same in every
// variant and small).
func benchSend(b *testing.B, size int) {
	name := filepath.Join(b.TempDir(), "obj")
	if err := os.WriteFile(name, bytes.Repeat([]byte("x"), size), 0o644); err != nil {
		b.Fatal(err)
	}
	h := &handler{log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(name)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h.writeResponse(w, r, &response{body: f, closer: f, size: int64(size)}, nil)
	}))
	defer srv.Close()
	// A raw keep-alive client (a request write, buffered reads) costs far
	// less than http.Client, so the server's part dominates the numbers.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	req := []byte("GET /bkt/obj HTTP/1.1\r\nHost: bench\r\n\r\n")
	br := bufio.NewReaderSize(conn, 64<<10)
	buf := make([]byte, size)
	get := func() {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) == 2 { // the blank line after the headers
				break
			}
		}
		if _, err := io.ReadFull(br, buf); err != nil {
			b.Fatal(err)
		}
	}
	get() // the connection
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		get()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkSendBody4KiB(b *testing.B)  { benchSend(b, 4<<10) }
func BenchmarkSendBody8KiB(b *testing.B)  { benchSend(b, 8<<10) }
func BenchmarkSendBody16KiB(b *testing.B) { benchSend(b, 16<<10) }
func BenchmarkSendBody32KiB(b *testing.B) { benchSend(b, 32<<10) }
func BenchmarkSendBody1MiB(b *testing.B)  { benchSend(b, 1<<20) }
