package posix

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

const (
	xattrName = "user.fedstore.meta"
	// maxMetaBytes bounds a metadata record we read back.
	maxMetaBytes = 64 << 10
	// defaultContentType is what S3 answers for an object stored without one.
	defaultContentType = "binary/octet-stream"
)

// metaRecord is the stored metadata of an object. Size, MtimeNs and Ino bind
// it to the file's content: on a mismatch (the file was rewritten by other
// means) ETag and checksum are not trusted.
type metaRecord struct {
	Version    int              `json:"v"`
	ETag       string           `json:"etag"`
	Size       int64            `json:"size"`
	MtimeNs    int64            `json:"mtime_ns"`
	Ino        uint64           `json:"ino,omitempty"`
	Metadata   object.Metadata  `json:"metadata"`
	Checksum   *object.Checksum `json:"checksum,omitempty"`
	PartsCount int              `json:"parts_count,omitempty"`
}

func setXattr(f *os.File, v []byte) error {
	if err := unix.Fsetxattr(int(f.Fd()), xattrName, v, 0); err != nil {
		return fmt.Errorf("posix: set xattr: %w", err)
	}
	return nil
}

// xattrTooBig reports the errors a filesystem gives for a value it cannot hold.
func xattrTooBig(err error) bool {
	return errors.Is(err, syscall.E2BIG) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.ERANGE)
}

// xattrBuf is the buffer size for reading a record: most records (ETag,
// size, times, content type) are under 512 bytes; a larger one costs one
// more call.
const xattrBuf = 512

// readXattr returns the record in fd's xattr, or nil when there is none.
// It reads into buf when the record fits (readMeta passes a pooled buffer:
// a new one was a fifth of a 4 KiB GET's allocated bytes).
func readXattr(fd int, buf []byte) ([]byte, error) {
	for {
		n, err := unix.Fgetxattr(fd, xattrName, buf)
		switch {
		case err == nil:
			return buf[:n], nil
		case errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP):
			return nil, nil
		case errors.Is(err, unix.ERANGE) && len(buf) < maxMetaBytes:
			buf = make([]byte, maxMetaBytes)
		default:
			return nil, fmt.Errorf("posix: get xattr: %w", err)
		}
	}
}

func (b *Backend) getMetaBuf() *[xattrBuf]byte {
	if buf, ok := b.metaBufs.Get().(*[xattrBuf]byte); ok {
		return buf
	}
	return new([xattrBuf]byte)
}

// fileIdentity is what binds a metadata record to a file.
type fileIdentity struct {
	size    int64
	mtimeNs int64
	ino     uint64
	mtime   time.Time
}

// identityOfStat is identityOf for a raw stat result (no FileInfo to allocate).
func identityOfStat(st *unix.Stat_t) fileIdentity {
	mtime := time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)) // the fields' types differ between platforms
	return fileIdentity{size: st.Size, mtimeNs: mtime.UnixNano(), ino: st.Ino, mtime: mtime}
}

func identityOf(fi fs.FileInfo) fileIdentity {
	id := fileIdentity{size: fi.Size(), mtimeNs: fi.ModTime().UnixNano(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.ino = st.Ino
	}
	return id
}

// sidecarFile names the sidecar of the file with inode ino at rel: keyed by
// inode, so it can be written before the rename that publishes the file and
// data and metadata appear together.
//
// It is filepath.Join(b.metaRoot(), bucket, sidecarPath(rel, ino)) in one
// allocation (every overwrite asks): the parts are clean already.
func (b *Backend) sidecarFile(bucket, rel string, ino uint64) string {
	dir, base := path.Split(rel)
	var num [20]byte
	return b.internal + "/meta/" + bucket + "/" + dir + sidecarDir + "/" + base + "." + string(strconv.AppendUint(num[:0], ino, 10)) + ".json"
}

// readMeta loads the metadata of the open object f (at rel in bucket) and
// builds its ObjectInfo.
func (b *Backend) readMeta(f *os.File, bucket, key, rel string) (object.ObjectInfo, error) {
	dir, _ := strings.CutSuffix(f.Name(), "/"+rel)                                           // so that the objectFile's name is f's
	return b.readMetaFD(&objectFile{fd: int(f.Fd()), f: f, dir: dir, rel: rel}, bucket, key) // metafd.go
}

// syntheticETag is the ETag of a file without metadata (see doc.go).
func syntheticETag(id fileIdentity) string {
	sum := md5.Sum(fmt.Appendf(nil, "%d:%d:%d", id.size, id.mtimeNs, id.ino))
	return `"` + hex.EncodeToString(sum[:]) + `-1"`
}

func readSmallFile(name string) []byte {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxMetaBytes))
	if err != nil {
		return nil
	}
	return raw
}

