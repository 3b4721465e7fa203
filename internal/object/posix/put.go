package posix

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

const (
	// MaxObjectSize is S3's largest object.
	MaxObjectSize = 5 << 40
	// MaxPartSize is S3's largest part.
	MaxPartSize = 5 << 30
	// commitRetries bounds the retries when a concurrent delete removes the
	// (empty) parent directory between its creation and the rename.
	commitRetries = 16
)

// ctxReader stops a copy when the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyBody streams body into f while hashing it, and checks the declared size
// (-1: unknown), the limit and the expected MD5. It returns the size and MD5.
func copyBody(ctx context.Context, f *os.File, body io.Reader, size, limit int64, wantMD5 []byte) (int64, []byte, error) {
	return copyBodyTee(ctx, f, nil, body, size, limit, wantMD5)
}

// copyBodyTee is copyBody that also appends the body to *keep when keep is
// not nil (the journal takes small bodies from memory, not from the file).
func copyBodyTee(ctx context.Context, f *os.File, keep *bytes.Buffer, body io.Reader, size, limit int64, wantMD5 []byte) (int64, []byte, error) {
	if size > limit {
		return 0, nil, fmt.Errorf("%w: %d bytes, the limit is %d", object.ErrEntityTooLarge, size, limit)
	}
	if wantMD5 != nil && len(wantMD5) != md5.Size {
		return 0, nil, fmt.Errorf("%w: Content-MD5 has %d bytes, not 16", object.ErrBadDigest, len(wantMD5))
	}
	h := md5.New()
	max := limit
	if size >= 0 {
		max = size
	}
	var dst io.Writer = io.MultiWriter(f, h)
	if keep != nil {
		dst = io.MultiWriter(f, h, keep)
	}
	n, err := io.Copy(dst, io.LimitReader(ctxReader{ctx, body}, max+1))
	if err != nil {
		return 0, nil, fmt.Errorf("posix: reading body: %w", err)
	}
	switch {
	case size >= 0 && n < size:
		return 0, nil, fmt.Errorf("%w: got %d of %d bytes", object.ErrIncompleteBody, n, size)
	case size >= 0 && n > size:
		return 0, nil, fmt.Errorf("%w: body is longer than the declared %d bytes", object.ErrIncompleteBody, size)
	case n > limit:
		return 0, nil, fmt.Errorf("%w: over %d bytes", object.ErrEntityTooLarge, limit)
	}
	sum := h.Sum(nil)
	if wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return 0, nil, fmt.Errorf("%w: computed %x, declared %x", object.ErrBadDigest, sum, wantMD5)
	}
	return n, sum, nil
}

// PutObject implements object.Backend.
func (b *Backend) PutObject(ctx context.Context, bucket, key string, body io.Reader, opts object.PutOptions) (_ object.ObjectInfo, err error) {
	defer func() { err = noSpace(err) }() // a full disk is ErrNoSpace (tmpdir.go)
	rel, err := keyToPath(key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	br, err := b.acquireBucketFresh(bucket) // cached; checked against a removal behind our back
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer br.release()
	t, err := b.newPutTemp() // anontemp.go
	if err != nil {
		return object.ObjectInfo{}, err
	}
	f := t.f
	committed := false
	defer func() { t.close(committed) }()
	var keep *bytes.Buffer
	if b.journal != nil && opts.Size >= 0 && opts.Size <= JournalMaxObject {
		keep = bytes.NewBuffer(make([]byte, 0, opts.Size))
	}
	n, sum, err := copyBodyTee(ctx, f, keep, body, opts.Size, MaxObjectSize, opts.ContentMD5)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	rec := metaRecord{Version: 1, ETag: object.ETagFromMD5(sum), Size: n, Metadata: opts.Metadata}
	if opts.Checksum != nil {
		rec.Checksum = opts.Checksum()
	}
	var data []byte
	if keep != nil {
		data = keep.Bytes()
	}
	info, err := b.commit(ctx, br, bucket, key, rel, t, &rec, data)
	committed = err == nil
	return info, err
}

// createTempFile creates a new named temp file in DATA/.fedstore/tmp,
// without os.OpenFile's attempt to put the file in the runtime's poller
// (two fcntls, an epoll_ctl the kernel refuses for a regular file, two
// fcntls back): os.NewFile asks one F_GETFL.
func (b *Backend) createTempFile() (*os.File, error) {
	for range 3 {
		name, err := b.randomHex(12)
		if err != nil {
			return nil, err
		}
		p := b.tmp + "/" + name
		fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		for err == unix.EINTR {
			fd, err = unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		}
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("posix: temp file: %w", &fs.PathError{Op: "open", Path: p, Err: err})
		}
		return os.NewFile(uintptr(fd), p), nil
	}
	return nil, errors.New("posix: temp file: name collisions")
}

