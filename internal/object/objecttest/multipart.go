package objecttest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/object"
)

func uploadPart(t *testing.T, b object.Backend, bucket, key, id string, n int, data []byte, sum *object.Checksum) object.PartInfo {
	t.Helper()
	opts := object.PartOptions{Size: int64(len(data)), ContentMD5: md5of(data)}
	if sum != nil {
		opts.Checksum = func() *object.Checksum { return sum }
	}
	p, err := b.UploadPart(ctx(t), bucket, key, id, n, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("UploadPart(%d): %v", n, err)
	}
	if p.ETag != object.ETagFromMD5(md5of(data)) || p.Size != int64(len(data)) || p.PartNumber != n {
		t.Fatalf("UploadPart(%d) = %+v", n, p)
	}
	return p
}

func crc32Checksum(data []byte) *object.Checksum {
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], crc32.ChecksumIEEE(data))
	return &object.Checksum{Algorithm: "CRC32", Value: base64.StdEncoding.EncodeToString(raw[:]), Type: object.ChecksumComposite}
}

func testMultipartHappy(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	meta := object.Metadata{ContentType: "video/mp4", User: map[string]string{"origin": "multipart"}}
	id, err := b.CreateMultipartUpload(ctx(t), "bkt", "dir/big", object.PutOptions{Metadata: meta})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	p1 := bytes.Repeat([]byte("1"), object.MinPartSize)
	p2 := bytes.Repeat([]byte("2"), object.MinPartSize+7)
	p3 := []byte("tail")
	// Out of order, and part 1 replaced.
	uploadPart(t, b, "bkt", "dir/big", id, 3, p3, nil)
	uploadPart(t, b, "bkt", "dir/big", id, 1, bytes.Repeat([]byte("x"), 100), nil)
	uploadPart(t, b, "bkt", "dir/big", id, 2, p2, nil)
	e1 := uploadPart(t, b, "bkt", "dir/big", id, 1, p1, nil)
	// In progress: not listed, not readable.
	if keys := listAll(t, b, "bkt"); len(keys) != 0 {
		t.Fatalf("an upload in progress lists as %q", keys)
	}
	absent(t, b, "bkt", "dir/big")
	parts := []object.CompletePart{
		{PartNumber: 1, ETag: e1.ETag},
		{PartNumber: 2, ETag: strings.Trim(object.ETagFromMD5(md5of(p2)), `"`)}, // unquoted works too
		{PartNumber: 3, ETag: object.ETagFromMD5(md5of(p3))},
	}
	info, err := b.CompleteMultipartUpload(ctx(t), "bkt", "dir/big", id, parts)
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	whole := append(append(append([]byte(nil), p1...), p2...), p3...)
	wantETag := object.MultipartETag([][]byte{md5of(p1), md5of(p2), md5of(p3)})
	if info.ETag != wantETag || info.Size != int64(len(whole)) || info.PartsCount != 3 {
		t.Errorf("Complete info = ETag %s size %d parts %d, want %s %d 3", info.ETag, info.Size, info.PartsCount, wantETag, len(whole))
	}
	got, ginfo := get(t, b, "bkt", "dir/big")
	if !bytes.Equal(got, whole) {
		t.Fatalf("completed object has %d bytes, want %d (or different content)", len(got), len(whole))
	}
	if ginfo.ETag != wantETag || ginfo.PartsCount != 3 {
		t.Errorf("GetObject info = %+v", ginfo)
	}
	if diff := cmp.Diff(meta, ginfo.Metadata); diff != "" {
		t.Errorf("metadata from CreateMultipartUpload (-want +got):\n%s", diff)
	}
	if keys := listAll(t, b, "bkt"); !equalStrings(keys, []string{"dir/big"}) {
		t.Errorf("after complete the bucket lists %q", keys)
	}
	ups, err := b.ListMultipartUploads(ctx(t), "bkt", object.ListUploadsOptions{})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads after complete = %+v, %v", ups, err)
	}
	_, err = b.UploadPart(ctx(t), "bkt", "dir/big", id, 4, strings.NewReader("x"), object.PartOptions{Size: 1})
	wantErr(t, "UploadPart after complete", err, object.ErrNoSuchUpload)
	// A single small part is a valid upload.
	id2, err := b.CreateMultipartUpload(ctx(t), "bkt", "small", object.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := uploadPart(t, b, "bkt", "small", id2, 7, []byte("only"), nil)
	if _, err := b.CompleteMultipartUpload(ctx(t), "bkt", "small", id2, []object.CompletePart{{PartNumber: 7, ETag: sp.ETag}}); err != nil {
		t.Fatalf("single-part complete: %v", err)
	}
	if got, _ := get(t, b, "bkt", "small"); string(got) != "only" {
		t.Errorf("single-part object reads %q", got)
	}
}

