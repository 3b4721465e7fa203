package posix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fedstore/fedstore/internal/object"
)

// Options configure a Backend. The zero value is usable.
type Options struct {
	// ForceSidecar stores metadata in sidecar files even when the filesystem
	// supports user xattrs (tests use it to exercise both paths).
	ForceSidecar bool
	// NamedTempFiles makes PUTs write named temp files even where unnamed
	// ones (O_TMPFILE) work: for tests of that path.
	NamedTempFiles bool
	// Now is the clock (upload initiation, bucket creation); default time.Now.
	Now func() time.Time
	// Rand is the random source for upload ids and temp names; default crypto/rand.
	Rand io.Reader
	// Logger; default discards.
	Logger *slog.Logger
	// Journal makes small PUTs durable through a group-committed journal
	// (journal.go) instead of two fsyncs each. Only for a data directory
	// that this one process writes (not a cluster's shared filesystem).
	// Whatever the setting, New replays a journal a previous process left.
	Journal bool
	// JournalSegmentSize is the size of each of the journal's two segment
	// files; default DefaultJournalSegment.
	JournalSegmentSize int64
	// CheckpointInterval: default DefaultCheckpointInterval.
	CheckpointInterval time.Duration
}

// Backend is the filesystem object.Backend. It is safe for concurrent use.
type Backend struct {
	dir      string   // absolute DATA
	internal string   // DATA/.fedstore
	tmp      string   // DATA/.fedstore/tmp/<instance>, see tmpdir.go
	tmpLock  *os.File // the open, flock'ed tmp directory; held while the process lives
	xattr    bool
	now      func() time.Time
	rand     io.Reader
	randMu   sync.Mutex
	log      *slog.Logger
	locks    [256]sync.Mutex

	keys    keyLocks
	journal *journal // nil: every PUT fsyncs
	dataFD  *os.File // DATA, held open for syncfs

	roots    rootCache // open bucket directories, see roots.go
	metaBufs sync.Pool // of *[xattrBuf]byte, see readMeta
	bodies   memBodies // buffers of small objects read whole (smallbody.go)
	// noReplaceUnsupported: the filesystem refused RENAME_NOREPLACE (put.go).
	noReplaceUnsupported atomic.Bool
	// noExchange: the filesystem refused RENAME_EXCHANGE (retire.go).
	noExchange atomic.Bool
	retirer    retirer
	// anonTemp: PUTs write unnamed temp files (anontemp.go).
	anonTemp bool

	retiredMu sync.Mutex
	retired   []retiredSidecar // sidecars of replaced or deleted files, removed after a grace period
	retiredN  atomic.Int64     // len(retired), read without the lock
}

var _ object.Backend = (*Backend)(nil)

// staleTemp is the age after which New removes temp files it cannot tell to
// be dead by their directory's lock (see tmpdir.go).
const staleTemp = 24 * time.Hour

// New opens (creating if needed) the data directory dataDir.
func New(dataDir string, opts Options) (*Backend, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("posix: data dir %q: %w", dataDir, err)
	}
	b := &Backend{
		dir:      abs,
		internal: filepath.Join(abs, internalDir),
		now:      opts.Now,
		rand:     opts.Rand,
		log:      opts.Logger,
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.rand == nil {
		b.rand = rand.Reader
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{b.multipartRoot(), b.metaRoot(), b.bucketsRoot()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("posix: %w", err)
		}
	}
	if err := b.setupTemp(filepath.Join(b.internal, "tmp")); err != nil {
		return nil, err
	}
	b.anonTemp = !opts.NamedTempFiles && probeAnonTemp(b.tmp)
	if !opts.ForceSidecar {
		b.xattr = b.probeXattr()
	}
	if err := b.openJournal(opts); err != nil {
		return nil, err
	}
	b.log.Info("posix backend ready", "dir", abs, "xattr_metadata", b.xattr)
	return b, nil
}

// XattrMetadata reports whether metadata goes to xattrs (else sidecars).
func (b *Backend) XattrMetadata() bool { return b.xattr }

func (b *Backend) multipartRoot() string { return filepath.Join(b.internal, "multipart") }
func (b *Backend) metaRoot() string      { return filepath.Join(b.internal, "meta") }
func (b *Backend) bucketsRoot() string   { return filepath.Join(b.internal, "buckets") }

func (b *Backend) probeXattr() bool {
	f, err := b.createTempFile()
	if err != nil {
		return false
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	return setXattr(f, []byte("{}")) == nil
}

// randomHex returns n random bytes in hex.
func (b *Backend) randomHex(n int) (string, error) {
	buf := make([]byte, n)
	b.randMu.Lock()
	_, err := io.ReadFull(b.rand, buf)
	b.randMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("posix: random: %w", err)
	}
	return hex.EncodeToString(buf), nil
}

