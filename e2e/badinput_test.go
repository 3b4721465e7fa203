package e2e

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestBadInput sends requests that must be refused with a precise S3 error
// and must store nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	const bucket = "e2e-bad"
	if r := (rawReq{Method: http.MethodPut, Path: "/" + bucket}).do(t, srv); r.Status != http.StatusOK {
		t.Fatalf("CreateBucket: %s", r)
	}
	body := testData(4096, 31)
	other := testData(4096, 32)
	md5Of := func(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }

	// Positive control: the same helper's correct request works.
	if r := (rawReq{Method: http.MethodPut, Path: "/" + bucket + "/control", Body: body,
		Header: map[string]string{"Content-MD5": md5Of(body)}}).do(t, srv); r.Status != http.StatusOK {
		t.Fatalf("control PUT: %s", r)
	}
	srv.assertStoredFile(t, bucket, "control", body)

	tests := []struct {
		name   string
		req    rawReq
		status int
		code   string
	}{
		{"wrong secret", rawReq{SecretKey: "not-the-root-password"}, 403, "SignatureDoesNotMatch"},
		{"unknown access key", rawReq{AccessKey: "AKIAE2EUNKNOWN000000", SecretKey: "whatever-secret"}, 403, "InvalidAccessKeyId"},
		{"date 20 minutes behind", rawReq{When: time.Now().Add(-20 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"date 20 minutes ahead", rawReq{When: time.Now().Add(20 * time.Minute)}, 403, "RequestTimeTooSkewed"},
		{"wrong Content-MD5", rawReq{Header: map[string]string{"Content-MD5": md5Of(other)}}, 400, "BadDigest"},
		{"malformed Content-MD5", rawReq{Header: map[string]string{"Content-MD5": "not-base64!"}}, 400, "InvalidDigest"},
		{"signed hash of other bytes", rawReq{PayloadHash: sha256Hex(other)}, 400, "XAmzContentSHA256Mismatch"},
		{"no authorization at all", rawReq{NoSign: true}, 403, "AccessDenied"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("bad-%d", i)
			rr := tc.req
			rr.Method, rr.Path, rr.Body = http.MethodPut, "/"+bucket+"/"+key, body
			wantS3Error(t, "PUT", rr.do(t, srv), tc.status, tc.code)
			assertNotStored(t, srv, bucket, key)
		})
	}

	t.Run("presigned", func(t *testing.T) {
		tests := []struct {
			name    string
			expires string
			age     time.Duration
			status  int
			code    string
		}{
			{"valid", "300", 0, 200, ""},
			{"expired", "60", 2 * time.Minute, 403, "AccessDenied"},
			{"expiry over seven days", "604801", 0, 400, "AuthorizationQueryParametersError"},
		}
		for _, tc := range tests {
			u := presign(t, srv, http.MethodGet, "/"+bucket+"/control", tc.expires, time.Now().Add(-tc.age))
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := doRequest(t, srv, req)
			if tc.code == "" {
				if r.Status != tc.status || !bytes.Equal(r.Body, body) {
					t.Errorf("%s presigned GET: %s; want 200 and the object", tc.name, r)
				}
				continue
			}
			wantS3Error(t, tc.name+" presigned GET", r, tc.status, tc.code)
		}
	})

	t.Run("truncated body", func(t *testing.T) {
		for _, ph := range []string{"", "UNSIGNED-PAYLOAD"} {
			key := "truncated-" + map[string]string{"": "signed", "UNSIGNED-PAYLOAD": "unsigned"}[ph]
			full := testData(256<<10, 33)
			req := rawReq{Method: http.MethodPut, Path: "/" + bucket + "/" + key, Body: full, PayloadHash: ph}.build(t, srv)
			status := sendTruncated(t, srv, req, full[:len(full)/2])
			t.Logf("%s: half a body, then EOF: answered %d (0 = closed)", key, status)
			if status >= 200 && status < 300 {
				t.Errorf("%s: truncated upload answered %d", key, status)
			}
			assertNotStored(t, srv, bucket, key)
		}
	})

	t.Run("aws-chunked", func(t *testing.T) {
		payload := testData(150<<10, 34) // chunks of 64 KiB, 64 KiB, 22 KiB, then 0
		r := doRequest(t, srv, chunkedRequest(t, srv, "/"+bucket+"/chunked-ok", payload, 64<<10, nil))
		if r.Status != http.StatusOK {
			t.Fatalf("valid aws-chunked PUT: %s", r)
		}
		srv.assertStoredFile(t, bucket, "chunked-ok", payload)

		tampers := map[string]chunkTamper{
			"second chunk signature changed": func(i int, sig string, d []byte) (string, []byte) {
				if i == 1 {
					sig = flipHex(sig)
				}
				return sig, d
			},
			"final chunk signature changed": func(i int, sig string, d []byte) (string, []byte) {
				if i == 3 {
					sig = flipHex(sig)
				}
				return sig, d
			},
			"byte of second chunk changed": func(i int, sig string, d []byte) (string, []byte) {
				if i == 1 {
					d[100] ^= 0x01
				}
				return sig, d
			},
		}
		names := make([]string, 0, len(tampers))
		for n := range tampers {
			names = append(names, n)
		}
		sort.Strings(names)
		for i, name := range names {
			key := fmt.Sprintf("chunked-bad-%d", i)
			r := doRequest(t, srv, chunkedRequest(t, srv, "/"+bucket+"/"+key, payload, 64<<10, tampers[name]))
			wantS3Error(t, name, r, 403, "SignatureDoesNotMatch")
			assertNotStored(t, srv, bucket, key)
		}
	})

	t.Run("path traversal", func(t *testing.T) {
		root := filepath.Dir(srv.DataDir)
		marker := []byte("fedstore-e2e-traversal-marker")
		for _, p := range []string{
			"/" + bucket + "/../x",
			"/" + bucket + "/a/../../b",
			"/" + bucket + "/..%2Fx",
			"/" + bucket + "/a%2F..%2F..%2Fb",
			"/" + bucket + "/..%2F..%2F..%2Fc",
			"/" + bucket + "/a%2F..%2F..%2F" + bucket + "2%2Fd",
		} {
			r := rawReq{Method: http.MethodPut, Path: p, Body: marker}.do(t, srv)
			t.Logf("PUT %s: %d %s", p, r.Status, r.Err.Code)
			if r.Status < 400 || r.Err.Code == "" {
				t.Errorf("PUT %s: %s; want an S3 error", p, r)
			}
		}
		g := rawReq{Method: http.MethodGet, Path: "/" + bucket + "/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fhostname"}.do(t, srv)
		if g.Status < 400 || g.Err.Code == "" {
			t.Errorf("GET of a traversal key: %s; want an S3 error", g)
		}
		// Nothing with the marker anywhere around the data dir.
		for _, dir := range []string{root, filepath.Dir(root)} {
			_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				if b, err := os.ReadFile(path); err == nil && bytes.Equal(b, marker) {
					t.Errorf("traversal PUT stored %s", path)
				}
				return nil
			})
		}
	})
}

