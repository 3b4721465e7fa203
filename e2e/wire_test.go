package e2e

import (
	"crypto/tls"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
)

// wireRecorder is a byte-for-byte TCP proxy (TLS-terminating and
// re-encrypting for an https server) between a client and fedstore. It
// changes nothing on the wire and notes the request header lines that show
// how a client sends payloads, so each scenario can prove it exercised the
// mode it claims (signed chunks, unsigned trailer, Content-MD5, ...).
type wireRecorder struct {
	URL      string
	HostPort string

	ln    net.Listener
	mu    sync.Mutex
	seen  map[string]int
	conns map[net.Conn]bool // open client and upstream connections
	wg    sync.WaitGroup
}

// recordedHeaders are the request headers whose values are noted.
var recordedHeaders = []string{"x-amz-content-sha256", "x-amz-trailer", "content-encoding", "transfer-encoding", "content-md5", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "expect"}

// valueless headers are noted by name only (their values vary per request).
var valueless = map[string]bool{"content-md5": true, "x-amz-checksum-crc32": true, "x-amz-checksum-crc32c": true}

func startWireRecorder(t *testing.T, s *server, cert *tls.Certificate) *wireRecorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http"
	if cert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	w := &wireRecorder{ln: ln, HostPort: ln.Addr().String(), seen: map[string]int{}, conns: map[net.Conn]bool{}}
	w.URL = scheme + "://" + w.HostPort
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.serve(c, s)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		w.mu.Lock()
		for c := range w.conns {
			_ = c.Close()
		}
		w.mu.Unlock()
		w.wg.Wait()
	})
	return w
}

func (w *wireRecorder) track(c net.Conn, open bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if open {
		w.conns[c] = true
	} else {
		delete(w.conns, c)
	}
}

func (w *wireRecorder) serve(client net.Conn, s *server) {
	w.track(client, true)
	defer w.track(client, false)
	defer client.Close()
	var up net.Conn
	var err error
	if s.TLS {
		up, err = tls.Dial("tcp", s.HostPort, &tls.Config{RootCAs: s.CAPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	} else {
		up, err = net.Dial("tcp", s.HostPort)
	}
	if err != nil {
		return
	}
	w.track(up, true)
	defer w.track(up, false)
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { // client -> server, noted
		_, _ = io.Copy(up, io.TeeReader(client, &lineNoter{w: w}))
		closeWrite(up)
		done <- struct{}{}
	}()
	go func() { // server -> client
		_, _ = io.Copy(client, up)
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	type cw interface{ CloseWrite() error }
	if x, ok := c.(cw); ok && x.CloseWrite() == nil {
		return
	}
	_ = c.Close()
}

func (w *wireRecorder) note(line string) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	name = strings.ToLower(strings.TrimSpace(name))
	for _, h := range recordedHeaders {
		if name == h {
			key := name
			value = strings.TrimSpace(value)
			switch {
			case valueless[name]:
			case name == "x-amz-content-sha256" && len(value) == 64 && strings.Trim(value, "0123456789abcdef") == "":
				key += ": <signed>" // a signed payload hash
			default:
				key += ": " + value
			}
			w.mu.Lock()
			w.seen[key]++
			w.mu.Unlock()
			return
		}
	}
}

// Seen lists the noted header lines with counts, sorted.
func (w *wireRecorder) Seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for k := range w.seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// assertSaw fails unless every line was noted at least once.
func (w *wireRecorder) assertSaw(t *testing.T, lines ...string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("payload-related request headers seen: %v", w.seenLocked())
	for _, l := range lines {
		if w.seen[strings.ToLower(l)] == 0 && w.seen[l] == 0 {
			t.Errorf("the client never sent %q; it sent: %v", l, w.seenLocked())
		}
	}
}

func (w *wireRecorder) seenLocked() map[string]int {
	out := make(map[string]int, len(w.seen))
	for k, v := range w.seen {
		out[k] = v
	}
	return out
}

// lineNoter receives the client's byte stream and hands complete short lines
// to the recorder; long runs without a newline (bodies) are skipped.
type lineNoter struct {
	w    *wireRecorder
	buf  []byte
	skip bool
}

func (n *lineNoter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		i := indexByte(p, '\n')
		if i < 0 {
			if !n.skip {
				n.buf = append(n.buf, p...)
				if len(n.buf) > 8192 {
					n.buf, n.skip = n.buf[:0], true
				}
			}
			break
		}
		if !n.skip {
			n.buf = append(n.buf, p[:i]...)
			if len(n.buf) <= 8192 {
				n.w.note(strings.TrimRight(string(n.buf), "\r"))
			}
		}
		n.buf, n.skip = n.buf[:0], false
		p = p[i+1:]
	}
	return total, nil
}

func indexByte(p []byte, c byte) int {
	for i, b := range p {
		if b == c {
			return i
		}
	}
	return -1
}
