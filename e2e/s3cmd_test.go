package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestS3cmd runs the scenario with s3cmd 2.x (signed payload, lowercase
// headers, multipart above 15 MiB) with no config file at all.
func TestS3cmd(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := requireTool(t, "s3cmd")
			srv := startServer(t, tlsOn)
			s3cmdScenario(t, bin, srv, bucketName("s3cmd", tlsOn))
			srv.Wire.assertSaw(t, "x-amz-content-sha256: <signed>")
		})
	}
}

func s3cmdScenario(t *testing.T, bin string, srv *server, bucket string) {
	home := t.TempDir()
	common := []string{"--config=/dev/null", "--access_key=" + rootUser, "--secret_key=" + rootPassword,
		"--host=" + srv.Wire.HostPort, "--host-bucket=" + srv.Wire.HostPort, "--region=" + region, "--no-progress"}
	if srv.TLS {
		common = append(common, "--ssl", "--ca-certs="+srv.CAFile)
	} else {
		common = append(common, "--no-ssl")
	}
	r := runner{t: t, bin: bin, env: append(cleanEnv(), "HOME="+home)}
	s3 := func(args ...string) string {
		t.Helper()
		return r.run(append(append([]string{}, common...), args...)...)
	}
	f := newFixture(t)
	u := "s3://" + bucket

	s3("mb", u)
	s3("put", f.smallPath, u+"/dir/small.bin")
	s3("put", f.bigPath, u+"/big.bin") // multipart: 15 MiB chunks
	srv.assertStoredFile(t, bucket, "dir/small.bin", f.small)
	srv.assertStoredFile(t, bucket, "big.bin", f.big)

	ls := s3("ls", "--recursive", u)
	for _, want := range []string{u + "/dir/small.bin", u + "/big.bin"} {
		if !strings.Contains(ls, want) {
			t.Fatalf("s3cmd ls: want %s, got:\n%s", want, ls)
		}
	}
	if !strings.Contains(s3("ls", u), "DIR  "+u+"/dir/") {
		t.Fatalf("s3cmd ls (delimiter): want a DIR line for %s/dir/", u)
	}
	out := t.TempDir()
	s3("get", u+"/dir/small.bin", filepath.Join(out, "small"))
	s3("get", u+"/big.bin", filepath.Join(out, "big"))
	assertFile(t, filepath.Join(out, "small"), f.small)
	assertFile(t, filepath.Join(out, "big"), f.big)

	s3("cp", u+"/dir/small.bin", u+"/small-copy.bin")
	s3("cp", u+"/big.bin", u+"/big-copy.bin")
	s3("get", u+"/small-copy.bin", filepath.Join(out, "small-copy"))
	s3("get", u+"/big-copy.bin", filepath.Join(out, "big-copy"))
	assertFile(t, filepath.Join(out, "small-copy"), f.small)
	assertFile(t, filepath.Join(out, "big-copy"), f.big)

	s3("del", u+"/small-copy.bin")
	s3("del", "--recursive", "--force", u)
	if ls := s3("ls", "--recursive", u); strings.TrimSpace(ls) != "" {
		t.Fatalf("s3cmd ls after del: want nothing, got:\n%s", ls)
	}
	s3("rb", u)
	if strings.Contains(s3("ls"), u) {
		t.Fatalf("s3cmd ls after rb still lists %s", u)
	}
	srv.assertBucketGone(t, bucket)
}
