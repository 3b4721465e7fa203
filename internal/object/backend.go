package object

import (
	"context"
	"io"
	"time"
)

// Backend stores buckets and objects. Implementations: object/posix. Every
// Backend passes the suite in object/objecttest.
//
// Bodies passed to PutObject and UploadPart may fail while being read (a
// checksum or signature found wrong at the end of the stream): a Backend must
// then store nothing and return that error (wrapped with %w) unchanged.
type Backend interface {
	ListBuckets(ctx context.Context) ([]BucketInfo, error)
	// CreateBucket: ErrInvalidBucketName, ErrBucketAlreadyOwnedByYou.
	CreateBucket(ctx context.Context, bucket string) error
	// DeleteBucket: ErrNoSuchBucket, ErrBucketNotEmpty (objects or uploads in progress).
	DeleteBucket(ctx context.Context, bucket string) error
	// HeadBucket: ErrNoSuchBucket.
	HeadBucket(ctx context.Context, bucket string) (BucketInfo, error)

	// PutObject stores body atomically and durably: when it returns nil the bytes
	// are on stable storage; readers see the old or the new object, never a part.
	PutObject(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (ObjectInfo, error)
	// GetObject opens the object as of one instant: Info describes exactly the
	// bytes that Body reads. The caller closes Body. ErrNoSuchKey, ErrNoSuchBucket.
	GetObject(ctx context.Context, bucket, key string) (*Object, error)
	// HeadObject: ErrNoSuchKey, ErrNoSuchBucket.
	HeadObject(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// DeleteObject removes the key; a missing key is not an error (S3 semantics).
	DeleteObject(ctx context.Context, bucket, key string) error
	// ListObjects lists in S3 order (byte order of the UTF-8 key), with
	// delimiter grouping and paging. Incomplete multipart uploads never show.
	ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)

	// CreateMultipartUpload returns a new upload id; opts carry the final
	// object's metadata.
	CreateMultipartUpload(ctx context.Context, bucket, key string, opts PutOptions) (string, error)
	// UploadPart stores (or replaces) one part, 1..10000. ErrNoSuchUpload.
	UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts PartOptions) (PartInfo, error)
	// CompleteMultipartUpload assembles the listed parts (ascending part
	// numbers, ETags matching, every part but the last >= MinPartSize) into the
	// object, atomically, and removes the upload. ErrInvalidPart,
	// ErrInvalidPartOrder, ErrEntityTooSmall, ErrNoSuchUpload.
	CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart) (ObjectInfo, error)
	// AbortMultipartUpload removes the upload and its parts. ErrNoSuchUpload.
	AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error
	ListParts(ctx context.Context, bucket, key, uploadID string, opts ListPartsOptions) (ListPartsResult, error)
	ListMultipartUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error)
}

// MinPartSize is the smallest size of any part but the last.
const MinPartSize = 5 << 20

// MaxPartNumber is the largest part number.
const MaxPartNumber = 10000

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// Metadata is what S3 stores with an object besides its bytes.
type Metadata struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// User holds x-amz-meta-* values keyed by the lower-case name without the prefix.
	User map[string]string
}

// Checksum is an additional checksum (x-amz-checksum-*): the algorithm's S3
// name (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and the base64 value.
// Type is FULL_OBJECT or COMPOSITE (multipart "value-N" form).
type Checksum struct {
	Algorithm string
	Value     string
	Type      string
}

// PutOptions go with PutObject and CreateMultipartUpload.
type PutOptions struct {
	Metadata Metadata
	// ContentMD5, if set, is the 16-byte digest the body must have, else ErrBadDigest.
	ContentMD5 []byte
	// Size is the length the body must have (-1: unknown), else ErrIncompleteBody.
	Size int64
	// Checksum, if set, is called once the body has been read to io.EOF (the
	// caller's verifying reader has then checked it); a non-nil result is stored
	// and returned with the object.
	Checksum func() *Checksum
	// ChecksumAlgorithm (CreateMultipartUpload) is the algorithm the parts use.
	ChecksumAlgorithm string
}

// PartOptions go with UploadPart.
type PartOptions struct {
	ContentMD5 []byte
	Size       int64
	Checksum   func() *Checksum // as in PutOptions
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Bucket       string
	Key          string
	Size         int64
	ETag         string // quoted, as S3 sends it
	LastModified time.Time
	Metadata     Metadata
	Checksum     *Checksum
	PartsCount   int
}

// Object is an open object: Body reads exactly Info.Size bytes and can seek.
type Object struct {
	Info ObjectInfo
	Body io.ReadSeekCloser
}

// ListOptions are the ListObjects / ListObjectsV2 parameters after decoding.
// Marker is V1's marker, or V2's continuation token decoded, or StartAfter,
// whichever is later: the listing returns keys (and prefixes) strictly after it.
type ListOptions struct {
	Prefix    string
	Delimiter string
	Marker    string
	MaxKeys   int // 0..1000; 0 returns nothing but IsTruncated state
}

// ListResult is one page. NextMarker is the last key or common prefix returned
// when IsTruncated (V1's NextMarker, V2's continuation token before encoding).
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	NextMarker     string
}

// PartInfo describes an uploaded part.
type PartInfo struct {
	PartNumber   int
	ETag         string
	Size         int64
	LastModified time.Time
	Checksum     *Checksum
}

// CompletePart is one entry of a CompleteMultipartUpload request.
type CompletePart struct {
	PartNumber int
	ETag       string
	Checksum   *Checksum
}

// ListPartsOptions page through an upload's parts.
type ListPartsOptions struct {
	PartNumberMarker int
	MaxParts         int // default 1000
}

// ListPartsResult is one page of parts.
type ListPartsResult struct {
	Parts                []PartInfo
	IsTruncated          bool
	NextPartNumberMarker int
	ChecksumAlgorithm    string
	Initiated            time.Time
}

// ListUploadsOptions page through a bucket's uploads in progress.
type ListUploadsOptions struct {
	Prefix         string
	Delimiter      string
	KeyMarker      string
	UploadIDMarker string
	MaxUploads     int // default 1000
}

// Upload is an upload in progress.
type Upload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// ListUploadsResult is one page of uploads.
type ListUploadsResult struct {
	Uploads            []Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}
