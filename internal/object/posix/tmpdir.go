package posix

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// Temp files. Every Backend writes its temp files into a directory of its own,
// DATA/.fedstore/tmp/<instance>, on which it holds an exclusive flock(2) for
// as long as the process lives. The kernel drops the lock when the process
// dies (kill -9 included), so at start New removes every instance directory
// whose lock it can take: what a crashed process left behind mid-write. A
// directory still locked belongs to a live process (another node on a shared
// filesystem, or another Backend in this process) and is kept. The directory
// is locked under a hidden name and then renamed into place, so nobody sees
// it unlocked. Loose files directly under tmp/ (older releases) and hidden
// directories whose owner died before the rename are removed after staleTemp.

// newInstancePrefix marks an instance directory being set up.
const newInstancePrefix = ".new-"

// setupTemp cleans up after dead instances and creates this one's locked
// temp directory under root.
func (b *Backend) setupTemp(root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("posix: %w", err)
	}
	b.cleanTemp(root)
	id, err := b.randomHex(8)
	if err != nil {
		return err
	}
	staging := filepath.Join(root, newInstancePrefix+id)
	if err := os.Mkdir(staging, 0o755); err != nil {
		return fmt.Errorf("posix: temp dir: %w", err)
	}
	d, err := os.Open(staging)
	if err != nil {
		_ = os.Remove(staging)
		return fmt.Errorf("posix: temp dir: %w", err)
	}
	if err := unix.Flock(int(d.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		// Without flock (some FUSE filesystems) dead instances' temps are only
		// removed by age; the directory still works.
		b.log.Warn("posix: cannot lock the temp directory; leftovers of a crash are removed after a day", "err", err)
	}
	final := filepath.Join(root, id)
	if err := os.Rename(staging, final); err != nil {
		d.Close()
		_ = os.Remove(staging)
		return fmt.Errorf("posix: temp dir: %w", err)
	}
	b.tmp, b.tmpLock = final, d
	return nil
}

// cleanTemp removes the instance directories of dead processes and stale
// loose temp files under root.
func (b *Backend) cleanTemp(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if e.IsDir() && !strings.HasPrefix(e.Name(), newInstancePrefix) {
			if n, ok := removeDeadInstance(p); ok {
				b.log.Info("posix: removed temp files of a stopped process", "dir", p, "files", n)
			}
			continue
		}
		fi, err := e.Info()
		if err == nil && b.now().Sub(fi.ModTime()) > staleTemp {
			_ = os.RemoveAll(p)
		}
	}
}

// removeDeadInstance removes the instance directory dir if no live process
// holds its lock, and reports how many files it held.
func removeDeadInstance(dir string) (int, bool) {
	d, err := os.Open(dir)
	if err != nil {
		return 0, false
	}
	defer d.Close()
	if err := unix.Flock(int(d.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return 0, false // alive, or no flock here: keep it
	}
	names, _ := d.Readdirnames(-1)
	if err := os.RemoveAll(dir); err != nil {
		return 0, false
	}
	return len(names), true
}

// noSpace marks errors of a full filesystem (ENOSPC) or an exhausted quota
// (EDQUOT) with object.ErrNoSpace, keeping the original in the chain.
func noSpace(err error) error {
	if err == nil || errors.Is(err, object.ErrNoSpace) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", object.ErrNoSpace, err)
	}
	return err
}
