package object

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"strconv"
	"strings"
)

// ETagFromMD5 renders an MD5 digest as S3 sends it: quoted lower-case hex.
func ETagFromMD5(sum []byte) string {
	return `"` + hex.EncodeToString(sum) + `"`
}

// MultipartETag is the ETag of a completed multipart upload: the MD5 of the
// concatenated binary MD5 digests of the parts, in hex, then "-N", quoted.
func MultipartETag(partMD5s [][]byte) string {
	h := md5.New()
	for _, p := range partMD5s {
		h.Write(p)
	}
	return `"` + hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partMD5s)) + `"`
}

// TrimETag removes the quotes around an ETag (clients send both forms).
func TrimETag(etag string) string {
	etag = strings.TrimSpace(etag)
	if len(etag) >= 2 && etag[0] == '"' && etag[len(etag)-1] == '"' {
		return etag[1 : len(etag)-1]
	}
	return etag
}

// ETagMD5 returns the MD5 digest inside a single-part ETag ("hex" or
// `"hex"`), or false when the ETag is not a plain MD5.
func ETagMD5(etag string) ([]byte, bool) {
	b, err := hex.DecodeString(TrimETag(etag))
	if err != nil || len(b) != md5.Size {
		return nil, false
	}
	return b, true
}

// Checksum types.
const (
	ChecksumFullObject = "FULL_OBJECT"
	ChecksumComposite  = "COMPOSITE"
)

func compositeHash(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case "CRC32":
		return crc32.NewIEEE(), nil
	case "CRC32C":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli)), nil
	case "SHA1":
		return sha1.New(), nil
	case "SHA256":
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("%w: %q has no composite form", ErrChecksumAlgorithm, algorithm)
}

// CompositeChecksum computes a multipart upload's COMPOSITE checksum: the
// algorithm applied to the concatenated binary checksums of the parts, in
// base64, then "-N". partValues are the parts' base64 checksums in part order.
func CompositeChecksum(algorithm string, partValues []string) (string, error) {
	h, err := compositeHash(algorithm)
	if err != nil {
		return "", err
	}
	for i, v := range partValues {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", fmt.Errorf("%w: checksum of part %d is not base64: %w", ErrInvalidPart, i+1, err)
		}
		h.Write(raw)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partValues)), nil
}
