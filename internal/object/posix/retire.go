package posix

import (
	"errors"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// An overwrite used to rename the new file over the old one. On ext4 that
// rename does two slow things in the PUT's own thread: it starts the
// writeback of the new file's data (the auto_da_alloc heuristic for
// programs that replace files without fsync; fedstore's journal or fsync
// already made the data durable), and freeing the old file's blocks waits
// for the device to discard them (with the discard mount option). Now the
// temp file is exchanged with the old one (renameat2 RENAME_EXCHANGE,
// atomic like the rename: readers see the old or the new object), which
// leaves the old file under the temp file's name in the temp directory,
// and a retirer goroutine unlinks it there, off the request's path. A
// crash before that leaves it in the temp directory, which the next start
// empties (tmpdir.go).

// maxRetiring and maxRetiringBytes bound the replaced files waiting for
// their unlink (their count, and the disk space they hold); beyond them a
// PUT unlinks its own.
const (
	maxRetiring      = 1024
	maxRetiringBytes = 1 << 30
)

// retirer unlinks replaced files in the background.
type retirer struct {
	mu      sync.RWMutex
	ch      chan retiree
	bytes   atomic.Int64 // the sizes of the files in ch
	closed  bool
	pending sync.WaitGroup // files handed over and not unlinked yet
	done    chan struct{}
	once    sync.Once
}

type retiree struct {
	path string
	size int64
}

// exchange swaps the temp file at tmpPath with the regular file name in
// the directory dirFD and retires the replaced file. It reports false,
// with nothing changed, when the filesystem has no RENAME_EXCHANGE or the
// swap fails or what was swapped out is not a regular file (then swapped
// back): the caller then renames as before.
func (b *Backend) exchange(tmpPath string, dirFD int, name string) bool {
	if b.noExchange.Load() {
		return false
	}
	for {
		err := unix.Renameat2(unix.AT_FDCWD, tmpPath, dirFD, name, unix.RENAME_EXCHANGE)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EINVAL || err == unix.ENOSYS {
			b.noExchange.Store(true)
		}
		if err != nil {
			return false
		}
		break
	}
	// The key's lock keeps fedstore's own changes out; this guards against
	// a directory put there by hand, which must not land in the temp
	// directory.
	var st unix.Stat_t
	if err := unix.Fstatat(unix.AT_FDCWD, tmpPath, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		if err := unix.Renameat2(unix.AT_FDCWD, tmpPath, dirFD, name, unix.RENAME_EXCHANGE); err != nil {
			b.log.Error("posix: cannot swap back a replaced entry that is not a file", "path", tmpPath, "err", err)
		}
		return false
	}
	b.retire(tmpPath, st.Size)
	return true
}

// retire unlinks path, a replaced file of size bytes in the temp
// directory, in the background (or now, when the queue is full or the
// backend closed).
func (b *Backend) retire(path string, size int64) {
	r := &b.retirer
	r.once.Do(func() {
		r.ch = make(chan retiree, maxRetiring)
		r.done = make(chan struct{})
		go b.runRetirer()
	})
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed && r.bytes.Add(size) <= maxRetiringBytes {
		r.pending.Add(1)
		select {
		case r.ch <- retiree{path, size}:
			return
		default:
			r.pending.Done()
		}
	}
	if !r.closed {
		r.bytes.Add(-size)
	}
	b.unlinkRetired(path)
}

func (b *Backend) runRetirer() {
	r := &b.retirer
	defer close(r.done)
	for e := range r.ch {
		b.unlinkRetired(e.path)
		r.bytes.Add(-e.size)
		r.pending.Done()
	}
}

func (b *Backend) unlinkRetired(path string) {
	if err := unix.Unlink(path); err != nil && !errors.Is(err, unix.ENOENT) {
		b.log.Warn("posix: cannot remove a replaced file from the temp directory", "path", path, "err", err)
	}
}

// waitRetired returns once every file handed to the retirer is unlinked.
func (b *Backend) waitRetired() { b.retirer.pending.Wait() }

// closeRetirer unlinks what waits and stops the retirer.
func (b *Backend) closeRetirer() {
	r := &b.retirer
	r.mu.Lock()
	started := r.ch != nil && !r.closed
	r.closed = true
	if started {
		close(r.ch)
	}
	r.mu.Unlock()
	if started {
		<-r.done
	}
}
