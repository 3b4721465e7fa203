package s3api

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestExpectContinue: a PUT with Expect: 100-continue gets "100 Continue"
// once the handler reads the body, and a request refused before its body is
// read gets its final answer without one.
func TestExpectContinue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	send := func(path string) (first string, final *http.Response) {
		t.Helper()
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = conn.Write([]byte("PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
		br := bufio.NewReader(conn)
		peek, err := br.Peek(12)
		if err != nil {
			t.Fatal(err)
		}
		first = string(peek)
		if first == "HTTP/1.1 100" {
			for { // skip the interim response
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if line == "\r\n" {
					break
				}
			}
			_, _ = conn.Write([]byte("hello"))
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return first, resp
	}
	line, resp := send("/bkt/obj")
	if line != "HTTP/1.1 100" || resp.StatusCode != 200 {
		t.Errorf("good PUT: first line %q, final %d", line, resp.StatusCode)
	}
	line, resp = send("/nobkt/obj")
	if line == "HTTP/1.1 100" || resp.StatusCode != 404 {
		t.Errorf("PUT to a missing bucket: first line %q, final %d", line, resp.StatusCode)
	}
	if w := e.do(t, "GET", "/bkt/obj", ""); w.Body.String() != "hello" {
		t.Errorf("stored %q", w.Body)
	}
}
