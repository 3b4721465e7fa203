package posix

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// A PUT renames its temp file into the key's directory. Through os.Root,
// opening that directory took a mkdirat per component (EEXIST, normally),
// an openat per component, the poller's fcntls and epoll_ctl and a close.
// Where the kernel has openat2 (Linux 5.6; probed once, openat2.go), one
// call opens DIR beneath the bucket directory's descriptor, with the
// restrictions GET opens objects with (resolveFlags):
//
//   - RESOLVE_BENEATH: nothing outside the bucket (keys have no "..", and
//     the kernel makes sure);
//   - RESOLVE_NO_SYMLINKS (and NO_MAGICLINKS): no symbolic link followed in
//     any component. fedstore never makes links; one planted inside a
//     bucket's directory by hand is not followed by a read (the key reads
//     as missing), so a write refuses it too (ErrKeyConflict: the key's
//     path is taken by something that is not a directory of keys), rather
//     than store an object that no GET would find. The bucket directory
//     itself may be a link (an operator's mount trick): resolution starts
//     below it.
//
// A directory that does not exist yet (or a file where a directory should
// be) is made and opened through os.Root, which also gives the errors
// their meaning (ErrKeyConflict); so is every directory where the kernel
// has no openat2, and os.Root then follows links that stay inside the
// bucket, for reads and writes alike.

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
// whose root is br, creating it and its parents if needed (see above).
func (b *Backend) openParent(br *bucketRoot, bucket, dir string) (parentDir, error) {
	if b.useOpenat2(br) {
		name := strings.TrimSuffix(dir, "/")
		if name == "" {
			name = "."
		}
		how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveFlags}
		for attempt := 0; ; attempt++ {
			fd, err := unix.Openat2(br.fd, name, &how)
			if err == nil {
				return parentDir{fd: fd}, nil
			}
			if err == unix.EINTR || (err == unix.EAGAIN && attempt < openat2Retries) {
				continue
			}
			if err == unix.ELOOP {
				return parentDir{fd: -1}, fmt.Errorf("%w: the directory %q of bucket %s is (or goes through) a symbolic link, which fedstore does not follow", object.ErrKeyConflict, name, bucket)
			}
			break // ENOENT, ENOTDIR, ...: os.Root makes it or says why not
		}
	}
	f, err := ensureDir(br.root, dir)
	if err != nil {
		return parentDir{fd: -1}, err
	}
	return parentDir{f: f, fd: int(f.Fd())}, nil
}
