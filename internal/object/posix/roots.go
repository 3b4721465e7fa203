package posix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// maxCachedRoots bounds the open bucket directories kept (one descriptor
// each). Buckets are few; past the bound an arbitrary entry makes room.
const maxCachedRoots = 256

// bucketRoot is an open bucket directory shared by the requests on the
// bucket. refs counts its users plus one while it is in the cache; the
// last release closes it, so no request ever uses a closed root.
type bucketRoot struct {
	root     *os.Root
	dir      *os.File // the directory of root, opened once more for its descriptor
	fd       int      // dir's: openat2 resolves object paths under it (openat2.go)
	path     string   // DATA/BUCKET
	dev, ino uint64   // identity of the directory root was opened on
	refs     atomic.Int64
}

// release ends one use of r.
func (r *bucketRoot) release() {
	if r.refs.Add(-1) == 0 {
		r.dir.Close()
		r.root.Close()
	}
}

// stale reports whether DATA/BUCKET is no longer the directory r holds:
// removed (and maybe made again) behind the backend's back, e.g. by another
// node of a cluster on the same filesystem.
func (r *bucketRoot) stale() bool {
	var st unix.Stat_t
	if err := unix.Stat(r.path, &st); err != nil {
		return true
	}
	return uint64(st.Dev) != r.dev || st.Ino != r.ino // Dev's type differs between platforms
}

// rootCache maps bucket names to their open directories. An entry whose
// directory was replaced fails its operations with ENOENT (nothing can be
// created in or found under a removed directory): callers then check stale,
// and on true call reopen and retry once.
type rootCache struct {
	mu    sync.RWMutex
	roots map[string]*bucketRoot

	openat2 atomic.Int32 // openat2Unknown, On or Off: see useOpenat2
}

// cachedRoot returns the cached root of bucket, opening it if needed. The
// caller must release it. It checks neither the name (acquireBucket does) nor
// whether the cached directory is still the bucket's (see stale).
func (b *Backend) cachedRoot(bucket string) (*bucketRoot, error) {
	if r := b.lookupRoot(bucket); r != nil {
		return r, nil
	}
	r, err := b.openRoot(bucket)
	if err != nil {
		return nil, err
	}
	r.refs.Store(2) // the cache's and the caller's
	c := &b.roots
	c.mu.Lock()
	// A root another request opened meanwhile gives way to this later one;
	// a full cache gives up an arbitrary entry.
	old := c.roots[bucket]
	if old == nil && len(c.roots) >= maxCachedRoots {
		for name, e := range c.roots {
			delete(c.roots, name)
			old = e
			break
		}
	}
	if c.roots == nil {
		c.roots = make(map[string]*bucketRoot)
	}
	c.roots[bucket] = r
	c.mu.Unlock()
	if old != nil {
		old.release() // the cache's reference: closed now or by its last user
	}
	return r, nil
}

// lookupRoot returns bucket's cached root, acquired, or nil.
func (b *Backend) lookupRoot(bucket string) *bucketRoot {
	c := &b.roots
	c.mu.RLock()
	r := c.roots[bucket]
	if r != nil {
		r.refs.Add(1) // while listed, the cache's own reference keeps it open
	}
	c.mu.RUnlock()
	return r
}

// acquireBucket validates the name and returns the bucket's root, cached.
// The caller must release it.
func (b *Backend) acquireBucket(bucket string) (*bucketRoot, error) {
	if r := b.lookupRoot(bucket); r != nil {
		return r, nil // only valid names get into the cache
	}
	if err := object.ValidateBucketName(bucket); err != nil {
		return nil, fmt.Errorf("%w: %v", object.ErrNoSuchBucket, err)
	}
	return b.cachedRoot(bucket)
}

// acquireBucketFresh is acquireBucket for operations that cannot tell a removed
// directory from an empty one by an ENOENT (listing, creating keys,
// deleting the bucket): it checks the cached directory is still the
// bucket's first (one stat).
func (b *Backend) acquireBucketFresh(bucket string) (*bucketRoot, error) {
	r, err := b.acquireBucket(bucket)
	if err != nil || !r.stale() {
		return r, err
	}
	return b.reopen(bucket, r)
}

// reopen drops the stale root r of bucket from the cache, releases the
// caller's use of it and returns a newly opened root (ErrNoSuchBucket when
// the bucket is gone).
func (b *Backend) reopen(bucket string, r *bucketRoot) (*bucketRoot, error) {
	b.forgetRoot(bucket, r)
	r.release()
	return b.cachedRoot(bucket)
}

// forgetRoot removes r from the cache if it is bucket's entry (nil: any
// entry of bucket), dropping the cache's reference.
func (b *Backend) forgetRoot(bucket string, r *bucketRoot) {
	c := &b.roots
	c.mu.Lock()
	cur := c.roots[bucket]
	if cur == nil || (r != nil && cur != r) {
		c.mu.Unlock()
		return
	}
	delete(c.roots, bucket)
	c.mu.Unlock()
	cur.release()
}

// openRoot opens DATA/BUCKET (uncached) and records its identity.
func (b *Backend) openRoot(bucket string) (*bucketRoot, error) {
	root, err := b.openBucketDir(bucket)
	if err != nil {
		return nil, err
	}
	// The directory root holds (not whatever DATA/BUCKET is by now); os.Root
	// does not share its descriptor. Fd leaves a directory's mode alone.
	dir, err := root.Open(".")
	var st unix.Stat_t
	if err == nil {
		if serr := fstat(int(dir.Fd()), &st); serr != nil {
			dir.Close()
			err = &fs.PathError{Op: "stat", Path: ".", Err: serr}
		}
	}
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("posix: bucket %s: %w", bucket, err)
	}
	r := &bucketRoot{root: root, dir: dir, fd: int(dir.Fd()), path: filepath.Join(b.dir, bucket)}
	r.dev, r.ino = uint64(st.Dev), st.Ino // Dev's type differs between platforms
	return r, nil
}

// openBucket validates the name and opens the bucket directory as a Root,
// uncached; the caller closes it.
func (b *Backend) openBucket(bucket string) (*os.Root, error) {
	if err := object.ValidateBucketName(bucket); err != nil {
		return nil, fmt.Errorf("%w: %v", object.ErrNoSuchBucket, err)
	}
	return b.openBucketDir(bucket)
}

func (b *Backend) openBucketDir(bucket string) (*os.Root, error) {
	r, err := os.OpenRoot(filepath.Join(b.dir, bucket))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, fmt.Errorf("%w: %s", object.ErrNoSuchBucket, bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("posix: bucket %s: %w", bucket, err)
	}
	return r, nil
}
