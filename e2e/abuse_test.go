package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/adminapi"
)

// Slow and abusive clients (issue 6, item 4), against a server whose
// timeouts are lowered by flags so the test runs in seconds.
const (
	abuseHeaderTimeout = 2 * time.Second
	abuseIdleTimeout   = 2 * time.Second
	// slack covers scheduling on a loaded CI machine.
	abuseSlack = 4 * time.Second
)

func TestAbusiveClients(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServerAt(t, dataDir,
		"--read-header-timeout", abuseHeaderTimeout.String(),
		"--transfer-idle-timeout", abuseIdleTimeout.String(),
		"--idle-timeout", "5s")
	srv := p.server
	const bucket = "abuse"
	if r := (rawReq{Method: http.MethodPut, Path: "/" + bucket}).do(t, srv); r.Status != http.StatusOK {
		t.Fatalf("CreateBucket: %s", r)
	}
	tmpRoot := filepath.Join(dataDir, ".fedstore", "tmp")
	assertNoTemps := func(t *testing.T, what string) {
		t.Helper()
		// A failed request may still be unwinding for a moment.
		deadline := time.Now().Add(3 * time.Second)
		for {
			n, names := countFiles(tmpRoot)
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%s left %d temp files: %v", what, n, names)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	healthy := func(t *testing.T, what string) {
		t.Helper()
		body := testData(1024, 77)
		start := time.Now()
		if r := (rawReq{Method: http.MethodPut, Path: "/" + bucket + "/healthy", Body: body}).do(t, srv); r.Status != http.StatusOK {
			t.Errorf("%s: a normal PUT fails: %s", what, r)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: a normal PUT took %v", what, d)
		}
	}

	t.Run("slowloris headers are cut off by the header timeout", func(t *testing.T) {
		const conns = 16
		var wg sync.WaitGroup
		results := make([]time.Duration, conns)
		start := time.Now()
		for i := range conns {
			wg.Go(func() {
				c := dial(t, srv)
				defer c.Close()
				if _, err := fmt.Fprintf(c, "GET /%s/healthy HTTP/1.1\r\nHost: %s\r\n", bucket, srv.HostPort); err != nil {
					t.Errorf("conn %d: %v", i, err)
					return
				}
				// One header byte a second until the server hangs up.
				for time.Since(start) < abuseHeaderTimeout+abuseSlack+5*time.Second {
					if _, err := c.Write([]byte("X")); err != nil {
						break
					}
					_ = c.SetReadDeadline(time.Now().Add(time.Second))
					if _, err := c.Read(make([]byte, 512)); err != nil && !isTimeout(err) {
						break // closed (or answered and closed)
					}
				}
				results[i] = time.Since(start)
			})
		}
		time.Sleep(500 * time.Millisecond)
		healthy(t, "during the slowloris attack")
		wg.Wait()
		worst := time.Duration(0)
		for _, d := range results {
			worst = max(worst, d)
		}
		t.Logf("%d slowloris connections (1 header byte/s): all closed by the server within %v (header timeout %v)", conns, worst.Round(100*time.Millisecond), abuseHeaderTimeout)
		if worst > abuseHeaderTimeout+abuseSlack {
			t.Errorf("slowloris connections held for %v; want cut off within %v", worst, abuseHeaderTimeout+abuseSlack)
		}
	})

	t.Run("upload stalled mid-body is cut off", func(t *testing.T) {
		key := "stalled"
		full := testData(1<<20, 41)
		req := rawReq{Method: http.MethodPut, Path: "/" + bucket + "/" + key, Body: full, PayloadHash: "UNSIGNED-PAYLOAD"}.build(t, srv)
		c := dial(t, srv)
		defer c.Close()
		writeHead(t, c, req)
		if _, err := c.Write(full[:64<<10]); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		// Send nothing more; keep the connection open and wait for the server.
		_ = c.SetReadDeadline(time.Now().Add(abuseIdleTimeout + abuseSlack + 5*time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		d := time.Since(start)
		status := 0
		if err == nil {
			status = resp.StatusCode
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Logf("stalled upload answered %d after %v: %s", status, d.Round(100*time.Millisecond), clip(string(b)))
			var e s3Error
			_ = xml.Unmarshal(b, &e)
			if status != http.StatusBadRequest || e.Code != "RequestTimeout" {
				t.Errorf("stalled upload: %d %s; want 400 RequestTimeout", status, e.Code)
			}
		} else {
			t.Logf("stalled upload: connection ended after %v without an answer (%v)", d.Round(100*time.Millisecond), err)
			if isTimeout(err) {
				t.Errorf("the server still holds a stalled upload after %v", d)
			}
		}
		if d > abuseIdleTimeout+abuseSlack {
			t.Errorf("stalled upload held for %v; want cut off within %v", d, abuseIdleTimeout+abuseSlack)
		}
		assertNotStored(t, srv, bucket, key)
		assertNoTemps(t, "the stalled upload")
	})

	t.Run("slow but steady upload is not cut off", func(t *testing.T) {
		// 8 slices, one every 0.6 s: 4.8 s in all, more than the 2 s idle
		// timeout, but never 2 s without data.
		key := "steady"
		full := testData(8*8192, 42)
		req := rawReq{Method: http.MethodPut, Path: "/" + bucket + "/" + key, Body: full, PayloadHash: "UNSIGNED-PAYLOAD"}.build(t, srv)
		c := dial(t, srv)
		defer c.Close()
		writeHead(t, c, req)
		for off := 0; off < len(full); off += 8192 {
			time.Sleep(600 * time.Millisecond)
			if _, err := c.Write(full[off : off+8192]); err != nil {
				t.Fatalf("server cut off a steady upload at byte %d: %v", off, err)
			}
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			t.Fatalf("steady upload: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("steady upload: %d", resp.StatusCode)
		}
		srv.assertStoredFile(t, bucket, key, full)
	})

	t.Run("download whose reader stalls is cut off", func(t *testing.T) {
		key := "big-download"
		big := testData(32<<20, 43)
		if r := (rawReq{Method: http.MethodPut, Path: "/" + bucket + "/" + key, Body: big}).do(t, srv); r.Status != http.StatusOK {
			t.Fatalf("PUT: %s", r)
		}
		req := rawReq{Method: http.MethodGet, Path: "/" + bucket + "/" + key}.build(t, srv)
		c := dial(t, srv)
		defer c.Close()
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096) // keep the kernel from buffering the whole object
		}
		writeHead(t, c, req)
		// Read nothing: the server's writes block, then time out, and the
		// handler ends (its access-log line appears). The kernel may still
		// hold the orphaned socket's buffers; the process has let go.
		start := time.Now()
		ended := false
		for time.Since(start) < abuseIdleTimeout+abuseSlack && !ended {
			time.Sleep(100 * time.Millisecond)
			for _, l := range strings.Split(p.logs.String(), "\n") {
				if strings.Contains(l, "method=GET path=/"+bucket+"/"+key+" ") {
					ended = true
					t.Logf("stalled reader: the server ended the download after %v: %s", time.Since(start).Round(100*time.Millisecond), l)
				}
			}
		}
		if !ended {
			t.Errorf("the server still serves a download nobody reads after %v", time.Since(start))
		}
		// Then the process closes the connection (after one more idle period
		// for the final flush); ss shows who owns the socket, when present.
		for {
			out, err := exec.Command("ss", "-tnpH", "dst", c.LocalAddr().String()).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "users:") {
				break
			}
			if time.Since(start) > 2*(abuseIdleTimeout+abuseSlack) {
				t.Errorf("the server process still owns the stalled connection after %v: %s", time.Since(start), out)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("headers over the limit get 431", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/"+bucket+"/healthy", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", strings.Repeat("a", 80<<10))
		r := doRequest(t, srv, req)
		if r.Status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("80 KiB of headers: %s; want 431", r)
		}
	})

	t.Run("oversize XML JSON and form bodies are refused", func(t *testing.T) {
		up := (rawReq{Method: http.MethodPost, Path: "/" + bucket + "/mp?uploads"}).do(t, srv)
		var cm struct{ UploadId string }
		if err := xml.Unmarshal(up.Body, &cm); err != nil || cm.UploadId == "" {
			t.Fatalf("CreateMultipartUpload: %s", up)
		}
		bigXML := func(n int) []byte {
			var b bytes.Buffer
			b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Delete>`)
			for b.Len() < n {
				b.WriteString("<Object><Key>padding-key-padding-key</Key></Object>")
			}
			b.WriteString("</Delete>")
			return b.Bytes()
		}
		tests := []struct {
			name   string
			req    rawReq
			status int
			code   string
		}{
			{"DeleteObjects over 1 MiB", rawReq{Method: http.MethodPost, Path: "/" + bucket + "?delete", Body: bigXML(1<<20 + 1024)}, 400, "MaxMessageLengthExceeded"},
			{"CompleteMultipartUpload over 1 MiB", rawReq{Method: http.MethodPost, Path: "/" + bucket + "/mp?uploadId=" + url.QueryEscape(cm.UploadId), Body: bigXML(1<<20 + 1024)}, 400, "MaxMessageLengthExceeded"},
			{"CreateBucket over 64 KiB", rawReq{Method: http.MethodPut, Path: "/abuse-big-create", Body: bigXML(64<<10 + 1024)}, 400, "MaxMessageLengthExceeded"},
		}
		for _, tc := range tests {
			wantS3Error(t, tc.name, tc.req.do(t, srv), tc.status, tc.code)
		}
		if r := (rawReq{Method: http.MethodHead, Path: "/abuse-big-create"}).do(t, srv); r.Status != http.StatusNotFound {
			t.Errorf("refused CreateBucket created the bucket: HEAD %d", r.Status)
		}

		// Admin API: a JSON body over adminapi.MaxBodyBytes.
		doc, _ := json.Marshal(adminapi.PolicyAddRequest{Name: "huge", Document: strings.Repeat(" ", adminapi.MaxBodyBytes)})
		r := rawReq{Method: http.MethodPost, Path: adminapi.PathPolicies, Body: doc, Header: map[string]string{"Content-Type": "application/json"}}.do(t, srv)
		var ae adminapi.Error
		_ = json.Unmarshal(r.Body, &ae)
		if r.Status != http.StatusRequestEntityTooLarge || ae.Code != "EntityTooLarge" {
			t.Errorf("admin PolicyAdd with a %d-byte body: %s; want 413 EntityTooLarge", len(doc), r)
		}

		// STS: a form over 64 KiB.
		form := "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&WebIdentityToken=" + strings.Repeat("a", 70<<10)
		sreq, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		sreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sr := doRequest(t, srv, sreq)
		if sr.Status != http.StatusRequestEntityTooLarge || !bytes.Contains(sr.Body, []byte("<Code>RequestEntityTooLarge</Code>")) {
			t.Errorf("STS form of %d bytes: %s; want 413 RequestEntityTooLarge", len(form), sr)
		}
	})

	t.Run("claimed size over 5 GiB is refused before the body", func(t *testing.T) {
		up := (rawReq{Method: http.MethodPost, Path: "/" + bucket + "/huge-part?uploads"}).do(t, srv)
		uploadID := between(string(up.Body), "<UploadId>", "</UploadId>")
		if uploadID == "" {
			t.Fatalf("CreateMultipartUpload: %s", up)
		}
		chunked := map[string]string{"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": fmt.Sprint(int64(10 << 30)),
			"X-Amz-Trailer": "x-amz-checksum-crc32"}
		tests := []struct {
			name, path, payload string
			header              map[string]string
			length              int64
		}{
			{"PUT claiming 10 GiB", "/" + bucket + "/huge-10g", "UNSIGNED-PAYLOAD", nil, 10 << 30},
			{"PUT claiming 10 GiB, Expect: 100-continue", "/" + bucket + "/huge-10g-expect", "UNSIGNED-PAYLOAD", map[string]string{"Expect": "100-continue"}, 10 << 30},
			{"PUT claiming 5 GiB + 1", "/" + bucket + "/huge-5g1", "UNSIGNED-PAYLOAD", nil, 5<<30 + 1},
			{"aws-chunked PUT decoding to 10 GiB", "/" + bucket + "/huge-chunked", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", chunked, 10<<30 + 4096},
			{"UploadPart claiming 6 GiB", "/" + bucket + "/huge-part?partNumber=1&uploadId=" + uploadID, "UNSIGNED-PAYLOAD", nil, 6 << 30},
		}
		for _, tc := range tests {
			req := rawReq{Method: http.MethodPut, Path: tc.path, PayloadHash: tc.payload, Header: tc.header}.build(t, srv)
			req.ContentLength = tc.length
			c := dial(t, srv)
			writeHead(t, c, req) // and no body at all
			start := time.Now()
			_ = c.SetReadDeadline(time.Now().Add(abuseIdleTimeout / 2))
			resp, err := http.ReadResponse(bufio.NewReader(c), req)
			if err != nil {
				c.Close()
				t.Errorf("%s: no answer before any body byte: %v", tc.name, err)
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			c.Close()
			var e s3Error
			_ = xml.Unmarshal(b, &e)
			t.Logf("%s: %d %s after %v", tc.name, resp.StatusCode, e.Code, time.Since(start).Round(time.Millisecond))
			if resp.StatusCode != http.StatusBadRequest || e.Code != "EntityTooLarge" {
				t.Errorf("%s: %d %s; want 400 EntityTooLarge", tc.name, resp.StatusCode, e.Code)
			}
		}
		for _, key := range []string{"huge-10g", "huge-10g-expect", "huge-5g1", "huge-chunked"} {
			assertNotStored(t, srv, bucket, key)
		}
		lp := (rawReq{Method: http.MethodGet, Path: "/" + bucket + "/huge-part?uploadId=" + uploadID}).do(t, srv)
		if lp.Status != http.StatusOK || strings.Contains(string(lp.Body), "<Part>") {
			t.Errorf("ListParts after the refused part: %s", lp)
		}
		assertNoTemps(t, "the claims over 5 GiB")
	})

	t.Run("claimed 4 GiB with a short body fails cleanly", func(t *testing.T) {
		key := "short-body"
		req := rawReq{Method: http.MethodPut, Path: "/" + bucket + "/" + key, PayloadHash: "UNSIGNED-PAYLOAD"}.build(t, srv)
		req.ContentLength = 4 << 30
		status := sendTruncated(t, srv, req, testData(1<<20, 44))
		t.Logf("4 GiB claimed, 1 MiB sent, then EOF: answered %d (0 = closed)", status)
		if status >= 200 && status < 300 {
			t.Errorf("short body answered %d", status)
		}
		assertNotStored(t, srv, bucket, key)
		assertNoTemps(t, "the short body")
	})

	healthy(t, "after the abuse")
}

func dial(t *testing.T, srv *server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", srv.HostPort, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeHead writes req's request line and headers (with its Content-Length).
func writeHead(t *testing.T, c net.Conn, req *http.Request) {
	t.Helper()
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	if req.ContentLength > 0 {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", req.ContentLength)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := c.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
