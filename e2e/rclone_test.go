package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRclone runs the scenario with rclone (UNSIGNED-PAYLOAD + Content-MD5,
// ListObjects v1, HEAD around each upload), configured on the fly through
// RCLONE_CONFIG_FS_* and run without AWS_CA_BUNDLE.
func TestRclone(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := requireTool(t, "rclone")
			srv := startServer(t, tlsOn)
			rcloneScenario(t, bin, srv, bucketName("rclone", tlsOn))
			srv.Wire.assertSaw(t, "x-amz-content-sha256: UNSIGNED-PAYLOAD", "content-md5")
		})
	}
}

func rcloneScenario(t *testing.T, bin string, srv *server, bucket string) {
	home := t.TempDir()
	cfg := filepath.Join(home, "rclone.conf")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(), // cleanEnv drops AWS_CA_BUNDLE
		"HOME="+home,
		"RCLONE_CONFIG_FS_TYPE=s3",
		"RCLONE_CONFIG_FS_PROVIDER=Other",
		"RCLONE_CONFIG_FS_ENDPOINT="+srv.Wire.URL,
		"RCLONE_CONFIG_FS_ACCESS_KEY_ID="+rootUser,
		"RCLONE_CONFIG_FS_SECRET_ACCESS_KEY="+rootPassword,
		"RCLONE_CONFIG_FS_REGION="+region,
		"RCLONE_CONFIG_FS_FORCE_PATH_STYLE=true",
	)
	common := []string{"--config", cfg, "--retries", "1", "--low-level-retries", "1"}
	if srv.CAFile != "" {
		common = append(common, "--ca-cert", srv.CAFile)
	}
	r := runner{t: t, bin: bin, env: env}
	rc := func(args ...string) string {
		t.Helper()
		return r.run(append(append([]string{}, common...), args...)...)
	}

	f := newFixture(t)
	src := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(filepath.Join(src, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "dir", "small.bin"), f.small, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "big.bin"), f.big, 0o644); err != nil {
		t.Fatal(err)
	}

	remote := "fs:" + bucket
	rc("mkdir", remote)
	rc("copy", src, remote)
	srv.assertStoredFile(t, bucket, "dir/small.bin", f.small)
	srv.assertStoredFile(t, bucket, "big.bin", f.big)

	ls := rc("ls", remote)
	for _, want := range []string{"1500 dir/small.bin", "20971520 big.bin"} {
		if !strings.Contains(ls, want) {
			t.Fatalf("rclone ls: want a line %q, got:\n%s", want, ls)
		}
	}
	if got := rc("cat", remote+"/dir/small.bin"); got != string(f.small) {
		t.Fatalf("rclone cat: %d bytes differ from the %d uploaded", len(got), len(f.small))
	}
	// check compares sizes and MD5 hashes (the ETag of single-part objects)
	// and, with --download, the bytes themselves.
	rc("check", src, remote)
	rc("check", "--download", src, remote)

	// Server-side copy (CopyObject), then download everything and compare.
	rc("copyto", remote+"/dir/small.bin", remote+"/small-copy.bin")
	rc("copyto", remote+"/big.bin", remote+"/big-copy.bin")
	dst := filepath.Join(t.TempDir(), "dst")
	rc("copy", remote, dst)
	assertFile(t, filepath.Join(dst, "dir", "small.bin"), f.small)
	assertFile(t, filepath.Join(dst, "big.bin"), f.big)
	assertFile(t, filepath.Join(dst, "small-copy.bin"), f.small)
	assertFile(t, filepath.Join(dst, "big-copy.bin"), f.big)

	rc("deletefile", remote+"/small-copy.bin")
	rc("delete", remote)
	if ls := rc("ls", remote); strings.TrimSpace(ls) != "" {
		t.Fatalf("rclone ls after delete: want nothing, got:\n%s", ls)
	}
	rc("rmdir", remote)
	if out := rc("lsd", "fs:"); strings.Contains(out, bucket) {
		t.Fatalf("rclone lsd after rmdir still lists %s:\n%s", bucket, out)
	}
	srv.assertBucketGone(t, bucket)
}
