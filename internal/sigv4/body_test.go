package sigv4

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestNewBody(t *testing.T) {
	t.Parallel()
	data := []byte(strings.Repeat("fedstore body ", 3000))
	crc := CRC32.Checksum(data)
	sha := SHA256.Checksum(data)
	md := md5.Sum(data)
	md5b64 := base64.StdEncoding.EncodeToString(md[:])
	s := testSigning()
	trl := func(name, v string) [][2]string { return [][2]string{{name, v}} }
	tests := []struct {
		name        string
		method      string
		query       string
		payload     string
		signing     *ChunkSigning
		header      map[string]string
		body        []byte
		wantErr     error // from NewBody
		wantReadErr error // from reading
		wantSum     string
	}{
		{name: "signed hash", payload: PayloadHash(data), body: data},
		{name: "signed hash mismatch", payload: PayloadHash([]byte("x")), body: data, wantReadErr: ErrXAmzContentSHA256Mismatch},
		{name: "unsigned", payload: UnsignedPayload, body: data},
		{name: "anonymous", payload: "", body: data},
		{name: "crc32 header", payload: UnsignedPayload, header: map[string]string{"X-Amz-Checksum-Crc32": crc}, body: data, wantSum: crc},
		{name: "crc32 header mismatch", payload: PayloadHash(data), header: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, body: data, wantReadErr: ErrBadDigest},
		{name: "sha256 header", payload: "", header: map[string]string{"X-Amz-Checksum-Sha256": sha}, body: data, wantSum: sha},
		{name: "computed only", payload: UnsignedPayload, header: map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, body: data, wantSum: crc},
		{name: "content-md5", payload: UnsignedPayload, header: map[string]string{"Content-Md5": md5b64}, body: data},
		{name: "content-md5 mismatch", payload: UnsignedPayload, header: map[string]string{"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, body: data, wantReadErr: ErrBadDigest},
		{name: "content-md5 malformed", payload: UnsignedPayload, header: map[string]string{"Content-Md5": "abc"}, body: data, wantErr: ErrInvalidDigest},
		{name: "unsigned trailer", payload: StreamingUnsignedTrailer,
			header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(data))},
			body:   encodeChunked(data, 8192, nil, trl("x-amz-checksum-crc32", crc)), wantSum: crc},
		{name: "unsigned trailer wrong checksum", payload: StreamingUnsignedTrailer,
			header:      map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(data))},
			body:        encodeChunked(data, 8192, nil, trl("x-amz-checksum-crc32", "AAAAAA==")),
			wantReadErr: ErrBadDigest},
		{name: "unsigned trailer malformed checksum", payload: StreamingUnsignedTrailer,
			header:      map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(data))},
			body:        encodeChunked(data, 8192, nil, trl("x-amz-checksum-crc32", "zz")),
			wantReadErr: ErrInvalidRequest},
		{name: "signed trailer wrong (but signed) checksum", payload: StreamingPayloadTrailer, signing: s,
			header:      map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": strconv.Itoa(len(data))},
			body:        encodeChunked(data, 65536, s, trl("x-amz-checksum-crc32", "AAAAAA==")),
			wantReadErr: ErrBadDigest},
		{name: "signed chunks with crc32 header", payload: StreamingPayload, signing: s,
			header: map[string]string{"X-Amz-Checksum-Crc32": crc, "X-Amz-Decoded-Content-Length": strconv.Itoa(len(data))},
			body:   encodeChunked(data, 65536, s, nil), wantSum: crc},
		{name: "streaming without decoded length", payload: StreamingPayload, signing: s, body: encodeChunked(data, 65536, s, nil), wantErr: ErrMissingContentLength},
		{name: "streaming bad decoded length", payload: StreamingPayload, signing: s, header: map[string]string{"X-Amz-Decoded-Content-Length": "-5"}, wantErr: ErrInvalidArgument},
		{name: "signed streaming anonymously", payload: StreamingPayload, header: map[string]string{"X-Amz-Decoded-Content-Length": "1"}, wantErr: ErrInvalidRequest},
		{name: "trailer mode without x-amz-trailer", payload: StreamingUnsignedTrailer, header: map[string]string{"X-Amz-Decoded-Content-Length": "1"}, wantErr: ErrInvalidRequest},
		{name: "x-amz-trailer without trailer mode", payload: UnsignedPayload, header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}, wantErr: ErrInvalidRequest},
		{name: "complete multipart ignores object checksum", method: "POST", query: "uploadId=abc", payload: PayloadHash(data),
			header: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, body: data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = "PUT"
			}
			r, _ := http.NewRequest(method, "http://h/b/k?"+tt.query, bytes.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			b, err := NewBody(r, tt.payload, tt.signing)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("NewBody err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(iotest.HalfReader(b))
			if tt.wantReadErr != nil {
				if !errors.Is(err, tt.wantReadErr) {
					t.Fatalf("read err = %v, want %v", err, tt.wantReadErr)
				}
				if b.Checksum() != "" {
					t.Fatalf("Checksum() = %q after a failed read", b.Checksum())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("body %d bytes, want %d", len(got), len(data))
			}
			if b.ContentLength != int64(len(data)) {
				t.Fatalf("ContentLength %d", b.ContentLength)
			}
			if b.Checksum() != tt.wantSum {
				t.Fatalf("Checksum() = %q, want %q", b.Checksum(), tt.wantSum)
			}
		})
	}
}

func TestBodyTruncated(t *testing.T) {
	t.Parallel()
	data := []byte("0123456789")
	for _, payload := range []string{UnsignedPayload, PayloadHash(data)} {
		r, _ := http.NewRequest("PUT", "http://h/b/k", io.NopCloser(bytes.NewReader(data[:6])))
		r.ContentLength = 10
		b, err := NewBody(r, payload, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(b); !errors.Is(err, ErrIncompleteBody) {
			t.Fatalf("%s: err = %v, want ErrIncompleteBody", payload, err)
		}
		r, _ = http.NewRequest("PUT", "http://h/b/k", io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF)))
		b, _ = NewBody(r, payload, nil)
		if _, err := io.ReadAll(b); !errors.Is(err, ErrIncompleteBody) {
			t.Fatalf("%s: unexpected EOF: err = %v, want ErrIncompleteBody", payload, err)
		}
	}
}
