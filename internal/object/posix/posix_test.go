package posix

import (
	"testing"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

func newTestBackend(t *testing.T, sidecar bool) *Backend {
	t.Helper()
	b, err := New(t.TempDir(), Options{ForceSidecar: sidecar})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !sidecar && !b.XattrMetadata() {
		t.Skip("the test filesystem has no user xattrs")
	}
	return b
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name    string
		sidecar bool
	}{{"xattr", false}, {"sidecar", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			objecttest.Run(t, func(t *testing.T) object.Backend { return newTestBackend(t, mode.sidecar) })
		})
	}
}