// writeFileAtomic writes data to name through a temp file, fsync and rename.
func (b *Backend) writeFileAtomic(name string, data []byte) error {
	f, err := b.createTempFile()
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		discardTemp(f)
		return fmt.Errorf("posix: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		discardTemp(f)
		return fmt.Errorf("posix: sync %s: %w", name, err)
	}
	f.Close()
	// A concurrent removeSidecar may delete the (empty) directory between
	// MkdirAll and Rename: make it again and retry.
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("posix: %w", err)
		}
		err := os.Rename(f.Name(), name)
		if err == nil {
			break
		}
		if errors.Is(err, fs.ErrNotExist) && attempt < commitRetries {
			continue
		}
		os.Remove(f.Name())
		return fmt.Errorf("posix: rename %s: %w", name, err)
	}
	return syncDir(filepath.Dir(name))
}

// sidecarGrace is how long the sidecar of a replaced or deleted file is kept:
// a reader that opened the old file just before the rename still finds its
// metadata. (Readers take metadata once, right after open.)
const sidecarGrace = 10 * time.Second

type retiredSidecar struct {
	bucket, rel string
	ino         uint64
	at          time.Time
}

// retireSidecar schedules the sidecar of rel for inode ino for removal after
// sidecarGrace, and removes those whose grace has passed. A crash leaves the
// scheduled ones behind as orphans (harmless: keyed by an inode no file has).
//
// With xattr metadata a file has a sidecar only when its record was too large
// for an xattr (or was written without xattrs): one lstat finds out, and a
// file without one schedules nothing.
func (b *Backend) retireSidecar(bucket, rel string, ino uint64) {
	if ino == 0 {
		return
	}
	if b.xattr && !b.hasSidecar(bucket, rel, ino) {
		if b.retiredN.Load() > 0 {
			b.sweepRetired(b.now())
		}
		return
	}
	now := b.now()
	b.retiredMu.Lock()
	b.retired = append(b.retired, retiredSidecar{bucket: bucket, rel: rel, ino: ino, at: now})
	b.retiredN.Store(int64(len(b.retired)))
	b.retiredMu.Unlock()
	b.sweepRetired(now)
}

// hasSidecar reports whether the file with inode ino at rel may have a
// sidecar (true on errors other than "does not exist").
func (b *Backend) hasSidecar(bucket, rel string, ino uint64) bool {
	var st unix.Stat_t
	err := unix.Lstat(b.sidecarFile(bucket, rel, ino), &st)
	return !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR)
}

// sweepRetired removes the retired sidecars whose grace has passed at now.
func (b *Backend) sweepRetired(now time.Time) {
	b.retiredMu.Lock()
	var due []retiredSidecar
	keep := b.retired[:0]
	for _, r := range b.retired {
		if now.Sub(r.at) >= sidecarGrace {
			due = append(due, r)
		} else {
			keep = append(keep, r)
		}
	}
	b.retired = keep
	b.retiredN.Store(int64(len(keep)))
	b.retiredMu.Unlock()
	for _, r := range due {
		// Inodes are reused: keep the sidecar if a live file has that inode again.
		if fi, err := os.Lstat(filepath.Join(b.dir, r.bucket, filepath.FromSlash(r.rel))); err == nil && identityOf(fi).ino == r.ino {
			continue
		}
		b.removeSidecar(r.bucket, r.rel, r.ino)
	}
}

// removeSidecar removes the sidecar of rel for inode ino and its empty directories.
func (b *Backend) removeSidecar(bucket, rel string, ino uint64) {
	name := b.sidecarFile(bucket, rel, ino)
	if err := os.Remove(name); err != nil {
		return
	}
	stop := filepath.Join(b.metaRoot(), bucket)
	for d := filepath.Dir(name); d != stop && len(d) > len(stop); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			return
		}
	}
}
