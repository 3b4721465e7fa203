package posix

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// viaJSON is rec after a JSON round trip: what readMeta returned when
// records were JSON.
func viaJSON(t testing.TB, rec metaRecord) metaRecord {
	t.Helper()
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var out metaRecord
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func validText(rec metaRecord) bool {
	s := []string{rec.ETag, rec.Metadata.ContentType, rec.Metadata.ContentEncoding, rec.Metadata.ContentDisposition,
		rec.Metadata.ContentLanguage, rec.Metadata.CacheControl, rec.Metadata.Expires}
	if c := rec.Checksum; c != nil {
		s = append(s, c.Algorithm, c.Value, c.Type)
	}
	for k, v := range rec.Metadata.User {
		s = append(s, k, v)
	}
	for _, x := range s {
		if !utf8.ValidString(x) {
			return false
		}
	}
	return true
}

func md5ETag(seed string, parts int) string {
	sum := md5.Sum([]byte(seed))
	if parts == 0 {
		return object.ETagFromMD5(sum[:])
	}
	return object.MultipartETag(make([][]byte, parts))
}

func digest(n int, seed byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{seed}, n))
}

// metaBinCases are records the round trip must keep, edge cases first.
func metaBinCases() []metaRecord {
	now := int64(1764409131123456789)
	cases := []metaRecord{
		{Version: 1, ETag: md5ETag("a", 0), Size: 4096, MtimeNs: now},
		{Version: 1, ETag: md5ETag("a", 0), Size: 0, MtimeNs: 0},
		{Version: 1, ETag: md5ETag("a", 0), Size: MaxObjectSize, MtimeNs: -1},
		{Version: 0, ETag: "", Size: math.MaxInt64, MtimeNs: math.MinInt64, Ino: math.MaxUint64, PartsCount: -1},
		{Version: -7, ETag: `"x"`, Size: math.MinInt64, MtimeNs: math.MaxInt64, Ino: 1},
		{Version: 1, ETag: md5ETag("", 3), Size: 15 << 20, MtimeNs: now, PartsCount: 3},
		{Version: 1, ETag: md5ETag("", 10000), Size: 1, MtimeNs: now, PartsCount: 10000},
		// ETags that are not in the compact form, and must come back as they were.
		{ETag: `"0123456789ABCDEF0123456789abcdef"`},
		{ETag: `"0123456789abcdef0123456789abcdef-0"`},
		{ETag: `"0123456789abcdef0123456789abcdef-01"`},
		{ETag: `"0123456789abcdef0123456789abcdef-+1"`},
		{ETag: `"0123456789abcdef0123456789abcdef-"`},
		{ETag: `"0123456789abcdef0123456789abcdef-99999999999999999999"`},
		{ETag: `0123456789abcdef0123456789abcdef`},
		{ETag: `"0123456789abcdef0123456789abcdeg"`},
		{ETag: `"0123456789abcdef0123456789abcdef"x`},
		// Metadata: nil and empty maps differ in JSON, so they do here.
		{Metadata: object.Metadata{User: map[string]string{}}},
		{Metadata: object.Metadata{User: map[string]string{"": ""}}},
		{Metadata: object.Metadata{
			ContentType: "text/plain; charset=utf-8", ContentEncoding: "gzip", ContentDisposition: `attachment; filename="ä b.txt"`,
			ContentLanguage: "de-CH", CacheControl: "no-cache", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
			User: map[string]string{"名前": "値 ✓", "emoji": "🦀\u2028\u0000", "k": strings.Repeat("v", 2000)},
		}},
		{Metadata: object.Metadata{Expires: "x"}},
		// Text that is not UTF-8 comes back as JSON coerced it.
		{ETag: "\"\xff\"", Metadata: object.Metadata{ContentType: "a\xffb\xe2\x82", User: map[string]string{"\xfe": "1", "\xff": "2", "\ufffd": "3", "ok": "\xc0"}}},
		{Checksum: &object.Checksum{}},
		{Checksum: &object.Checksum{Algorithm: "CRC32", Value: "", Type: object.ChecksumFullObject}},
		{Checksum: &object.Checksum{Algorithm: "CRC32", Value: "PhB3wR==", Type: object.ChecksumFullObject}}, // nonzero padding bits
		{Checksum: &object.Checksum{Algorithm: "CRC32", Value: "PhB3wQ", Type: object.ChecksumFullObject}},
		{Checksum: &object.Checksum{Algorithm: "MD5", Value: "AAAA", Type: "PART"}},
		{Checksum: &object.Checksum{Algorithm: "crc32", Value: digest(4, 1), Type: "\xff"}},
	}
	for _, alg := range binChecksumAlgs[1:] {
		for _, typ := range []string{object.ChecksumFullObject, object.ChecksumComposite, ""} {
			cases = append(cases,
				metaRecord{Version: 1, ETag: md5ETag("c", 0), Size: 4096, MtimeNs: now, Checksum: &object.Checksum{Algorithm: alg.name, Value: digest(alg.size, 0xa5), Type: typ}},
				metaRecord{Version: 1, ETag: md5ETag("c", 2), Size: 4096, MtimeNs: now, PartsCount: 2, Checksum: &object.Checksum{Algorithm: alg.name, Value: digest(alg.size, 0) + "-2", Type: typ}},
				metaRecord{Checksum: &object.Checksum{Algorithm: alg.name, Value: digest(alg.size+1, 7), Type: typ}})
		}
	}
	return cases
}

