package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxFileSize bounds the files this package reads (1 MiB).
const MaxFileSize = 1 << 20

// ErrInvalid: a name or value that cannot be written safely.
var ErrInvalid = errors.New("awsconfig: invalid setting")

// File is a parsed shared credentials or config file. The zero value is an
// empty file. Not safe for concurrent use.
type File struct {
	lines []string
}

// Parse splits data into lines (CRLF accepted; written back as LF).
func Parse(data []byte) *File {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return &File{}
	}
	return &File{lines: strings.Split(s, "\n")}
}

// Load reads path; a missing file is an empty File.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("awsconfig: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("awsconfig: read %s: %w", path, err)
	}
	if n > MaxFileSize {
		return nil, fmt.Errorf("awsconfig: %s is larger than %d bytes", path, MaxFileSize)
	}
	return Parse(buf.Bytes()), nil
}

// Bytes is the file's content, every line ending in "\n".
func (f *File) Bytes() []byte {
	if len(f.lines) == 0 {
		return nil
	}
	return []byte(strings.Join(f.lines, "\n") + "\n")
}

// headerName returns the section name of a "[name]" line.
func headerName(line string) (string, bool) {
	t := strings.TrimSpace(line)
	if len(t) < 2 || t[0] != '[' {
		return "", false
	}
	end := strings.IndexByte(t, ']')
	if end < 0 {
		return "", false
	}
	return strings.Join(strings.Fields(t[1:end]), " "), true
}

// section returns the line range [start, end) of section name: start is
// its header, end the next header (or the end). ok is false if absent.
func (f *File) section(name string) (start, end int, ok bool) {
	start = -1
	for i, l := range f.lines {
		n, isHeader := headerName(l)
		if !isHeader {
			continue
		}
		if start >= 0 {
			return start, i, true
		}
		if n == name {
			start = i
		}
	}
	if start < 0 {
		return 0, 0, false
	}
	return start, len(f.lines), true
}

// keyOf returns the key of a top-level "key = value" line.
func keyOf(line string) (key, value string, ok bool) {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return "", "", false
	}
	t := strings.TrimSpace(line)
	if t == "" || t[0] == '#' || t[0] == ';' || t[0] == '[' {
		return "", "", false
	}
	k, v, found := strings.Cut(t, "=")
	if !found {
		return "", "", false
	}
	return strings.TrimSpace(k), strings.TrimSpace(v), true
}

// HasSection reports whether section name exists.
func (f *File) HasSection(name string) bool {
	_, _, ok := f.section(name)
	return ok
}

// Get returns the value of key in section (top-level keys only).
func (f *File) Get(section, key string) (string, bool) {
	start, end, ok := f.section(section)
	if !ok {
		return "", false
	}
	for _, l := range f.lines[start+1 : end] {
		if k, v, ok := keyOf(l); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// KV is one setting to write.
type KV struct {
	Key, Value string
}

func checkName(what, s string) error {
	if s == "" || strings.ContainsAny(s, "[]=\n\r#;") || strings.TrimSpace(s) != s {
		return fmt.Errorf("%w: %s %q", ErrInvalid, what, s)
	}
	return nil
}

func checkValue(s string) error {
	if strings.ContainsAny(s, "\n\r") {
		return fmt.Errorf("%w: value contains a line break", ErrInvalid)
	}
	return nil
}

// Set writes the settings into section, creating it at the end of the file
// if absent. An existing key's line (and its indented continuation lines)
// is replaced in place; new keys are added after the section's last
// setting. Other lines are kept.
func (f *File) Set(section string, kvs ...KV) error {
	if err := checkName("section", section); err != nil {
		return err
	}
	for _, kv := range kvs {
		if err := errors.Join(checkName("key", kv.Key), checkValue(kv.Value)); err != nil {
			return err
		}
	}
	start, end, ok := f.section(section)
	if !ok {
		if n := len(f.lines); n > 0 && strings.TrimSpace(f.lines[n-1]) != "" {
			f.lines = append(f.lines, "")
		}
		f.lines = append(f.lines, "["+section+"]")
		start, end = len(f.lines)-1, len(f.lines)
	}
	for _, kv := range kvs {
		line := kv.Key + " = " + kv.Value
		if kv.Value == "" {
			line = kv.Key + " ="
		}
		if i := f.find(start, end, kv.Key); i >= 0 {
			j := f.continuationEnd(i+1, end)
			f.splice(i, j, line)
			end -= j - i - 1
			continue
		}
		at := f.insertPoint(start, end)
		f.splice(at, at, line)
		end++
	}
	return nil
}

// SetNested writes a nested setting: "key =" followed by indented
// "sub = value" lines (a services section's per-service settings).
func (f *File) SetNested(section, key string, sub ...KV) error {
	for _, kv := range sub {
		if err := errors.Join(checkName("key", kv.Key), checkValue(kv.Value)); err != nil {
			return err
		}
	}
	if err := f.Set(section, KV{Key: key}); err != nil {
		return err
	}
	start, end, _ := f.section(section)
	i := f.find(start, end, key)
	nested := make([]string, 0, len(sub)+1)
	nested = append(nested, key+" =")
	for _, kv := range sub {
		nested = append(nested, "  "+kv.Key+" = "+kv.Value)
	}
	f.splice(i, f.continuationEnd(i+1, end), nested...)
	return nil
}

// Delete removes keys (and their continuation lines) from section.
func (f *File) Delete(section string, keys ...string) {
	for _, k := range keys {
		start, end, ok := f.section(section)
		if !ok {
			return
		}
		if i := f.find(start, end, k); i >= 0 {
			f.splice(i, f.continuationEnd(i+1, end))
		}
	}
}

func (f *File) find(start, end int, key string) int {
	for i := start + 1; i < end; i++ {
		if k, _, ok := keyOf(f.lines[i]); ok && k == key {
			return i
		}
	}
	return -1
}

// continuationEnd skips indented non-empty lines from i.
func (f *File) continuationEnd(i, end int) int {
	for i < end && f.lines[i] != "" && (f.lines[i][0] == ' ' || f.lines[i][0] == '\t') {
		i++
	}
	return i
}

// insertPoint is just after the section's last non-blank line.
func (f *File) insertPoint(start, end int) int {
	at := end
	for at > start+1 && strings.TrimSpace(f.lines[at-1]) == "" {
		at--
	}
	return at
}

func (f *File) splice(i, j int, repl ...string) {
	out := make([]string, 0, len(f.lines)-(j-i)+len(repl))
	out = append(out, f.lines[:i]...)
	out = append(out, repl...)
	out = append(out, f.lines[j:]...)
	f.lines = out
}

// Save writes f to path atomically with mode 0600, creating the directory
// (0700) if needed.
func (f *File) Save(path string) error {
	return WriteFileAtomic(path, f.Bytes())
}

// WriteFileAtomic writes data to a temporary file next to path (mode
// 0600), syncs it and renames it over path, so readers see the old or the
// new content, never a mix.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("awsconfig: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("awsconfig: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("awsconfig: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("awsconfig: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("awsconfig: sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("awsconfig: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("awsconfig: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
