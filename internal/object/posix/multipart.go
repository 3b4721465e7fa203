package posix

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fedstore/fedstore/internal/object"
)

// uploadIDLen is the length of an upload id: 16 hex digits of the initiation
// time in nanoseconds (so ids sort by initiation) and 24 random hex digits.
const uploadIDLen = 40

// uploadRecord is upload.json in the staging directory.
type uploadRecord struct {
	Key               string          `json:"key"`
	Initiated         time.Time       `json:"initiated"`
	Metadata          object.Metadata `json:"metadata"`
	ChecksumAlgorithm string          `json:"checksum_algorithm,omitempty"`
}

// partRecord is NNNNN.json beside NNNNN.part; Ino binds it to the part file.
type partRecord struct {
	ETag         string           `json:"etag"`
	MD5          string           `json:"md5"`
	Size         int64            `json:"size"`
	LastModified time.Time        `json:"last_modified"`
	Checksum     *object.Checksum `json:"checksum,omitempty"`
	Ino          uint64           `json:"ino"`
}

func validUploadID(id string) bool {
	if len(id) != uploadIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (b *Backend) uploadDir(bucket, id string) string {
	return filepath.Join(b.multipartRoot(), bucket, id)
}

func partBase(n int) string { return fmt.Sprintf("%05d", n) }

func knownChecksumAlgorithm(a string) bool {
	switch a {
	case "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256":
		return true
	}
	return false
}

// CreateMultipartUpload implements object.Backend.
func (b *Backend) CreateMultipartUpload(ctx context.Context, bucket, key string, opts object.PutOptions) (_ string, err error) {
	defer func() { err = noSpace(err) }() // a full disk is ErrNoSpace (tmpdir.go)
	if _, err := keyToPath(key); err != nil {
		return "", err
	}
	r, err := b.openBucket(bucket)
	if err != nil {
		return "", err
	}
	r.Close()
	if a := opts.ChecksumAlgorithm; a != "" && !knownChecksumAlgorithm(a) {
		return "", fmt.Errorf("%w: %q", object.ErrChecksumAlgorithm, a)
	}
	now := b.now().UTC()
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.UnixNano()))
	suffix, err := b.randomHex(12)
	if err != nil {
		return "", err
	}
	id := hex.EncodeToString(ts[:]) + suffix
	dir := b.uploadDir(bucket, id)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("posix: create upload: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("posix: create upload: %w", err)
	}
	raw, err := json.Marshal(uploadRecord{Key: key, Initiated: now, Metadata: opts.Metadata, ChecksumAlgorithm: opts.ChecksumAlgorithm})
	if err != nil {
		return "", fmt.Errorf("posix: create upload: %w", err)
	}
	if err := b.writeFileAtomic(filepath.Join(dir, "upload.json"), raw); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return id, nil
}

// loadUpload returns the upload's record, or ErrNoSuchUpload when it does not
// exist or belongs to another key.
func (b *Backend) loadUpload(bucket, key, id string) (uploadRecord, error) {
	var rec uploadRecord
	if object.ValidateBucketName(bucket) != nil || !validUploadID(id) {
		return rec, fmt.Errorf("%w: %s", object.ErrNoSuchUpload, id)
	}
	raw := readSmallFile(filepath.Join(b.uploadDir(bucket, id), "upload.json"))
	if raw == nil || json.Unmarshal(raw, &rec) != nil || rec.Key != key {
		return rec, fmt.Errorf("%w: %s", object.ErrNoSuchUpload, id)
	}
	return rec, nil
}

// UploadPart implements object.Backend.
func (b *Backend) UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts object.PartOptions) (_ object.PartInfo, err error) {
	defer func() { err = noSpace(err) }() // a full disk is ErrNoSpace (tmpdir.go)
	if partNumber < 1 || partNumber > object.MaxPartNumber {
		return object.PartInfo{}, fmt.Errorf("%w: part number %d is not in 1..%d", object.ErrInvalidPart, partNumber, object.MaxPartNumber)
	}
	if _, err := b.loadUpload(bucket, key, uploadID); err != nil {
		return object.PartInfo{}, err
	}
	f, err := b.createTempFile()
	if err != nil {
		return object.PartInfo{}, err
	}
	defer discardTemp(f)
	n, sum, err := copyBody(ctx, f, body, opts.Size, MaxPartSize, opts.ContentMD5)
	if err != nil {
		return object.PartInfo{}, err
	}
	rec := partRecord{ETag: object.ETagFromMD5(sum), MD5: hex.EncodeToString(sum), Size: n}
	if opts.Checksum != nil {
		rec.Checksum = opts.Checksum()
	}
	if err := f.Sync(); err != nil {
		return object.PartInfo{}, fmt.Errorf("posix: sync part: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return object.PartInfo{}, fmt.Errorf("posix: stat part: %w", err)
	}
	rec.Ino = identityOf(fi).ino
	rec.LastModified = fi.ModTime().UTC()
	raw, err := json.Marshal(rec)
	if err != nil {
		return object.PartInfo{}, fmt.Errorf("posix: part metadata: %w", err)
	}
	dir := b.uploadDir(bucket, uploadID)
	defer b.lock(uploadID + "/" + partBase(partNumber))()
	if err := os.Rename(f.Name(), filepath.Join(dir, partBase(partNumber)+".part")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return object.PartInfo{}, fmt.Errorf("%w: %s (aborted)", object.ErrNoSuchUpload, uploadID)
		}
		return object.PartInfo{}, fmt.Errorf("posix: store part: %w", err)
	}
	if err := b.writeFileAtomic(filepath.Join(dir, partBase(partNumber)+".json"), raw); err != nil {
		return object.PartInfo{}, err
	}
	return object.PartInfo{PartNumber: partNumber, ETag: rec.ETag, Size: n, LastModified: rec.LastModified, Checksum: rec.Checksum}, nil
}

// loadPart returns a part's record if the part file is the one it describes.
func (b *Backend) loadPart(dir string, n int) (partRecord, bool) {
	var rec partRecord
	raw := readSmallFile(filepath.Join(dir, partBase(n)+".json"))
	if raw == nil || json.Unmarshal(raw, &rec) != nil {
		return rec, false
	}
	fi, err := os.Stat(filepath.Join(dir, partBase(n)+".part"))
	if err != nil || fi.Size() != rec.Size || identityOf(fi).ino != rec.Ino {
		return rec, false
	}
	return rec, true
}

// AbortMultipartUpload implements object.Backend.
func (b *Backend) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	if _, err := b.loadUpload(bucket, key, uploadID); err != nil {
		return err
	}
	if err := os.RemoveAll(b.uploadDir(bucket, uploadID)); err != nil {
		return fmt.Errorf("posix: abort upload: %w", err)
	}
	return nil
}
