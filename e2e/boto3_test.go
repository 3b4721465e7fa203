package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestBoto3 runs testdata/boto3_scenario.py with the pyenv python3 over http
// (signed payload) and https (unsigned streaming trailer): multipart through
// upload_file, a multipart copy, and a presigned GET fetched with urllib.
func TestBoto3(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			py := requireTool(t, "python3")
			if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
				missingTool(t, "boto3", errors.New(strings.TrimSpace(string(out))))
			}
			srv := startServer(t, tlsOn)
			f := newFixture(t)
			args := []string{"testdata/boto3_scenario.py", srv.Wire.URL, bucketName("boto3", tlsOn), f.smallPath, f.bigPath, t.TempDir()}
			if srv.CAFile != "" {
				args = append(args, srv.CAFile)
			}
			out := runner{t: t, bin: py, env: awsEnv(t, srv)}.run(args...)
			if !strings.Contains(out, "SCENARIO OK") {
				t.Fatalf("boto3 scenario did not finish:\n%s", out)
			}
			srv.assertBucketGone(t, bucketName("boto3", tlsOn))
			if tlsOn {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-trailer: x-amz-checksum-crc32", "content-encoding: aws-chunked")
			} else {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: <signed>", "x-amz-checksum-crc32")
			}
		})
	}
}
