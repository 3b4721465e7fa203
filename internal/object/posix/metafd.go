package posix

import (
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// readMetaFD is readMeta for the object open as o, which may be a raw
// descriptor (no *os.File): it loads the metadata and builds the
// ObjectInfo from one fstat of that descriptor, so Info describes exactly
// the file read.
func (b *Backend) readMetaFD(o *objectFile, bucket, key string) (object.ObjectInfo, error) {
	var st unix.Stat_t
	if err := fstat(o.fd, &st); err != nil {
		return object.ObjectInfo{}, fmt.Errorf("posix: stat %s/%s: %w", bucket, key, &fs.PathError{Op: "fstat", Path: o.name(), Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return object.ObjectInfo{}, fmt.Errorf("%w: %s/%s", object.ErrNoSuchKey, bucket, key)
	}
	id := identityOfStat(&st)
	var raw []byte
	var err error
	fromXattr := false
	if b.xattr {
		buf := b.getMetaBuf()
		defer b.metaBufs.Put(buf) // decodeMeta copies what it keeps
		if raw, err = readXattr(o.fd, buf[:]); err != nil {
			return object.ObjectInfo{}, err
		}
		fromXattr = raw != nil
	}
	if raw == nil {
		raw = readSmallFile(b.sidecarFile(bucket, o.rel, id.ino))
	}
	info := object.ObjectInfo{Bucket: bucket, Key: key, Size: id.size, LastModified: id.mtime.UTC()}
	var rec metaRecord
	if raw != nil {
		rec, err = decodeMeta(raw)
	}
	if raw != nil && err == nil {
		info.Metadata = rec.Metadata
		trusted := rec.Size == id.size && rec.MtimeNs == id.mtimeNs && (fromXattr || rec.Ino == id.ino)
		if !fromXattr && rec.Ino != id.ino {
			info.Metadata = object.Metadata{} // a sidecar of another file
		}
		if trusted {
			info.ETag, info.Checksum, info.PartsCount = rec.ETag, rec.Checksum, rec.PartsCount
		}
	}
	if info.ETag == "" {
		info.ETag = syntheticETag(id)
	}
	if info.Metadata.ContentType == "" {
		info.Metadata.ContentType = defaultContentType
	}
	return info, nil
}

// fstat is unix.Fstat, retried on EINTR (which a FUSE or network
// filesystem may answer).
func fstat(fd int, st *unix.Stat_t) error {
	for {
		if err := unix.Fstat(fd, st); err != unix.EINTR {
			return err
		}
	}
}
