package s3api

import (
	"fmt"
	"testing"
)

// BenchmarkMarshalListObjectsV2 encodes a 1,000-key ListObjectsV2 page, the
// largest XML document S3 clients ask for on a hot path.
func BenchmarkMarshalListObjectsV2(b *testing.B) {
	entries := make([]objectEntry, 1000)
	for i := range entries {
		entries[i] = objectEntry{Key: fmt.Sprintf("logs/2026/11/29/part-%05d.json", i), LastModified: "2026-11-29T09:00:00.000Z",
			ETag: `"900150983cd24fb0d6963f7d28e17f72"`, Size: int64(4096 + i), StorageClass: "STANDARD"}
	}
	v := listBucketResultV2{Xmlns: s3Namespace, Name: "bkt", Prefix: "logs/", MaxKeys: 1000, KeyCount: len(entries), IsTruncated: true,
		NextContinuationToken: "bG9ncy8yMDI2LzExLzI5L3BhcnQtMDA5OTkuanNvbg", Contents: entries}
	out, err := marshalXML(v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marshalXML(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalError encodes the error document of a refused request.
func BenchmarkMarshalError(b *testing.B) {
	type errorDoc struct {
		XMLName   struct{} `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Resource  string   `xml:"Resource"`
		RequestID string   `xml:"RequestId"`
	}
	v := errorDoc{Code: "AccessDenied", Message: "User: arn:aws:sts::000000000000:assumed-role/reader/s is not authorized to perform: s3:PutObject",
		Resource: "/bkt/key", RequestID: "18C0F2A1B2C3D4E5"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marshalXML(v); err != nil {
			b.Fatal(err)
		}
	}
}