// randomText is mostly ASCII, sometimes any unicode, sometimes any bytes.
func randomText(r *rand.Rand) string {
	n := r.IntN(12)
	var b []byte
	for range n {
		switch r.IntN(10) {
		case 0:
			b = utf8.AppendRune(b, rune(r.IntN(0x110000)))
		case 1:
			b = append(b, byte(r.IntN(256)))
		default:
			b = append(b, byte(' '+r.IntN(95)))
		}
	}
	return string(b)
}

func randomRecord(r *rand.Rand) metaRecord {
	pick := func(vals ...int64) int64 { return vals[r.IntN(len(vals))] }
	rec := metaRecord{
		Version: int(pick(1, 1, 1, 0, 2, -1)),
		Size:    pick(0, 1, 4096, MaxObjectSize, math.MaxInt64, r.Int64(), -r.Int64()),
		MtimeNs: pick(r.Int64(), -r.Int64(), 0, 1764409131123456789),
	}
	switch r.IntN(4) {
	case 0:
		rec.ETag = md5ETag(randomText(r), 0)
	case 1:
		rec.ETag = md5ETag("", 1+r.IntN(10000))
	case 2:
		rec.ETag = randomText(r)
	}
	if r.IntN(3) == 0 {
		rec.Ino = r.Uint64()
	}
	if r.IntN(3) == 0 {
		rec.PartsCount = int(pick(1, 10000, -1, r.Int64()))
	}
	if r.IntN(2) == 0 {
		alg := binChecksumAlgs[r.IntN(len(binChecksumAlgs))]
		c := &object.Checksum{Algorithm: alg.name, Value: digest(alg.size, byte(r.IntN(256)))}
		if alg.name == "" || r.IntN(5) == 0 {
			c.Algorithm = randomText(r)
		}
		switch r.IntN(4) {
		case 0:
			c.Value = randomText(r)
		case 1:
			c.Value += "-" + fmt.Sprint(r.IntN(100))
		}
		c.Type = []string{"", object.ChecksumFullObject, object.ChecksumComposite, randomText(r)}[r.IntN(4)]
		rec.Checksum = c
	}
	for _, f := range binMetaFields(&rec.Metadata) {
		if r.IntN(3) == 0 {
			*f = randomText(r)
		}
	}
	if r.IntN(2) == 0 {
		rec.Metadata.User = map[string]string{}
		for range r.IntN(5) {
			rec.Metadata.User[randomText(r)] = randomText(r)
		}
	}
	return rec
}

// checkRoundTrip: the binary round trip of rec is its JSON round trip, and
// rec itself when its text is UTF-8.
func checkRoundTrip(t *testing.T, rec metaRecord) []byte {
	t.Helper()
	raw := appendMetaBin(nil, &rec)
	got, err := decodeMeta(raw)
	if err != nil {
		t.Fatalf("%+v: decode: %v (record %x)", rec, err, raw)
	}
	if diff := cmp.Diff(viaJSON(t, rec), got); diff != "" {
		t.Fatalf("%+v: binary and JSON round trips differ (-json +binary):\n%s", rec, diff)
	}
	if validText(rec) {
		if diff := cmp.Diff(rec, got); diff != "" {
			t.Fatalf("round trip changed the record (-want +got):\n%s", diff)
		}
	}
	return raw
}

func TestMetaBinRoundTrip(t *testing.T) {
	t.Parallel()
	for _, rec := range metaBinCases() {
		checkRoundTrip(t, rec)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		checkRoundTrip(t, randomRecord(r))
	}
}

