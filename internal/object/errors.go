package object

import "errors"

// Domain errors. Each API maps them to its wire codes in one table.
var (
	ErrInvalidBucketName       = errors.New("invalid bucket name")
	ErrNoSuchBucket            = errors.New("no such bucket")
	ErrBucketAlreadyOwnedByYou = errors.New("bucket already exists and is owned by you")
	ErrBucketNotEmpty          = errors.New("bucket not empty")
	ErrNoSuchKey               = errors.New("no such key")
	// ErrInvalidKey: the key is empty, too long, has a segment that cannot be a
	// file name ("." / ".." / over 255 bytes / NUL), or has a trailing-slash shape
	// the filesystem cannot hold.
	ErrInvalidKey = errors.New("invalid object key")
	// ErrKeyConflict: the key cannot exist as a file beside another key
	// ("a/b" as an object while "a" is one, or the reverse).
	ErrKeyConflict      = errors.New("object key conflicts with an existing key or prefix")
	ErrBadDigest        = errors.New("content-md5 does not match the body")
	ErrIncompleteBody   = errors.New("body shorter than declared")
	ErrNoSuchUpload     = errors.New("no such upload")
	ErrInvalidPart      = errors.New("invalid part")
	ErrInvalidPartOrder = errors.New("parts not in ascending order")
	ErrEntityTooSmall   = errors.New("part smaller than the minimum allowed size")
	ErrEntityTooLarge   = errors.New("object larger than the maximum allowed size")
	// ErrChecksumAlgorithm: an unknown checksum algorithm (CreateMultipartUpload),
	// or one without a composite form (CompositeChecksum).
	ErrChecksumAlgorithm = errors.New("unsupported checksum algorithm")
	// ErrNoSpace: the storage is full (ENOSPC) or a quota is exhausted
	// (EDQUOT); nothing was stored. Freeing space makes the same request work.
	ErrNoSpace = errors.New("no space left on the storage")
)