func discardTemp(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// lock serialises commits of one name (a part and its record).
func (b *Backend) lock(name string) func() {
	h := fnv.New32a()
	h.Write([]byte(name))
	m := &b.locks[h.Sum32()%uint32(len(b.locks))]
	m.Lock()
	return m.Unlock
}

// ListBuckets implements object.Backend: the directories of DATA with valid
// bucket names, sorted by name.
func (b *Backend) ListBuckets(ctx context.Context) ([]object.BucketInfo, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, fmt.Errorf("posix: list buckets: %w", err)
	}
	var out []object.BucketInfo
	for _, e := range entries {
		if object.ValidateBucketName(e.Name()) != nil {
			continue
		}
		fi, err := os.Stat(filepath.Join(b.dir, e.Name()))
		if err != nil || !fi.IsDir() {
			continue
		}
		out = append(out, object.BucketInfo{Name: e.Name(), Created: b.bucketCreated(e.Name(), fi)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (b *Backend) bucketCreated(bucket string, dirInfo fs.FileInfo) time.Time {
	if fi, err := os.Stat(filepath.Join(b.bucketsRoot(), bucket)); err == nil {
		return fi.ModTime().UTC()
	}
	return dirInfo.ModTime().UTC()
}

// CreateBucket implements object.Backend.
func (b *Backend) CreateBucket(ctx context.Context, bucket string) (err error) {
	defer func() { err = noSpace(err) }() // a full disk is ErrNoSpace (tmpdir.go)
	if err := object.ValidateBucketName(bucket); err != nil {
		return err
	}
	err = os.Mkdir(filepath.Join(b.dir, bucket), 0o755)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", object.ErrBucketAlreadyOwnedByYou, bucket)
	}
	if err != nil {
		return fmt.Errorf("posix: create bucket %s: %w", bucket, err)
	}
	b.forgetRoot(bucket, nil) // an earlier directory of the name, removed behind our back
	// Leftovers of an earlier bucket of the same name.
	_ = os.RemoveAll(filepath.Join(b.multipartRoot(), bucket))
	_ = os.RemoveAll(filepath.Join(b.metaRoot(), bucket))
	stamp := filepath.Join(b.bucketsRoot(), bucket)
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return fmt.Errorf("posix: create bucket %s: %w", bucket, err)
	}
	now := b.now()
	_ = os.Chtimes(stamp, now, now)
	return syncDir(b.dir)
}

// HeadBucket implements object.Backend.
func (b *Backend) HeadBucket(ctx context.Context, bucket string) (object.BucketInfo, error) {
	r, err := b.acquireBucketFresh(bucket)
	if err != nil {
		return object.BucketInfo{}, err
	}
	defer r.release()
	fi, err := r.root.Stat(".")
	if err != nil {
		return object.BucketInfo{}, fmt.Errorf("posix: bucket %s: %w", bucket, err)
	}
	return object.BucketInfo{Name: bucket, Created: b.bucketCreated(bucket, fi)}, nil
}

// DeleteBucket implements object.Backend. Empty directories left in the
// bucket (no keys) do not keep it from being deleted; any file does.
func (b *Backend) DeleteBucket(ctx context.Context, bucket string) error {
	r, err := b.acquireBucketFresh(bucket)
	if err != nil {
		return err
	}
	defer r.release()
	if ups, err := os.ReadDir(filepath.Join(b.multipartRoot(), bucket)); err == nil && len(ups) > 0 {
		return fmt.Errorf("%w: %s has multipart uploads in progress", object.ErrBucketNotEmpty, bucket)
	}
	if err := removeEmptyDirs(r.root, "."); err != nil {
		return fmt.Errorf("%w: %s", object.ErrBucketNotEmpty, bucket)
	}
	if err := os.Remove(filepath.Join(b.dir, bucket)); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return fmt.Errorf("%w: %s", object.ErrBucketNotEmpty, bucket)
		}
		return fmt.Errorf("posix: delete bucket %s: %w", bucket, err)
	}
	b.forgetRoot(bucket, r) // closed when the last request using it ends
	_ = os.RemoveAll(filepath.Join(b.metaRoot(), bucket))
	_ = os.RemoveAll(filepath.Join(b.multipartRoot(), bucket))
	_ = os.Remove(filepath.Join(b.bucketsRoot(), bucket))
	return syncDir(b.dir)
}

// removeEmptyDirs removes the directories under dir that hold no files
// (depth first, with rmdir only, so a concurrent write is never lost); it
// fails when a non-directory is found.
func removeEmptyDirs(r *os.Root, dir string) error {
	f, err := r.Open(dir)
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			return fs.ErrExist
		}
		sub := filepath.Join(dir, e.Name())
		if err := removeEmptyDirs(r, sub); err != nil {
			return err
		}
		if err := r.Remove(sub); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("posix: sync %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("posix: sync %s: %w", dir, err)
	}
	return nil
}
