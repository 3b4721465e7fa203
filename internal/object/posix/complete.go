package posix

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

// CompleteMultipartUpload implements object.Backend: it checks the list,
// concatenates the parts into a temp file (streaming, fsync) and commits it
// like a PUT, then removes the upload.
func (b *Backend) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []object.CompletePart) (_ object.ObjectInfo, err error) {
	defer func() { err = noSpace(err) }() // a full disk is ErrNoSpace (tmpdir.go)
	rel, err := keyToPath(key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	up, err := b.loadUpload(bucket, key, uploadID)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return object.ObjectInfo{}, fmt.Errorf("%w: the part list is empty", object.ErrInvalidPart)
	}
	br, err := b.acquireBucketFresh(bucket)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer br.release()
	dir := b.uploadDir(bucket, uploadID)
	recs := make([]partRecord, len(parts))
	md5s := make([][]byte, len(parts))
	var sums []string
	var total int64
	for i, p := range parts {
		if i > 0 && p.PartNumber <= parts[i-1].PartNumber {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d follows part %d", object.ErrInvalidPartOrder, p.PartNumber, parts[i-1].PartNumber)
		}
	}
	for i, p := range parts {
		rec, ok := b.loadPart(dir, p.PartNumber)
		if !ok || p.PartNumber < 1 || p.PartNumber > object.MaxPartNumber {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d was not uploaded", object.ErrInvalidPart, p.PartNumber)
		}
		if object.TrimETag(p.ETag) != object.TrimETag(rec.ETag) {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d has ETag %s, not %s", object.ErrInvalidPart, p.PartNumber, rec.ETag, p.ETag)
		}
		if c := p.Checksum; c != nil && c.Value != "" {
			if rec.Checksum == nil || rec.Checksum.Algorithm != c.Algorithm || rec.Checksum.Value != c.Value {
				return object.ObjectInfo{}, fmt.Errorf("%w: part %d checksum %s %s does not match the uploaded part", object.ErrInvalidPart, p.PartNumber, c.Algorithm, c.Value)
			}
		}
		if i < len(parts)-1 && rec.Size < object.MinPartSize {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d has %d bytes, the minimum is %d", object.ErrEntityTooSmall, p.PartNumber, rec.Size, object.MinPartSize)
		}
		if md5s[i], err = hex.DecodeString(rec.MD5); err != nil {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d record is damaged", object.ErrInvalidPart, p.PartNumber)
		}
		if rec.Checksum != nil && rec.Checksum.Algorithm == up.ChecksumAlgorithm {
			sums = append(sums, rec.Checksum.Value)
		}
		recs[i] = rec
		total += rec.Size
	}
	if total > MaxObjectSize {
		return object.ObjectInfo{}, fmt.Errorf("%w: the parts add up to %d bytes, the limit is %d", object.ErrEntityTooLarge, total, int64(MaxObjectSize))
	}
	f, err := b.createTempFile()
	if err != nil {
		return object.ObjectInfo{}, err
	}
	committed := false
	defer func() { closeTemp(f, committed) }()
	total = 0
	for i, p := range parts {
		n, err := appendPart(ctx, f, filepath.Join(dir, partBase(p.PartNumber)+".part"))
		if err != nil {
			return object.ObjectInfo{}, err
		}
		if n != recs[i].Size {
			return object.ObjectInfo{}, fmt.Errorf("%w: part %d changed while completing", object.ErrInvalidPart, p.PartNumber)
		}
		total += n
	}
	rec := metaRecord{Version: 1, ETag: object.MultipartETag(md5s), Size: total, Metadata: up.Metadata, PartsCount: len(parts)}
	if up.ChecksumAlgorithm != "" && len(sums) == len(parts) {
		if v, err := object.CompositeChecksum(up.ChecksumAlgorithm, sums); err == nil {
			rec.Checksum = &object.Checksum{Algorithm: up.ChecksumAlgorithm, Value: v, Type: object.ChecksumComposite}
		}
	}
	info, err := b.commit(ctx, br, bucket, key, rel, namedTemp(f), &rec, nil)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	committed = true
	if err := os.RemoveAll(dir); err != nil {
		b.log.Warn("posix: removing a completed upload", "upload_id", uploadID, "err", err)
	}
	return info, nil
}

func appendPart(ctx context.Context, dst *os.File, name string) (int64, error) {
	src, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", object.ErrInvalidPart, filepath.Base(name), err)
	}
	defer src.Close()
	n, err := io.Copy(dst, ctxReader{ctx, src})
	if err != nil {
		return 0, fmt.Errorf("posix: assembling parts: %w", err)
	}
	return n, nil
}

// ListParts implements object.Backend.
func (b *Backend) ListParts(ctx context.Context, bucket, key, uploadID string, opts object.ListPartsOptions) (object.ListPartsResult, error) {
	up, err := b.loadUpload(bucket, key, uploadID)
	if err != nil {
		return object.ListPartsResult{}, err
	}
	limit := opts.MaxParts
	if limit <= 0 || limit > object.MaxListUploads {
		limit = object.MaxListUploads
	}
	dir := b.uploadDir(bucket, uploadID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return object.ListPartsResult{}, fmt.Errorf("%w: %s", object.ErrNoSuchUpload, uploadID)
	}
	var nums []int
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		if n, err := strconv.Atoi(base); ok && err == nil && n > opts.PartNumberMarker && n >= 1 && n <= object.MaxPartNumber {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	res := object.ListPartsResult{ChecksumAlgorithm: up.ChecksumAlgorithm, Initiated: up.Initiated}
	for _, n := range nums {
		rec, ok := b.loadPart(dir, n)
		if !ok {
			continue
		}
		if len(res.Parts) == limit {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, object.PartInfo{PartNumber: n, ETag: rec.ETag, Size: rec.Size, LastModified: rec.LastModified, Checksum: rec.Checksum})
		res.NextPartNumberMarker = n
	}
	return res, nil
}

// ListMultipartUploads implements object.Backend.
func (b *Backend) ListMultipartUploads(ctx context.Context, bucket string, opts object.ListUploadsOptions) (object.ListUploadsResult, error) {
	r, err := b.openBucket(bucket)
	if err != nil {
		return object.ListUploadsResult{}, err
	}
	r.Close()
	entries, err := os.ReadDir(filepath.Join(b.multipartRoot(), bucket))
	if err != nil && !os.IsNotExist(err) {
		return object.ListUploadsResult{}, fmt.Errorf("posix: list uploads: %w", err)
	}
	var uploads []object.Upload
	for _, e := range entries {
		if !validUploadID(e.Name()) {
			continue
		}
		var rec uploadRecord
		raw := readSmallFile(filepath.Join(b.multipartRoot(), bucket, e.Name(), "upload.json"))
		if raw == nil || json.Unmarshal(raw, &rec) != nil || !strings.HasPrefix(rec.Key, opts.Prefix) {
			continue
		}
		uploads = append(uploads, object.Upload{Key: rec.Key, UploadID: e.Name(), Initiated: rec.Initiated})
	}
	return object.ListUploads(uploads, opts)
}
