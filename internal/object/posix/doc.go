// Package posix is the filesystem object.Backend: every object is a plain
// file at DATA/BUCKET/KEY ("/" in a key makes directories), so the same data
// is reachable through the filesystem.
//
// Layout and choices (see also the README of the project):
//
//   - DATA/.fedstore/ holds internal data and is never a bucket: tmp/ (temp
//     files, same filesystem so rename is atomic; one flock'ed directory per
//     process, so a restart removes at once what a crashed process left, see
//     tmpdir.go), multipart/<bucket>/<id>/
//     (upload.json, NNNNN.part, NNNNN.json per part), meta/<bucket>/ (sidecar
//     metadata) and buckets/<bucket> (creation time).
//   - Metadata (content type, user metadata, ETag, checksum, parts count) is
//     a compact binary record (metabin.go: about 30 bytes for a plain PUT, so
//     it fits in the inode; versions before it wrote JSON, still read) in the
//     user xattr "user.fedstore.meta" of the file, written on the
//     temp file before the rename so data and metadata appear together. When
//     the filesystem has no user xattrs (probed once in New) or
//     Options.ForceSidecar is set, or the record is too large for an xattr, it
//     is a JSON sidecar at meta/<bucket>/<key dir>/.fedstore-meta/<key base>.json
//     (a per-directory folder, so key "a" and key "a.json/x" cannot collide),
//     written after the rename and bound to the file's inode: a sidecar whose
//     inode, size or mtime differ from the file is ignored.
//   - A file without (valid) metadata, e.g. dropped in by hand, gets content
//     type binary/octet-stream and a synthetic ETag: the MD5 of its size,
//     mtime and inode, with the suffix "-1" so clients never mistake it for
//     an MD5 of the content (they skip verification of multipart-shaped
//     ETags). It changes whenever the file is rewritten. Nothing is hashed
//     lazily: listing a bucket of big files stays cheap.
//   - A key ending in "/" (a folder marker) is the file
//     DIR/.fedstore-dir-marker inside its directory. Key segments starting
//     with ".fedstore" are reserved and rejected, as are "." and "..", empty
//     segments, NUL bytes, segments over 255 bytes and a leading "/".
//   - Every path inside a bucket is resolved beneath DATA/BUCKET, so no key
//     and no symbolic link leads outside it. Where the kernel has openat2,
//     GET and HEAD open objects, and writes open the key's directory, with
//     one openat2 (RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS;
//     openat2.go, putdir.go): no symbolic link inside a bucket is followed.
//     fedstore never creates links; one planted in a bucket's directory by
//     hand reads as no key, a PUT through it is refused (ErrKeyConflict)
//     and a DELETE through it removes nothing. The bucket directory itself
//     may be a link. Without openat2 everything goes through os.Root,
//     which follows links that stay inside the bucket, for reads and
//     writes alike. Objects are opened with O_NOFOLLOW and symbolic links
//     are not listed.
//
// It must not import net/http or any API package.
package posix
