package sigv4

import (
	"encoding/hex"
	"errors"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

func TestChecksumKnownVectors(t *testing.T) {
	t.Parallel()
	// Check values of "123456789" from the CRC catalogue, and SHA digests.
	tests := []struct {
		alg  ChecksumAlgorithm
		want string // hex of the big-endian digest
	}{
		{CRC32, "cbf43926"},
		{CRC32C, "e3069283"},
		{CRC64NVME, "ae8b14860a799888"},
		{SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			t.Parallel()
			h := tt.alg.New()
			h.Write([]byte("123456789"))
			if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.alg, got, tt.want)
			}
			if len(h.Sum(nil)) != tt.alg.Size() {
				t.Fatalf("size mismatch")
			}
		})
	}
	// The trailer example's CRC32C of 66560 'a's is sOO8/Q== (0xb0e3bcfd).
	if got := CRC32C.Checksum([]byte(streamingData())); got != "sOO8/Q==" {
		t.Fatalf("CRC32C = %s", got)
	}
}

func streamingData() string {
	b := make([]byte, 66560)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestParseChecksumHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		h       map[string]string
		want    ChecksumSpec
		wantErr error
	}{
		{"none", nil, ChecksumSpec{}, nil},
		{"crc32 header", map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, ChecksumSpec{Algorithm: CRC32, Value: "AAAAAA=="}, nil},
		{"sdk algorithm only", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "crc32c"}, ChecksumSpec{Algorithm: CRC32C}, nil},
		{"trailer", map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc64nvme", "X-Amz-Sdk-Checksum-Algorithm": "CRC64NVME"}, ChecksumSpec{Algorithm: CRC64NVME, Trailer: true}, nil},
		{"bad base64", map[string]string{"X-Amz-Checksum-Crc32": "not base64!"}, ChecksumSpec{}, ErrInvalidRequest},
		{"wrong length", map[string]string{"X-Amz-Checksum-Sha256": "AAAAAA=="}, ChecksumSpec{}, ErrInvalidRequest},
		{"two algorithms", map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA==", "X-Amz-Checksum-Crc32c": "AAAAAA=="}, ChecksumSpec{}, ErrInvalidRequest},
		{"conflicting algorithm", map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA==", "X-Amz-Sdk-Checksum-Algorithm": "SHA1"}, ChecksumSpec{}, ErrInvalidRequest},
		{"unknown algorithm", map[string]string{"X-Amz-Checksum-Algorithm": "MD5"}, ChecksumSpec{}, ErrInvalidRequest},
		{"unknown trailer", map[string]string{"X-Amz-Trailer": "x-amz-meta-foo"}, ChecksumSpec{}, ErrNotImplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.h {
				h.Set(k, v)
			}
			got, err := ParseChecksumHeaders(h)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestChecksumHeaderNames(t *testing.T) {
	t.Parallel()
	for _, a := range checksumAlgorithms {
		if got, want := a.Header(), "x-amz-checksum-"+strings.ToLower(string(a)); got != want {
			t.Errorf("%s.Header() = %q, want %q", a, got, want)
		}
		if got, want := a.canonicalHeader(), textproto.CanonicalMIMEHeaderKey(a.Header()); got != want {
			t.Errorf("%s.canonicalHeader() = %q, want %q", a, got, want)
		}
	}
}
