package posix

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// A PUT renames its temp file into the key's directory. Through os.Root,
// opening that directory took a mkdirat per component (EEXIST, normally),
// an openat per component, the poller's fcntls and epoll_ctl and a close.
// With the journal on, the backend holds the data directory open (dataFD),
// and where the kernel has openat2 (Linux 5.6) one call opens
// BUCKET/DIR beneath it, with:
//
//   - RESOLVE_BENEATH: nothing outside the data directory (keys and bucket
//     names have no "..", and the kernel makes sure);
//   - RESOLVE_NO_SYMLINKS (and NO_MAGICLINKS): no symbolic link followed in
//     any component. A plain openat or renameat of "BUCKET/DIR/KEY" would
//     follow a link planted in the data directory out of it; os.Root
//     follows links that stay inside the bucket.
//
// Whenever it fails (no such directory yet, a link, a file where a
// directory should be, no openat2, a seccomp filter) the directory is made
// and opened through os.Root as before, which also gives the errors their
// meaning (ErrKeyConflict). So a link inside a bucket still works as it
// did, only slower.

// parentDir is the open directory of a key. fd is f's when os.Root opened it.
type parentDir struct {
	f  *os.File
	fd int
}

func (d *parentDir) close() {
	switch {
	case d.f != nil:
		d.f.Close()
	case d.fd >= 0:
		unix.Close(d.fd)
	}
	*d = parentDir{fd: -1}
}

// regularIno is the inode of the regular file name in d, or 0 (no file, or
// not a regular one).
func (d *parentDir) regularIno(name string) uint64 {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return 0
	}
	return st.Ino
}

// openParent opens dir (slash-separated, "" or ending in "/") of bucket,
// whose root is r, creating it and its parents if needed (see above).
func (b *Backend) openParent(r *os.Root, bucket, dir string) (parentDir, error) {
	if b.dataFD != nil {
		name := bucket
		if dir = strings.TrimSuffix(dir, "/"); dir != "" {
			name += "/" + dir
		}
		how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveFlags}
		for attempt := 0; attempt < 3; attempt++ {
			fd, err := unix.Openat2(int(b.dataFD.Fd()), name, &how)
			if err == nil {
				return parentDir{fd: fd}, nil
			}
			if err != unix.EINTR && err != unix.EAGAIN {
				break
			}
		}
	}
	f, err := ensureDir(r, dir)
	if err != nil {
		return parentDir{fd: -1}, err
	}
	return parentDir{f: f, fd: int(f.Fd())}, nil
}
