package posix

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"syscall"

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

// openKey opens the object file of key in bucket. An invalid key cannot
// exist, so reads of it answer ErrNoSuchKey (wrapping the reason). The open
// file does not need the bucket's root: it is released before returning.
func (b *Backend) openKey(bucket, key string) (*os.File, string, error) {
	r, err := b.acquireBucket(bucket)
	if err != nil {
		return nil, "", err
	}
	rel, err := keyToPath(key)
	if err != nil {
		r.release()
		return nil, "", fmt.Errorf("%w: %v", object.ErrNoSuchKey, err) // only NoSuchKey, as S3 answers
	}
	f, err := r.root.OpenFile(rel, openFlags, 0)
	if errors.Is(err, syscall.ENOENT) && r.stale() {
		// The bucket's directory was replaced (or removed) behind our back.
		if r, err = b.reopen(bucket, r); err != nil {
			return nil, "", err
		}
		f, err = r.root.OpenFile(rel, openFlags, 0)
	}
	r.release()
	if err != nil {
		return nil, "", openError(bucket, key, err)
	}
	return f, rel, nil
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

// GetObject implements object.Backend: the metadata is read from the open
// file, so Info describes exactly the bytes Body reads (a later PUT replaces
// the directory entry, not this file).
func (b *Backend) GetObject(ctx context.Context, bucket, key string) (*object.Object, error) {
	f, rel, err := b.openKey(bucket, key)
	if err != nil {
		return nil, err
	}
	info, err := b.readMeta(f, bucket, key, rel)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &object.Object{Info: info, Body: f}, nil
}

// HeadObject implements object.Backend.
func (b *Backend) HeadObject(ctx context.Context, bucket, key string) (object.ObjectInfo, error) {
	f, rel, err := b.openKey(bucket, key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	defer f.Close()
	return b.readMeta(f, bucket, key, rel)
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
