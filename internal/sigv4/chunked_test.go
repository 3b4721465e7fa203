package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// encodeChunked frames data as aws-chunked, signing chunks when s != nil, and
// appends trailer lines (signed with x-amz-trailer-signature when s != nil).
func encodeChunked(data []byte, chunk int, s *ChunkSigning, trailer [][2]string) []byte {
	var out bytes.Buffer
	prev := ""
	if s != nil {
		prev = s.Seed
	}
	sign := func(prefix string, hash [32]byte, withEmpty bool) string {
		sts := prefix + "\n" + s.AmzDate + "\n" + s.Scope + "\n" + prev + "\n"
		if withEmpty {
			sts += EmptySHA256 + "\n"
		}
		sts += hex.EncodeToString(hash[:])
		sig := hmacSHA256(s.Key[:], []byte(sts))
		prev = hex.EncodeToString(sig[:])
		return prev
	}
	for off := 0; ; off += chunk {
		off = min(off, len(data))
		end := min(off+chunk, len(data))
		part := data[off:end]
		fmt.Fprintf(&out, "%x", len(part))
		if s != nil {
			out.WriteString(";chunk-signature=" + sign("AWS4-HMAC-SHA256-PAYLOAD", sha256.Sum256(part), true))
		}
		out.WriteString("\r\n")
		if len(part) == 0 {
			break
		}
		out.Write(part)
		out.WriteString("\r\n")
	}
	if trailer == nil {
		out.WriteString("\r\n")
		return out.Bytes()
	}
	var canon string
	for _, kv := range trailer {
		out.WriteString(kv[0] + ":" + kv[1] + "\r\n")
		canon += kv[0] + ":" + kv[1] + "\n"
	}
	if s != nil {
		out.WriteString("x-amz-trailer-signature:" + sign("AWS4-HMAC-SHA256-TRAILER", sha256.Sum256([]byte(canon)), false) + "\r\n")
	}
	out.WriteString("\r\n")
	return out.Bytes()
}

func testSigning() *ChunkSigning {
	return &ChunkSigning{
		Key:     DeriveKey(exampleSecret, "20130524", "us-east-1", "s3"),
		AmzDate: "20130524T000000Z",
		Scope:   "20130524/us-east-1/s3/aws4_request",
		Seed:    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	}
}

func TestEncoderReproducesPublishedExample(t *testing.T) {
	t.Parallel()
	got := encodeChunked(bytes.Repeat([]byte("a"), 66560), 65536, testSigning(), nil)
	if want := streamingBody(streamingSigs); string(got) != want {
		t.Fatalf("test encoder disagrees with the published example")
	}
}