func testMultipartErrors(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	id, err := b.CreateMultipartUpload(ctx(t), "bkt", "k", object.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	small := uploadPart(t, b, "bkt", "k", id, 1, []byte("small"), nil)
	big := bytes.Repeat([]byte("b"), object.MinPartSize)
	bigPart := uploadPart(t, b, "bkt", "k", id, 2, big, nil)
	last := uploadPart(t, b, "bkt", "k", id, 3, []byte("last"), nil)

	partErrs := []struct {
		name string
		n    int
		body string
		opts object.PartOptions
		want error
	}{
		{"part 0", 0, "x", object.PartOptions{Size: 1}, object.ErrInvalidPart},
		{"part 10001", 10001, "x", object.PartOptions{Size: 1}, object.ErrInvalidPart},
		{"bad md5", 4, "x", object.PartOptions{Size: 1, ContentMD5: md5of([]byte("y"))}, object.ErrBadDigest},
		{"short body", 4, "x", object.PartOptions{Size: 2}, object.ErrIncompleteBody},
	}
	for _, tc := range partErrs {
		_, err := b.UploadPart(ctx(t), "bkt", "k", id, tc.n, strings.NewReader(tc.body), tc.opts)
		wantErr(t, "UploadPart "+tc.name, err, tc.want)
	}
	for _, bad := range []struct{ key, id string }{{"k", "nope"}, {"other", id}, {"k", "../../../tmp"}, {"k", ""}} {
		_, err := b.UploadPart(ctx(t), "bkt", bad.key, bad.id, 1, strings.NewReader("x"), object.PartOptions{Size: 1})
		wantErr(t, "UploadPart to "+bad.key+" "+bad.id, err, object.ErrNoSuchUpload)
		_, err = b.CompleteMultipartUpload(ctx(t), "bkt", bad.key, bad.id, []object.CompletePart{{PartNumber: 3, ETag: last.ETag}})
		wantErr(t, "Complete "+bad.key+" "+bad.id, err, object.ErrNoSuchUpload)
		_, err = b.ListParts(ctx(t), "bkt", bad.key, bad.id, object.ListPartsOptions{})
		wantErr(t, "ListParts "+bad.key+" "+bad.id, err, object.ErrNoSuchUpload)
		wantErr(t, "Abort "+bad.key+" "+bad.id, b.AbortMultipartUpload(ctx(t), "bkt", bad.key, bad.id), object.ErrNoSuchUpload)
	}
	completeErrs := []struct {
		name  string
		parts []object.CompletePart
		want  error
	}{
		{"empty list", nil, object.ErrInvalidPart},
		{"wrong etag", []object.CompletePart{{PartNumber: 3, ETag: small.ETag}}, object.ErrInvalidPart},
		{"missing part", []object.CompletePart{{PartNumber: 2, ETag: bigPart.ETag}, {PartNumber: 9, ETag: last.ETag}}, object.ErrInvalidPart},
		{"descending", []object.CompletePart{{PartNumber: 3, ETag: last.ETag}, {PartNumber: 2, ETag: bigPart.ETag}}, object.ErrInvalidPartOrder},
		{"duplicate", []object.CompletePart{{PartNumber: 2, ETag: bigPart.ETag}, {PartNumber: 2, ETag: bigPart.ETag}}, object.ErrInvalidPartOrder},
		{"small middle part", []object.CompletePart{{PartNumber: 1, ETag: small.ETag}, {PartNumber: 3, ETag: last.ETag}}, object.ErrEntityTooSmall},
		{"wrong checksum", []object.CompletePart{{PartNumber: 3, ETag: last.ETag, Checksum: &object.Checksum{Algorithm: "CRC32", Value: "AAAAAA=="}}}, object.ErrInvalidPart},
	}
	for _, tc := range completeErrs {
		_, err := b.CompleteMultipartUpload(ctx(t), "bkt", "k", id, tc.parts)
		wantErr(t, "Complete "+tc.name, err, tc.want)
		absent(t, b, "bkt", "k")
	}
	// The upload survived every failed attempt.
	info, err := b.CompleteMultipartUpload(ctx(t), "bkt", "k", id, []object.CompletePart{{PartNumber: 2, ETag: bigPart.ETag}, {PartNumber: 3, ETag: last.ETag}})
	if err != nil {
		t.Fatalf("Complete after failed attempts: %v", err)
	}
	if info.Size != int64(len(big)+4) {
		t.Errorf("size %d", info.Size)
	}
	// Abort removes the upload and its parts.
	id2, err := b.CreateMultipartUpload(ctx(t), "bkt", "k2", object.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := uploadPart(t, b, "bkt", "k2", id2, 1, []byte("x"), nil)
	if err := b.AbortMultipartUpload(ctx(t), "bkt", "k2", id2); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	wantErr(t, "Abort twice", b.AbortMultipartUpload(ctx(t), "bkt", "k2", id2), object.ErrNoSuchUpload)
	_, err = b.CompleteMultipartUpload(ctx(t), "bkt", "k2", id2, []object.CompletePart{{PartNumber: 1, ETag: p.ETag}})
	wantErr(t, "Complete after abort", err, object.ErrNoSuchUpload)
	absent(t, b, "bkt", "k2")
}

func testMultipartChecksum(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	id, err := b.CreateMultipartUpload(ctx(t), "bkt", "sum", object.PutOptions{ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatal(err)
	}
	d1 := bytes.Repeat([]byte("c"), object.MinPartSize)
	d2 := []byte("end")
	c1, c2 := crc32Checksum(d1), crc32Checksum(d2)
	p1 := uploadPart(t, b, "bkt", "sum", id, 1, d1, c1)
	p2 := uploadPart(t, b, "bkt", "sum", id, 2, d2, c2)
	if diff := cmp.Diff(c1, p1.Checksum); diff != "" {
		t.Errorf("UploadPart checksum (-want +got):\n%s", diff)
	}
	lp, err := b.ListParts(ctx(t), "bkt", "sum", id, object.ListPartsOptions{})
	if err != nil || len(lp.Parts) != 2 || lp.ChecksumAlgorithm != "CRC32" {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	if diff := cmp.Diff(c2, lp.Parts[1].Checksum); diff != "" {
		t.Errorf("ListParts echoes the part checksum (-want +got):\n%s", diff)
	}
	info, err := b.CompleteMultipartUpload(ctx(t), "bkt", "sum", id, []object.CompletePart{
		{PartNumber: 1, ETag: p1.ETag, Checksum: c1}, {PartNumber: 2, ETag: p2.ETag},
	})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want, err := object.CompositeChecksum("CRC32", []string{c1.Value, c2.Value})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []object.ObjectInfo{info, headInfo(t, b, "bkt", "sum")} {
		if got.Checksum == nil || got.Checksum.Value != want || got.Checksum.Type != object.ChecksumComposite || got.Checksum.Algorithm != "CRC32" {
			t.Errorf("composite checksum = %+v, want CRC32 %s COMPOSITE", got.Checksum, want)
		}
	}
	_, err = b.CreateMultipartUpload(ctx(t), "bkt", "x", object.PutOptions{ChecksumAlgorithm: "MD4"})
	wantErr(t, "unknown checksum algorithm", err, object.ErrChecksumAlgorithm)
}
