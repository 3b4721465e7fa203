// Package sigv4 implements the server side of AWS Signature Version 4 as S3
// uses it: parsing the Authorization header and presigned query parameters,
// the canonical request, signing-key derivation (with a bounded cache),
// signature verification, the aws-chunked payload framings (signed chunks,
// unsigned and signed trailers) and the additional checksums (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256). It also signs requests for fedstore's own clients.
//
// It is pure: it uses net/http and net/url types but no handlers, no XML and
// no fedstore package. Credentials are looked up by the caller (authn).
package sigv4
