package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// fedstoreBin is the path of the binary built once by TestMain. It is written
// only there, before any test runs.
var fedstoreBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if p := os.Getenv("FEDSTORE_E2E_BIN"); p != "" {
		fedstoreBin = p
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "fedstore-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	fedstoreBin = filepath.Join(dir, "fedstore")
	if err := buildFedstore(fedstoreBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// buildFedstore runs `go build -o out ./cmd/fedstore` from the module root.
func buildFedstore(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "github.com/fedstore/fedstore/cmd/fedstore")
	cmd.Dir = ".." // the module root, seen from e2e/
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build fedstore: %w\n%s", err, b)
	}
	return nil
}