// TestMetaBinCompact: the record of a PUT without user metadata fits in an
// ext4 inode's xattr space (48 bytes leaves room next to the entry).
func TestMetaBinCompact(t *testing.T) {
	t.Parallel()
	now := int64(1764409131123456789)
	for _, rec := range []metaRecord{
		{Version: 1, ETag: md5ETag("a", 0), Size: 4096, MtimeNs: now},
		{Version: 1, ETag: md5ETag("a", 0), Size: MaxObjectSize, MtimeNs: math.MaxInt64},
		{Version: 1, ETag: md5ETag("a", 0), Size: 4096, MtimeNs: now, Checksum: &object.Checksum{Algorithm: "CRC32", Value: digest(4, 9), Type: object.ChecksumFullObject}},
		{Version: 1, ETag: md5ETag("a", 0), Size: 4096, MtimeNs: now, Checksum: &object.Checksum{Algorithm: "CRC64NVME", Value: digest(8, 9), Type: object.ChecksumFullObject}},
		{Version: 1, ETag: md5ETag("", 10000), Size: MaxObjectSize, MtimeNs: now, PartsCount: 10000,
			Checksum: &object.Checksum{Algorithm: "CRC32C", Value: digest(4, 9), Type: object.ChecksumComposite}},
	} {
		raw := checkRoundTrip(t, rec)
		js, _ := json.Marshal(rec)
		if len(raw) > 48 {
			t.Errorf("%+v: %d bytes, want at most 48 (JSON: %d)", rec, len(raw), len(js))
		}
	}
}

// FuzzDecodeMetaBin: the binary decoder never panics, and what it accepts
// encodes to a record that decodes to it again (as JSON would have kept it).
func FuzzDecodeMetaBin(f *testing.F) {
	for _, rec := range metaBinCases() {
		raw := appendMetaBin(nil, &rec)
		f.Add(raw)
		f.Add(raw[:len(raw)-1])
		f.Add(append(raw[:len(raw):len(raw)], 0))
	}
	for _, s := range []string{"", "\xf1", "\xf1\x00", "\xf1\x02\x02", "\xf1\x40\x02", "\xf1\x80\x02", "\xf1\x10\x02\x00\x00\x00\x06",
		"\xf1\x10\x02\x00\x00\x00\x00\x00", "\xf1\x20\x02\x00\x00\x00\x80", "\xf1\x20\x02\x00\x00\x00\x40\x05", "\xf1\x00\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeMetaBin(raw)
		if len(raw) > 0 && raw[0] == metaBinMagic {
			again, err2 := decodeMeta(raw)
			if (err == nil) != (err2 == nil) || cmp.Diff(got, again) != "" {
				t.Fatalf("%x: decodeMeta and decodeMetaBin differ", raw)
			}
		} else if err == nil {
			t.Fatalf("%x: decoded without the magic byte", raw)
		}
		if err != nil {
			return
		}
		checkRoundTrip(t, got)
	})
}

// xattrOf returns the metadata xattr of the file at name.
func xattrOf(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := readXattr(int(f.Fd()), make([]byte, 4096))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(raw)
}

func setXattrOf(t *testing.T, name string, raw []byte) {
	t.Helper()
	if err := unix.Setxattr(name, xattrName, raw, 0); err != nil {
		t.Fatal(err)
	}
}

func richPut() object.PutOptions {
	return object.PutOptions{
		Size: 4096,
		Metadata: object.Metadata{ContentType: "text/plain", ContentEncoding: "identity", CacheControl: "max-age=1",
			User: map[string]string{"name": "wert ä ✓", "empty": ""}},
		Checksum: func() *object.Checksum {
			return &object.Checksum{Algorithm: "SHA256", Value: digest(32, 3), Type: object.ChecksumFullObject}
		},
	}
}

