package posix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// openFlags open an object without following a final symbolic link and
// without blocking on a FIFO someone left there; anything but a regular
// file is ErrNoSuchKey (checked by readMeta).
const openFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// openObject opens the object file at rel.
func openObject(r *os.Root, bucket, key, rel string) (*os.File, error) {
	f, err := r.OpenFile(rel, openFlags, 0)
	if err != nil {
		return nil, openError(bucket, key, err)
	}
	return f, nil
}

func openError(bucket, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EISDIR) {
		return fmt.Errorf("%w: %s/%s", object.ErrNoSuchKey, bucket, key)
	}
	return fmt.Errorf("posix: open %s/%s: %w", bucket, key, err)
}

// openKey opens the object file of key in bucket: with openat2 on the
// bucket directory's descriptor where the kernel has it (openat2.go), else
// through os.Root. An invalid key cannot exist, so reads of it answer
// ErrNoSuchKey (wrapping the reason). The open file does not need the
// bucket's root: it is released before returning.
func (b *Backend) openKey(bucket, key string) (objectFile, error) {
	r, err := b.acquireBucket(bucket)
	if err != nil {
		return objectFile{}, err
	}
	rel, err := keyToPath(key)
	if err != nil {
		r.release()
		return objectFile{}, fmt.Errorf("%w: %v", object.ErrNoSuchKey, err) // only NoSuchKey, as S3 answers
	}
	o, at2, err := b.openIn(r, rel)
	if errors.Is(err, syscall.ENOENT) && r.stale() {
		// The bucket's directory was replaced (or removed) behind our back.
		if r, err = b.reopen(bucket, r); err != nil {
			return objectFile{}, err
		}
		o, at2, err = b.openIn(r, rel)
	}
	r.release()
	switch {
	case err != nil && at2:
		return objectFile{}, openat2Error(bucket, key, rel, err)
	case err != nil:
		return objectFile{}, openError(bucket, key, err)
	}
	return o, nil
}

// openIn opens rel in the bucket directory r. at2 tells whether openat2
// did (err is then its errno) or os.Root.
func (b *Backend) openIn(r *bucketRoot, rel string) (o objectFile, at2 bool, err error) {
	if b.useOpenat2(r) {
		fd, err := openat2Object(r.fd, rel)
		if err == nil {
			return objectFile{fd: fd, dir: r.path, rel: rel}, true, nil
		}
		if err != unix.EAGAIN {
			return objectFile{}, true, err
		}
		// Raced renames past the retries: let os.Root try.
	}
	f, err := r.root.OpenFile(rel, openFlags, 0)
	if err != nil {
		return objectFile{}, false, err
	}
	return objectFile{fd: int(f.Fd()), f: f, dir: r.path, rel: rel}, false, nil // Fd leaves f's mode alone: see readMeta
}

// objectInfo opens rel, reads its metadata and closes it.
func (b *Backend) objectInfo(r *os.Root, bucket, key, rel string) (object.ObjectInfo, error) {
	f, err := openObject(r, bucket, key, rel)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer f.Close()
	return b.readMeta(f, bucket, key, rel)
}

// memReadAttempts bounds how often GetObject describes and reads a small
// object that turns out shorter than its fstat said.
const memReadAttempts = 2

// GetObject implements object.Backend: the metadata is read from the open
// file, so Info describes exactly the bytes Body reads (a later PUT replaces
// the directory entry, not this file). A small object (up to maxMemBody) is
// read whole and its file closed at once; a larger one's Body is its file.
func (b *Backend) GetObject(ctx context.Context, bucket, key string) (*object.Object, error) {
	o, err := b.openKey(bucket, key)
	if err != nil {
		return nil, err
	}
	return b.getOpen(&o, bucket, key, nil)
}

// getOpen is GetObject of the open file o, which it closes or hands over
// to the Body. Tests pass described, called after each fstat.
func (b *Backend) getOpen(o *objectFile, bucket, key string, described func()) (*object.Object, error) {
	for attempt := 1; ; attempt++ {
		info, err := b.readMetaFD(o, bucket, key)
		if err != nil {
			o.close()
			return nil, err
		}
		if info.Size > maxMemBody {
			return &object.Object{Info: info, Body: o.file()}, nil
		}
		if described != nil {
			described()
		}
		obj, complete, err := b.bodies.readMem(o.fd, info)
		if complete || err != nil || attempt == memReadAttempts {
			o.close()
		}
		switch {
		case err != nil:
			return nil, fmt.Errorf("posix: read %s/%s: %w", bucket, key, &fs.PathError{Op: "pread", Path: o.name(), Err: err})
		case complete:
			return obj, nil
		case attempt == memReadAttempts:
			return nil, fmt.Errorf("posix: read %s/%s: %w", bucket, key, io.ErrUnexpectedEOF)
		}
		// Truncated since the fstat, by something other than fedstore
		// (which replaces files): describe what the file holds now.
	}
}

// HeadObject implements object.Backend.
func (b *Backend) HeadObject(ctx context.Context, bucket, key string) (object.ObjectInfo, error) {
	o, err := b.openKey(bucket, key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer o.close()
	return b.readMetaFD(&o, bucket, key)
}

// DeleteObject implements object.Backend: it removes the file, its sidecar,
// and then the parent directories that became empty, up to the bucket.
func (b *Backend) DeleteObject(ctx context.Context, bucket, key string) error {
	br, err := b.acquireBucket(bucket)
	if err != nil {
		return err
	}
	rel, err := keyToPath(key)
	if err != nil {
		br.release()
		return nil // cannot exist
	}
	unlock := b.keys.lock(bucket + "/" + rel)
	defer unlock()
	if b.throughLink(br, rel) {
		br.release()
		return nil // reads see no such key there (openat2.go): nothing to delete
	}
	fi, err := br.root.Lstat(rel)
	if errors.Is(err, syscall.ENOENT) && br.stale() {
		if br, err = b.reopen(bucket, br); err != nil {
			return err
		}
		fi, err = br.root.Lstat(rel)
	}
	defer br.release()
	if err != nil || !fi.Mode().IsRegular() {
		return nil // missing, or not an object (a directory is a prefix)
	}
	r := br.root
	if err := r.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("posix: delete %s/%s: %w", bucket, key, err)
	}
	b.retireSidecar(bucket, rel, identityOf(fi).ino)
	dir := path.Dir(rel)
	if d, err := r.Open(dirOrDot(dir)); err == nil {
		d.Sync()
		d.Close()
	}
	if b.journal != nil {
		// A small object of this key may still be in the journal.
		if err := b.journal.supersede(bucket, rel); err != nil {
			return err
		}
	}
	for ; dir != "." && dir != "/"; dir = path.Dir(dir) {
		if r.Remove(dir) != nil {
			break
		}
	}
	return nil
}

func dirOrDot(d string) string {
	if d == "" {
		return "."
	}
	return d
}