func TestChunkedReader(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80000 bytes
	crc := CRC32.Checksum(data)
	signed := testSigning()
	tr := func(v string) [][2]string { return [][2]string{{"x-amz-checksum-crc32", v}} }
	cut := func(b []byte, n int) []byte { return b[:len(b)-n] }
	tests := []struct {
		name    string
		body    []byte
		opts    ChunkedOptions
		wantErr error
	}{
		{"unsigned trailer", encodeChunked(data, 8192, nil, tr(crc)), ChunkedOptions{Trailer: true}, nil},
		{"unsigned trailer single chunk", encodeChunked(data, len(data), nil, tr(crc)), ChunkedOptions{Trailer: true}, nil},
		{"signed no trailer", encodeChunked(data, 65536, signed, nil), ChunkedOptions{Signing: signed}, nil},
		{"signed trailer", encodeChunked(data, 10000, signed, tr(crc)), ChunkedOptions{Signing: signed, Trailer: true}, nil},
		{"truncated data", cut(encodeChunked(data, 8192, nil, tr(crc)), 5000), ChunkedOptions{Trailer: true}, ErrIncompleteBody},
		{"truncated before trailer", encodeChunked(data, 8192, nil, nil)[:len(encodeChunked(data, 8192, nil, nil))-2], ChunkedOptions{Trailer: true}, ErrIncompleteBody},
		{"decoded length too big", encodeChunked(data, 8192, nil, tr(crc)), ChunkedOptions{Trailer: true, DecodedLength: int64(len(data)) + 1}, ErrIncompleteBody},
		{"decoded length too small", encodeChunked(data, 8192, nil, tr(crc)), ChunkedOptions{Trailer: true, DecodedLength: int64(len(data)) - 1}, ErrInvalidRequest},
		{"wrong seed", encodeChunked(data, 65536, signed, nil), ChunkedOptions{Signing: &ChunkSigning{Key: signed.Key, AmzDate: signed.AmzDate, Scope: signed.Scope, Seed: strings.Repeat("0", 64)}}, ErrSignatureDoesNotMatch},
		{"wrong key", encodeChunked(data, 65536, signed, nil), ChunkedOptions{Signing: &ChunkSigning{AmzDate: signed.AmzDate, Scope: signed.Scope, Seed: signed.Seed}}, ErrSignatureDoesNotMatch},
		{"unsigned body for signed mode", encodeChunked(data, 8192, nil, nil), ChunkedOptions{Signing: signed}, ErrInvalidRequest},
		{"undeclared trailer", encodeChunked(data, 8192, nil, [][2]string{{"x-amz-checksum-sha1", "x"}}), ChunkedOptions{Trailer: true}, ErrInvalidRequest},
		{"missing trailer", encodeChunked(data, 8192, nil, [][2]string{}), ChunkedOptions{Trailer: true}, ErrIncompleteBody},
		{"missing trailer signature", encodeChunked(data, 8192, signed, nil), ChunkedOptions{Signing: signed, Trailer: true}, ErrIncompleteBody},
		{"garbage after end", append(encodeChunked(data, 8192, nil, tr(crc)), "junk"...), ChunkedOptions{Trailer: true}, ErrInvalidRequest},
		{"bad size", []byte("zz\r\n"), ChunkedOptions{}, ErrInvalidRequest},
		{"size too long", []byte("00000000000000001\r\n"), ChunkedOptions{}, ErrInvalidRequest},
		{"no CRLF after data", []byte("3\r\nabcX\r\n0\r\n\r\n"), ChunkedOptions{DecodedLength: 3}, ErrInvalidRequest},
		{"bare LF", []byte("3\nabc\r\n0\r\n\r\n"), ChunkedOptions{DecodedLength: 3}, ErrInvalidRequest},
		{"endless header line", bytes.Repeat([]byte("1"), 10000), ChunkedOptions{}, ErrInvalidRequest},
		{"too many trailer lines", []byte("0\r\n" + strings.Repeat("x-amz-checksum-crc32:AAAAAA==\r\n", 20)), ChunkedOptions{Trailer: true, TrailerNames: []string{"x-amz-checksum-crc32"}}, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			if opts.DecodedLength == 0 && len(tt.body) > 1000 { // the encoded 80000-byte data
				opts.DecodedLength = int64(len(data))
			}
			if opts.Trailer && opts.TrailerNames == nil {
				opts.TrailerNames = []string{"x-amz-checksum-crc32"}
			}
			// One byte at a time, to exercise every state boundary.
			cr := NewChunkedReader(iotest.OneByteReader(bytes.NewReader(tt.body)), opts)
			got, err := io.ReadAll(cr)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(data))
			}
			if opts.Trailer {
				if v, _ := cr.Trailer("x-amz-checksum-crc32"); v != crc {
					t.Fatalf("trailer = %q, want %q", v, crc)
				}
			}
		})
	}
}

// A tampered chunk is reported by the Read that returns its last byte, before
// any byte of the next chunk.
func TestChunkedReaderStopsAtBadChunk(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("x"), 3*8192)
	s := testSigning()
	body := encodeChunked(data, 8192, s, nil)
	i := bytes.Index(body, []byte("xxxx")) + 100
	body[i] = 'y'
	cr := NewChunkedReader(bytes.NewReader(body), ChunkedOptions{Signing: s, DecodedLength: int64(len(data))})
	got, err := io.ReadAll(cr)
	if !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("err = %v", err)
	}
	if len(got) > 8192 {
		t.Fatalf("returned %d bytes past the bad chunk", len(got))
	}
}