// assertNotStored checks that HEAD answers 404 and no file exists.
func assertNotStored(t *testing.T, srv *server, bucket, key string) {
	t.Helper()
	if r := (rawReq{Method: http.MethodHead, Path: "/" + bucket + "/" + key}).do(t, srv); r.Status != http.StatusNotFound {
		t.Errorf("HEAD %s after a refused PUT: %d, want 404", key, r.Status)
	}
	if _, err := os.Stat(srv.objectPath(bucket, key)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused PUT of %s left a file (stat: %v)", key, err)
	}
}

// sendTruncated writes req's head with its full Content-Length and only
// part of the body over a raw connection, half-closes it, and returns the
// status the server answered (0 when it just closed the connection).
func sendTruncated(t *testing.T, srv *server, req *http.Request, part []byte) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.HostPort, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.Host, req.ContentLength)
	if req.Host == "" {
		head.Reset()
		fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.URL.Host, req.ContentLength)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := conn.Write(append(head.Bytes(), part...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return 0 // closed without an answer: acceptable, as long as nothing is stored
	}
	resp.Body.Close()
	return resp.StatusCode
}

// flipHex changes the first hex digit of s.
func flipHex(s string) string {
	b := []byte(s)
	if b[0] == '0' {
		b[0] = '1'
	} else {
		b[0] = '0'
	}
	return string(b)
}