// closeTemp closes the temp file f and, unless it was renamed into place,
// removes it.
func closeTemp(f *os.File, renamed bool) {
	if renamed {
		f.Close()
		return
	}
	discardTemp(f)
}

// commit makes the fully written temp file f the object at rel: fsync, the
// metadata, the rename into place (creating parent directories) and the fsync
// of the directory. data, when not nil, is the file's content, kept while it
// was written (the journal needs it).
func (b *Backend) commit(ctx context.Context, br *bucketRoot, bucket, key, rel string, t *putTemp, rec *metaRecord, data []byte) (object.ObjectInfo, error) {
	f := t.f
	// Small objects with xattr metadata are made durable by the journal
	// (journal.go); everything else by fsyncs of the file and directory.
	viaJournal := b.journal != nil && b.xattr && rec.Size <= JournalMaxObject
	if !viaJournal {
		if err := f.Sync(); err != nil {
			return object.ObjectInfo{}, fmt.Errorf("posix: sync: %w", err)
		}
	}
	// The record binds the file's mtime, which only the kernel knows.
	var st unix.Stat_t
	if err := fstat(int(f.Fd()), &st); err != nil { // metafd.go
		return object.ObjectInfo{}, fmt.Errorf("posix: stat: %w", &fs.PathError{Op: "fstat", Path: f.Name(), Err: err})
	}
	id := identityOfStat(&st)
	rec.MtimeNs = id.mtimeNs
	useXattr := b.xattr
	var raw []byte
	if useXattr {
		raw = appendMetaBin(make([]byte, 0, 64), rec) // see metabin.go: small enough for the inode
		if err := setXattr(f, raw); err != nil {
			if !xattrTooBig(err) {
				return object.ObjectInfo{}, err
			}
			useXattr = false
		}
	}
	if viaJournal && !useXattr {
		// The metadata needs a sidecar: not a journal case after all.
		viaJournal = false
		if err := f.Sync(); err != nil {
			return object.ObjectInfo{}, fmt.Errorf("posix: sync: %w", err)
		}
	}
	if !useXattr {
		rec.Ino = id.ino
		var err error
		if raw, err = json.Marshal(rec); err != nil { // sidecars stay JSON
			return object.ObjectInfo{}, fmt.Errorf("posix: metadata: %w", err)
		}
		if err := b.writeFileAtomic(b.sidecarFile(bucket, rel, id.ino), raw); err != nil {
			return object.ObjectInfo{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		b.removeSidecar(bucket, rel, id.ino)
		return object.ObjectInfo{}, fmt.Errorf("posix: %w", err)
	}
	if viaJournal && int64(len(data)) != rec.Size {
		data = make([]byte, rec.Size) // size unknown before the body: read it back
		if _, err := f.ReadAt(data, 0); err != nil {
			return object.ObjectInfo{}, fmt.Errorf("posix: read back: %w", err)
		}
	}
	unlock := b.keys.lock(bucket + "/" + rel)
	defer unlock()
	// The parent directory is opened (made) before the journal record: a
	// key that conflicts fails without one. The renames go through it, and
	// the replaced file's inode is read in it.
	dir, _ := path.Split(rel)
	parent, err := b.openParent(br, bucket, dir)
	if err != nil {
		if !viaJournal {
			b.removeSidecar(bucket, rel, id.ino)
		}
		return object.ObjectInfo{}, err
	}
	defer func() { parent.close() }()
	var oldIno uint64 // the replaced file's, for its sidecar
	if viaJournal {
		if err := b.renameJournaled(br, bucket, rel, t, raw, rec.MtimeNs, data, &parent, &oldIno); err != nil {
			return object.ObjectInfo{}, err
		}
	} else {
		if err := b.renameAt(br, bucket, rel, t, true, &parent, &oldIno); err != nil {
			b.removeSidecar(bucket, rel, id.ino)
			return object.ObjectInfo{}, err
		}
		if b.journal != nil {
			if err := b.journal.supersede(bucket, rel); err != nil {
				return object.ObjectInfo{}, err
			}
		}
	}
	if oldIno != 0 && oldIno != id.ino {
		b.retireSidecar(bucket, rel, oldIno) // the replaced file's, if it had one
	}
	info := object.ObjectInfo{
		Bucket: bucket, Key: key, Size: rec.Size, ETag: rec.ETag, LastModified: id.mtime.UTC(),
		Metadata: rec.Metadata, Checksum: rec.Checksum, PartsCount: rec.PartsCount,
	}
	if info.Metadata.ContentType == "" {
		info.Metadata.ContentType = defaultContentType
	}
	return info, nil
}

// renameJournaled publishes a small object through the journal: its record
// is made durable first, then the temp file is renamed into place (through
// parent, the open directory of rel) without fsyncs. The caller holds the
// key's lock.
func (b *Backend) renameJournaled(br *bucketRoot, bucket, rel string, t *putTemp, meta []byte, mtimeNs int64, data []byte, parent *parentDir, replaced *uint64) error {
	ticket, err := b.journal.append(recPut, bucket, rel, meta, mtimeNs, data)
	if err != nil {
		return err
	}
	err = b.renameAt(br, bucket, rel, t, false, parent, replaced)
	b.journal.release(ticket)
	if err != nil {
		// The record must not bring the object back at the next start.
		if terr := b.journal.supersede(bucket, rel); terr != nil {
			b.log.Error("posix: journal: cannot cancel the record of a failed PUT", "bucket", bucket, "err", terr)
		}
		return err
	}
	return nil
}

// renameInto renames the named temp file f to rel inside the bucket, creating the
// parent directories, and with sync fsyncs the directory.
func (b *Backend) renameInto(br *bucketRoot, bucket, rel string, f *os.File, sync bool) error {
	dir, _ := path.Split(rel)
	parent, err := b.openParent(br, bucket, dir)
	if err != nil {
		return err
	}
	defer func() { parent.close() }()
	return b.renameAt(br, bucket, rel, namedTemp(f), sync, &parent, nil)
}

// renameAt publishes the temp file t as rel's name in *parent, the open
// directory of rel, and with sync fsyncs the directory. When a concurrent
// delete removed the (empty) directory it makes it again, replacing *parent.
//
// replaced, when not nil, receives the inode of the regular file the rename
// replaced (0: none). A rename that may not replace anything
// (RENAME_NOREPLACE) is tried first: a new key then costs no lookup of a
// file that is not there (an fstatat was 4% of a small PUT's CPU); only
// when something is there is it looked up, and replaced.
func (b *Backend) renameAt(br *bucketRoot, bucket, rel string, t *putTemp, sync bool, parent *parentDir, replaced *uint64) error {
	dir, base := path.Split(rel)
	published := func() error {
		if sync {
			if err := fsyncRetry(parent.fd); err != nil {
				return fmt.Errorf("posix: sync dir: %w", err)
			}
		}
		return nil
	}
	if replaced != nil {
		*replaced = 0
	}
	tryNew := replaced != nil
	if t.path == "" {
		// An unnamed temp file (anontemp.go): linked in if the name is
		// free, else named in the temp directory and renamed below.
		err := t.linkAt(parent.fd, base)
		if err == nil {
			return published()
		}
		if nerr := b.name(t); nerr != nil {
			return nerr
		}
		tryNew = tryNew && !errors.Is(err, unix.EEXIST) // known taken: no RENAME_NOREPLACE
		if replaced != nil && !tryNew {
			*replaced = parent.regularIno(base)
		}
	}
	tmpName := t.path
	if tryNew {
		if b.renameNew(tmpName, parent.fd, base) {
			return published()
		}
		*replaced = parent.regularIno(base)
	}
	if replaced != nil && *replaced != 0 && b.exchange(tmpName, parent.fd, base) {
		return published() // the replaced file is retired (retire.go)
	}
	removedDir := false
	for attempt := 0; ; attempt++ {
		err := renameatRetry(tmpName, parent.fd, base)
		if err == nil {
			if sync {
				if err := fsyncRetry(parent.fd); err != nil {
					return fmt.Errorf("posix: sync dir: %w", err)
				}
			}
			return nil
		}
		switch {
		case errors.Is(err, syscall.ENOENT) && attempt < commitRetries:
			// A concurrent delete removed the empty parent.
			parent.close()
			if *parent, err = b.openParent(br, bucket, dir); err != nil {
				return err
			}
			continue
		case errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST):
			// The target is a directory: fine only if it holds no keys.
			if !removedDir && removeEmptyDirs(br.root, rel) == nil && br.root.Remove(rel) == nil {
				removedDir = true
				continue
			}
			return fmt.Errorf("%w: %q is a prefix of other keys", object.ErrKeyConflict, pathToKey(rel))
		case errors.Is(err, syscall.ENOTDIR):
			return fmt.Errorf("%w: a parent of %q is an object", object.ErrKeyConflict, pathToKey(rel))
		default:
			return fmt.Errorf("posix: rename into place: %w", err)
		}
	}
}

// renameNew renames oldPath to newName in the directory newDirFD if nothing
// has that name there, and reports whether it did. Any failure (the name
// is taken, the directory went away, a filesystem without
// RENAME_NOREPLACE: then never tried again) is left to the caller's
// ordinary rename.
func (b *Backend) renameNew(oldPath string, newDirFD int, newName string) bool {
	if b.noReplaceUnsupported.Load() {
		return false
	}
	for {
		err := unix.Renameat2(unix.AT_FDCWD, oldPath, newDirFD, newName, unix.RENAME_NOREPLACE)
		switch err {
		case nil:
			return true
		case unix.EINTR:
			continue
		case unix.EINVAL, unix.ENOSYS:
			b.noReplaceUnsupported.Store(true)
		}
		return false
	}
}

func renameatRetry(oldPath string, newDirFD int, newName string) error {
	for {
		if err := unix.Renameat(unix.AT_FDCWD, oldPath, newDirFD, newName); err != unix.EINTR {
			return err
		}
	}
}

func fsyncRetry(fd int) error {
	for {
		if err := unix.Fsync(fd); err != unix.EINTR {
			return err
		}
	}
}

// ensureDir creates dir (slash-separated, "" for the bucket) and its parents
// inside r, fsyncing the parent of each directory it creates, and opens it.
func ensureDir(r *os.Root, dir string) (*os.File, error) {
	dir = path.Clean("./" + dir)
	for attempt := 0; ; attempt++ {
		err := mkdirChain(r, dir)
		if err == nil {
			var d *os.File
			d, err = r.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
			if err == nil {
				return d, nil
			}
		}
		switch {
		case errors.Is(err, syscall.ENOENT) && attempt < commitRetries:
			continue
		case errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOENT):
			return nil, fmt.Errorf("%w: a parent of the key is an object", object.ErrKeyConflict)
		default:
			return nil, fmt.Errorf("posix: create directory %s: %w", dir, err)
		}
	}
}

func mkdirChain(r *os.Root, dir string) error {
	if dir == "." {
		return nil
	}
	cur := ""
	for seg := range strings.SplitSeq(dir, "/") {
		parent := cur
		if cur == "" {
			cur = seg
		} else {
			cur += "/" + seg
		}
		err := r.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if parent == "" {
			parent = "."
		}
		if d, err := r.Open(parent); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}
