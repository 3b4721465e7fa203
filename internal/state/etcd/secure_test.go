package etcd_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/etcd"
)

// pki writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, PEM files in dir.
type pki struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test etcd CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (string, string) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(cn+".pem", "CERTIFICATE", der), write(cn+"-key.pem", "PRIVATE KEY", kder)
	}
	p := pki{caFile: write("ca.pem", "CERTIFICATE", caDER)}
	p.serverCert, p.serverKey = leaf(2, "server", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf(3, "client", x509.ExtKeyUsageClientAuth)
	return p
}

// TestTLS: an etcd that requires client certificates is reachable with the
// certificate files or a ready *tls.Config, and not without them.
func TestTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	n := startEtcdWith(t, false, &transport.TLSInfo{
		CertFile: p.serverCert, KeyFile: p.serverKey, TrustedCAFile: p.caFile, ClientCertAuth: true,
	})
	if !strings.HasPrefix(n.endpoint, "https://") {
		t.Fatalf("endpoint %s", n.endpoint)
	}
	pair, err := tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(p.caFile)
	pool.AppendCertsFromPEM(caPEM)
	ctx := context.Background()
	good := []struct {
		name string
		cfg  etcd.Config
	}{
		{"files", etcd.Config{CAFile: p.caFile, CertFile: p.clientCert, KeyFile: p.clientKey}},
		{"tls.Config", etcd.Config{TLS: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}}},
	}
	for _, tc := range good {
		tc.cfg.Endpoints = []string{n.endpoint}
		tc.cfg.Prefix = "/" + tc.name + "/"
		s := open(t, tc.cfg)
		if _, err := s.Put(ctx, "k", []byte(tc.name), state.MustNotExist); err != nil {
			t.Fatalf("%s: Put over TLS: %v", tc.name, err)
		}
	}
	bad := []struct {
		name string
		cfg  etcd.Config
	}{
		{"CA only, no client certificate", etcd.Config{CAFile: p.caFile}},
		{"plain text", etcd.Config{}},
	}
	for _, tc := range bad {
		tc.cfg.Endpoints = []string{n.endpoint}
		tc.cfg.DialTimeout = 500 * time.Millisecond
		s, err := etcd.New(tc.cfg)
		if err == nil {
			_ = s.Close()
			t.Fatalf("%s: New succeeded against an etcd requiring client certificates", tc.name)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

// TestAuth: etcd's username/password authentication; a wrong password is
// refused (and is not an outage), and never appears in the error.
func TestAuth(t *testing.T) {
	t.Parallel()
	n := startEtcd(t)
	raw := client(t, n.endpoint)
	ctx := context.Background()
	const pw = "correct-horse-battery"
	if _, err := raw.UserAdd(ctx, "root", pw); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.UserGrantRole(ctx, "root", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	s := open(t, etcd.Config{Endpoints: []string{n.endpoint}, Username: "root", Password: pw})
	if _, err := s.Put(ctx, "k", []byte("v"), state.MustNotExist); err != nil {
		t.Fatalf("Put with credentials: %v", err)
	}
	const wrong = "wrong-password-123"
	s2, err := etcd.New(etcd.Config{Endpoints: []string{n.endpoint}, Username: "root", Password: wrong, DialTimeout: 15 * time.Second})
	if err == nil {
		_ = s2.Close()
		t.Fatal("New with a wrong password succeeded")
	}
	t.Logf("wrong password: %v", err)
	if errors.Is(err, state.ErrUnavailable) || strings.Contains(err.Error(), wrong) {
		t.Fatalf("New with a wrong password: %v", err)
	}
	// Without credentials, the cluster refuses the reads.
	if s3, err := etcd.New(etcd.Config{Endpoints: []string{n.endpoint}, DialTimeout: 15 * time.Second}); err == nil {
		_ = s3.Close()
		t.Fatal("New without credentials succeeded against an etcd with auth")
	}
}
