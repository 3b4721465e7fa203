// Package e2e holds fedstore's black-box tests: the fedstore binary is built
// once, started on 127.0.0.1:0 (http, and https with a generated CA), and
// driven by the real S3 clients people use: AWS CLI v1 and v2, boto3,
// aws-sdk-go-v2, minio-go, rclone and s3cmd, plus hand-crafted bad requests.
//
// A test whose client program is missing is skipped, unless the environment
// sets FEDSTORE_E2E_REQUIRE (CI does), in which case it fails.
// scripts/install-test-deps.sh installs the clients. FEDSTORE_E2E_BIN names
// an already built fedstore binary to test instead of building one.
//
// Every client scenario goes through a byte-for-byte recording proxy, so a
// test also proves which payload mode the client really used (signed chunks,
// unsigned trailer, Content-MD5, ...). Run: go test ./e2e/...
//
// The package imports no fedstore internals: it talks to the server over the
// wire only, like a user.
package e2e