// TestReadMetaJSONAndBinary: a PUT writes a binary record; an object whose
// xattr holds the JSON record older versions wrote reads the same.
func TestReadMetaJSONAndBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := New(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.XattrMetadata() {
		t.Skip("the test filesystem has no user xattrs")
	}
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		opts object.PutOptions
	}{
		{"plain", object.PutOptions{Size: 4096}},
		{"dir/rich", richPut()},
	} {
		put, err := b.PutObject(ctx, "bkt", tc.key, bytes.NewReader(body(tc.key, 4096)), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "bkt", filepath.FromSlash(tc.key))
		raw := xattrOf(t, name)
		if len(raw) == 0 || raw[0] != metaBinMagic {
			t.Fatalf("%s: the xattr is not a binary record: %q", tc.key, raw)
		}
		head, err := b.HeadObject(ctx, "bkt", tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(put, head); diff != "" {
			t.Errorf("%s: HEAD differs from the PUT's answer (-put +head):\n%s", tc.key, diff)
		}
		// The record as an older version wrote it: JSON, with every field.
		rec, err := decodeMeta(raw)
		if err != nil {
			t.Fatal(err)
		}
		old, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		setXattrOf(t, name, old)
		head, err = b.HeadObject(ctx, "bkt", tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(put, head); diff != "" {
			t.Errorf("%s: HEAD of the JSON record differs (-put +head):\n%s", tc.key, diff)
		}
		// A damaged binary record is no record: the ETag is synthetic.
		setXattrOf(t, name, raw[:len(raw)-1])
		if head, err = b.HeadObject(ctx, "bkt", tc.key); err != nil || head.ETag == put.ETag {
			t.Errorf("%s: damaged record: err %v, ETag %s trusted", tc.key, err, head.ETag)
		}
	}
}

// TestMetaBinFitsInInode: the record of a plain PUT adds no block to the
// object's file where the filesystem keeps small xattrs in the inode.
func TestMetaBinFitsInInode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := New(dir, Options{Journal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !b.XattrMetadata() {
		t.Skip("the test filesystem has no user xattrs")
	}
	blocks := func(name string) int64 {
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err != nil {
			t.Fatal(err)
		}
		return st.Blocks
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, body("x", 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, body("x", 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	setXattrOf(t, small, bytes.Repeat([]byte{1}, 8))
	if blocks(small) != blocks(plain) {
		t.Skip("the test filesystem keeps no xattr in the inode")
	}
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"k", "p/000123"} {
		if _, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(body(key, 4096)), object.PutOptions{Size: 4096}); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "bkt", filepath.FromSlash(key))
		if got, want := blocks(name), blocks(plain); got != want {
			t.Errorf("%s: %d blocks with a %d-byte record, %d without", key, got, len(xattrOf(t, name)), want)
		}
	}
}

// TestJournalReplaysBothFormats: replay writes back the record the journal
// holds, byte for byte: a binary one, and the JSON one an older version
// journaled.
func TestJournalReplaysBothFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	want := map[string]object.ObjectInfo{}
	records := map[string][]byte{}
	for _, key := range []string{"bin", "dir/rich"} {
		opts := object.PutOptions{Size: 4096}
		if key == "dir/rich" {
			opts = richPut()
		}
		info, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(body(key, 4096)), opts)
		if err != nil {
			t.Fatal(err)
		}
		want[key] = info
		records[key] = xattrOf(t, filepath.Join(dir, "bkt", filepath.FromSlash(key)))
	}
	// A record as an older version journaled it (JSON), whose rename never
	// happened.
	data := body("old", 3000)
	sum := md5.Sum(data)
	oldRec := metaRecord{Version: 1, ETag: object.ETagFromMD5(sum[:]), Size: int64(len(data)), MtimeNs: 1764409131123456789,
		Metadata: object.Metadata{ContentType: "image/png", User: map[string]string{"a": "b"}},
		Checksum: &object.Checksum{Algorithm: "CRC32C", Value: digest(4, 2), Type: object.ChecksumFullObject}}
	records["old"], _ = json.Marshal(oldRec)
	tk, err := b.journal.append(recPut, "bkt", "old", records["old"], oldRec.MtimeNs, data)
	if err != nil {
		t.Fatal(err)
	}
	b.journal.release(tk)
	crash(b)
	loseUnsynced(t, dir, "bkt", "bin", "dir/rich")

	b2 := newJournalBackend(t, dir, journalOpts())
	defer b2.Close()
	for key, rec := range records {
		if got := xattrOf(t, filepath.Join(dir, "bkt", filepath.FromSlash(key))); !bytes.Equal(got, rec) {
			t.Errorf("%s: replay wrote the record %q, the journal held %q", key, got, rec)
		}
		info, _, err := get(t, b2, "bkt", key)
		if err != nil {
			t.Fatalf("GET %s after replay: %v", key, err)
		}
		if key == "old" {
			if info.ETag != oldRec.ETag || info.LastModified.UnixNano() != oldRec.MtimeNs || info.Metadata.ContentType != "image/png" ||
				info.Checksum == nil || *info.Checksum != *oldRec.Checksum {
				t.Errorf("old: %+v after replay, want the journaled %+v", info, oldRec)
			}
			continue
		}
		if diff := cmp.Diff(want[key], info); diff != "" {
			t.Errorf("%s: differs after replay (-put +get):\n%s", key, diff)
		}
	}
}
