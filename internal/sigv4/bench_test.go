package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

func BenchmarkVerifyHeader(b *testing.B) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	r, _ := http.NewRequest("GET", "http://127.0.0.1:9000/bucket/some/object%20key.txt?x-id=GetObject", nil)
	r.Header.Set("Range", "bytes=0-1023")
	r.Header.Set("Amz-Sdk-Invocation-Id", "5f9b0c1e-1111-2222-3333-444455556666")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	if err := SignRequest(r, exampleAK, exampleSecret, "us-east-1", "s3", EmptySHA256, now); err != nil {
		b.Fatal(err)
	}
	// As the server receives it: net/http sets RequestURI, which
	// CanonicalURI reads as sent (a client-side request has none and
	// re-escapes its path, allocating).
	r.RequestURI = r.URL.RequestURI()
	cache := NewKeyCache(0)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := ParseRequest(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CheckTime(now, 15*time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := s.Verify(r, cache.Key(exampleSecret, s.Scope)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChunkedDecode(b *testing.B) {
	data := bytes.Repeat([]byte("a"), 1<<20)
	for _, bc := range []struct {
		name    string
		signing *ChunkSigning
		trailer [][2]string
	}{
		{"signed-64KiB", testSigning(), nil},
		{"unsigned-trailer-64KiB", nil, [][2]string{{"x-amz-checksum-crc32", CRC32.Checksum(data)}}},
	} {
		body := encodeChunked(data, 64<<10, bc.signing, bc.trailer)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			buf := make([]byte, 32<<10)
			for b.Loop() {
				cr := NewChunkedReader(bytes.NewReader(body), ChunkedOptions{
					Signing: bc.signing, Trailer: bc.trailer != nil,
					TrailerNames: []string{"x-amz-checksum-crc32"}, DecodedLength: int64(len(data)),
				})
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{cr}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
