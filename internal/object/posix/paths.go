package posix

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

const (
	// internalDir is DATA/.fedstore: never a valid bucket name.
	internalDir = ".fedstore"
	// reservedPrefix starts every internal file name inside a bucket; key
	// segments with it are rejected.
	reservedPrefix = ".fedstore"
	// markerName represents a key ending in "/" inside its directory.
	markerName = ".fedstore-dir-marker"
	// sidecarDir holds the sidecar metadata of one directory's keys.
	sidecarDir = ".fedstore-meta"
	// maxSegment is the longest file name most filesystems accept.
	maxSegment = 255
)

// keyToPath maps a key to a slash-separated path relative to the bucket
// directory, or an error wrapping object.ErrInvalidKey.
func keyToPath(key string) (string, error) {
	if err := object.ValidateKey(key); err != nil {
		return "", err
	}
	if key[0] == '/' {
		return "", fmt.Errorf("%w: %q starts with \"/\"", object.ErrInvalidKey, key)
	}
	dirKey := strings.HasSuffix(key, "/")
	body := strings.TrimSuffix(key, "/")
	for seg := range strings.SplitSeq(body, "/") {
		if err := checkSegment(key, seg); err != nil {
			return "", err
		}
	}
	if dirKey {
		return body + "/" + markerName, nil
	}
	return body, nil
}

func checkSegment(key, seg string) error {
	switch {
	case seg == "":
		return fmt.Errorf("%w: %q has an empty path segment", object.ErrInvalidKey, key)
	case seg == "." || seg == "..":
		return fmt.Errorf("%w: %q has a %q segment", object.ErrInvalidKey, key, seg)
	case len(seg) > maxSegment:
		return fmt.Errorf("%w: %q has a segment of %d bytes, the limit is %d", object.ErrInvalidKey, key, len(seg), maxSegment)
	case strings.IndexByte(seg, 0) >= 0:
		return fmt.Errorf("%w: %q contains a NUL byte", object.ErrInvalidKey, key)
	case strings.HasPrefix(seg, reservedPrefix):
		return fmt.Errorf("%w: %q has a segment starting with the reserved name %q", object.ErrInvalidKey, key, reservedPrefix)
	}
	return nil
}

// pathToKey is the inverse of keyToPath.
func pathToKey(rel string) string {
	dir, base := path.Split(rel)
	if base == markerName {
		return dir
	}
	return rel
}

// sidecarPath is the sidecar of the file with inode ino at rel, relative to
// meta/<bucket>: DIR/.fedstore-meta/BASE.INO.json.
func sidecarPath(rel string, ino uint64) string {
	dir, base := path.Split(rel)
	return dir + sidecarDir + "/" + base + "." + strconv.FormatUint(ino, 10) + ".json"
}
