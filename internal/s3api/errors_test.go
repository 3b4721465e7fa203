package s3api

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object"
)

// sentinels lists the exported package-level Err* variables declared in the
// non-test files of the package in dir.
func sentinels(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Err") && n.IsExported() {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

// tableSelectors lists "pkg.Name" for every selector used in errorTable.
func tableSelectors(t *testing.T) map[string]bool {
	t.Helper()
	af, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "errorTable" {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok {
					out[id.Name+"."+se.Sel.Name] = true
				}
			}
			return true
		})
	}
	return out
}

// TestEveryDomainErrorMapped proves that every sentinel of package object and
// package authn has a row in the error table.
func TestEveryDomainErrorMapped(t *testing.T) {
	t.Parallel()
	table := tableSelectors(t)
	for pkg, dir := range map[string]string{"object": "../object", "authn": "../authn"} {
		names := sentinels(t, dir)
		if len(names) == 0 {
			t.Fatalf("found no sentinels in %s", dir)
		}
		for _, n := range names {
			if !table[pkg+"."+n] {
				t.Errorf("%s.%s has no row in errorTable", pkg, n)
			}
		}
	}
}

func TestErrorTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err     error
		code    string
		status  int
		message string // substring
	}{
		{object.ErrNoSuchKey, "NoSuchKey", 404, "does not exist"},
		{fmt.Errorf("posix: open /data/secret/path: %w", object.ErrNoSuchBucket), "NoSuchBucket", 404, "The specified bucket does not exist."},
		{object.ErrBucketNotEmpty, "BucketNotEmpty", 409, "not empty"},
		{object.ErrBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409, "already own"},
		{object.ErrEntityTooLarge, "EntityTooLarge", 400, "exceeds"},
		{object.ErrNoSuchUpload, "NoSuchUpload", 404, "upload"},
		{fmt.Errorf("%w: bad signature for header x", authn.ErrSignatureDoesNotMatch), "SignatureDoesNotMatch", 403, "bad signature for header x"},
		{fmt.Errorf("wrapped twice: %w", fmt.Errorf("%w: key AKIA", authn.ErrInvalidAccessKeyId)), "InvalidAccessKeyId", 403, "does not exist"},
		{authn.ErrExpiredToken, "ExpiredToken", 400, "expired"},
		{authn.ErrMissingContentLength, "MissingContentLength", 411, "content-length"},
		{authn.ErrNotImplemented, "NotImplemented", 501, "not implemented"},
		{apiErrorf(codeInvalidRange, "nope"), "InvalidRange", 416, "nope"},
		{io.ErrUnexpectedEOF, "InternalError", 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			ae, known := toAPIError(tt.err)
			if ae.code.name() != tt.code || ae.code.status() != tt.status {
				t.Errorf("%v -> %s %d, want %s %d", tt.err, ae.code.name(), ae.code.status(), tt.code, tt.status)
			}
			if !strings.Contains(ae.message, tt.message) {
				t.Errorf("message %q lacks %q", ae.message, tt.message)
			}
			if known != (tt.code != "InternalError") {
				t.Errorf("known = %v", known)
			}
			if strings.Contains(ae.message, "/data/secret") || strings.Contains(ae.message, "unexpected EOF") {
				t.Errorf("message leaks internal text: %q", ae.message)
			}
		})
	}
	// Every row maps its own sentinel, wrapped, to its code.
	for _, m := range errorTable() {
		ae, known := toAPIError(fmt.Errorf("ctx: %w", m.err))
		if !known || ae.code != m.code || ae.message == "" {
			t.Errorf("%v -> %+v (known %v), want %s", m.err, ae, known, m.code.name())
		}
		if !errors.Is(fmt.Errorf("x: %w", m.err), m.err) {
			t.Fatal("errors.Is broken")
		}
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range allCodes() {
		if c.name() == "" || seen[c.name()] || c.status() < 300 {
			t.Errorf("code %q: duplicate, empty or status %d", c, c.status())
		}
		seen[c.name()] = true
	}
	for c, want := range map[code]int{codeNoSuchKey: 404, codeInvalidRange: 416, codeNotImplemented: 501, codeMalformedXML: 400, codePreconditionFailed: 412, codeKeyConflict: 409} {
		if c.status() != want {
			t.Errorf("%s status %d, want %d", c, c.status(), want)
		}
	}
}
