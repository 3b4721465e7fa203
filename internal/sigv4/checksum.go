package sigv4

import (
	"crypto/sha1" //nolint:gosec // S3's x-amz-checksum-sha1 is an integrity checksum
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
)

// ChecksumAlgorithm names an S3 additional checksum: "CRC32", "CRC32C",
// "CRC64NVME", "SHA1" or "SHA256".
type ChecksumAlgorithm string

// The additional checksums S3 supports.
const (
	CRC32     ChecksumAlgorithm = "CRC32"
	CRC32C    ChecksumAlgorithm = "CRC32C"
	CRC64NVME ChecksumAlgorithm = "CRC64NVME"
	SHA1      ChecksumAlgorithm = "SHA1"
	SHA256    ChecksumAlgorithm = "SHA256"
)

// ChecksumAlgorithms lists every supported algorithm.
var checksumAlgorithms = [...]ChecksumAlgorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// crc64NVMEPoly is the CRC-64/NVME polynomial in the reflected form
// hash/crc64 expects.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// crc64NVMETable is built once on first use and never modified.
var crc64NVMETable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64NVMEPoly) })

// ParseChecksumAlgorithm accepts an algorithm name in any case.
func ParseChecksumAlgorithm(s string) (ChecksumAlgorithm, bool) {
	for _, a := range checksumAlgorithms {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// Header returns the header carrying this checksum, e.g. "x-amz-checksum-crc32".
func (a ChecksumAlgorithm) Header() string {
	switch a {
	case CRC32:
		return "x-amz-checksum-crc32"
	case CRC32C:
		return "x-amz-checksum-crc32c"
	case CRC64NVME:
		return "x-amz-checksum-crc64nvme"
	case SHA1:
		return "x-amz-checksum-sha1"
	case SHA256:
		return "x-amz-checksum-sha256"
	}
	return "x-amz-checksum-" + strings.ToLower(string(a))
}

// canonicalHeader is Header in net/http's canonical form, the key of
// http.Header: constants, so that looking for each algorithm's header on
// every request allocates nothing.
func (a ChecksumAlgorithm) canonicalHeader() string {
	switch a {
	case CRC32:
		return "X-Amz-Checksum-Crc32"
	case CRC32C:
		return "X-Amz-Checksum-Crc32c"
	case CRC64NVME:
		return "X-Amz-Checksum-Crc64nvme"
	case SHA1:
		return "X-Amz-Checksum-Sha1"
	case SHA256:
		return "X-Amz-Checksum-Sha256"
	}
	return textproto.CanonicalMIMEHeaderKey(a.Header())
}

// New returns a hash computing the checksum; Sum gives the big-endian digest.
func (a ChecksumAlgorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case CRC64NVME:
		return crc64.New(crc64NVMETable())
	case SHA1:
		return sha1.New() //nolint:gosec
	case SHA256:
		return sha256.New()
	}
	return nil
}

// Size is the digest length in bytes.
func (a ChecksumAlgorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// Checksum returns the base64 checksum of data.
func (a ChecksumAlgorithm) Checksum(data []byte) string {
	h := a.New()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// checkValue validates a base64 checksum value for a.
func (a ChecksumAlgorithm) checkValue(v string) error {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != a.Size() {
		return fmt.Errorf("%w: value for %s is not a base64 %d-byte %s checksum", ErrInvalidRequest, a.Header(), a.Size(), a)
	}
	return nil
}

// ChecksumSpec is what a request declares about its additional checksum.
type ChecksumSpec struct {
	Algorithm ChecksumAlgorithm // "" when none
	// Value is the expected base64 value from an x-amz-checksum-* header;
	// empty when it comes in the trailer or is only to be computed.
	Value string
	// Trailer is true when the value arrives in the aws-chunked trailer.
	Trailer bool
}

// ParseChecksumHeaders reads x-amz-checksum-<alg>, x-amz-sdk-checksum-algorithm,
// x-amz-checksum-algorithm and x-amz-trailer. At most one algorithm may be
// named; its value, if given in a header, must be well-formed. Errors wrap
// ErrInvalidRequest (or ErrNotImplemented for a trailer other than a checksum).
func ParseChecksumHeaders(h http.Header) (ChecksumSpec, error) {
	var spec ChecksumSpec
	for _, a := range checksumAlgorithms {
		v := h[a.canonicalHeader()]
		if len(v) == 0 {
			continue
		}
		if spec.Algorithm != "" || len(v) > 1 {
			return spec, fmt.Errorf("%w: expecting a single x-amz-checksum- header; multiple checksum types are not allowed", ErrInvalidRequest)
		}
		if err := a.checkValue(v[0]); err != nil {
			return spec, err
		}
		spec.Algorithm, spec.Value = a, v[0]
	}
	if tr := h.Values("X-Amz-Trailer"); len(tr) > 0 {
		var names []string
		for _, v := range tr {
			for n := range strings.SplitSeq(v, ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, strings.ToLower(n))
				}
			}
		}
		if len(names) != 1 {
			return spec, fmt.Errorf("%w: x-amz-trailer must name exactly one x-amz-checksum- header", ErrInvalidRequest)
		}
		a, ok := ParseChecksumAlgorithm(strings.TrimPrefix(names[0], "x-amz-checksum-"))
		if !ok || !strings.HasPrefix(names[0], "x-amz-checksum-") {
			return spec, fmt.Errorf("%w: trailing header %q is not supported", ErrNotImplemented, truncate(names[0]))
		}
		if spec.Algorithm != "" {
			return spec, fmt.Errorf("%w: expecting a single x-amz-checksum- header; got %s and trailer %s", ErrInvalidRequest, spec.Algorithm.Header(), names[0])
		}
		spec.Algorithm, spec.Trailer = a, true
	}
	for _, name := range [...]string{"X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Algorithm"} {
		v := h.Get(name)
		if v == "" {
			continue
		}
		a, ok := ParseChecksumAlgorithm(v)
		if !ok {
			return spec, fmt.Errorf("%w: value for %s header is invalid: %q", ErrInvalidRequest, strings.ToLower(name), truncate(v))
		}
		if spec.Algorithm != "" && spec.Algorithm != a {
			return spec, fmt.Errorf("%w: %s %s does not match the checksum sent (%s)", ErrInvalidRequest, strings.ToLower(name), a, spec.Algorithm)
		}
		spec.Algorithm = a
	}
	return spec, nil
}
