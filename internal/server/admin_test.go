package server

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/adminclient"
)

func TestAdminAPIMounted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret, Version: "v9.9.9-test"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	c, err := adminclient.New(r.url(), testRootUser, testRootSecret)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("admin info: %v", err)
	}
	abs, _ := filepath.Abs(dir)
	if info.Version != "v9.9.9-test" || info.State.Backend != StateBolt || info.DataDir != abs || info.Address != r.url() {
		t.Errorf("admin info = %+v", info)
	}

	bad, err := adminclient.New(r.url(), testRootUser, "not-the-secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Info(ctx); err == nil {
		t.Error("admin info with a wrong secret succeeded")
	}
	code, body := get(t, &http.Client{Timeout: 10 * time.Second}, r.url()+AdminPrefix+"info")
	if code == http.StatusOK || !strings.Contains(body, `"code"`) {
		t.Errorf("unsigned admin request: %d %s", code, body)
	}
	// The access log names the admin API and operation.
	var found bool
	for _, l := range r.logs.logLines(t) {
		if l["msg"] == "request" && l["api"] == "admin" && l["op"] == "AdminInfo" && l["status"] == float64(200) {
			found = true
		}
	}
	if !found {
		t.Errorf("no admin access line:\n%s", r.logs.String())
	}
}
