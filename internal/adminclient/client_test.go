package adminclient_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/state/memory"
)

const (
	rootAK = "ROOTACCESSKEY0000000"
	rootSK = "root-secret-key-0123456789abcdefghijklmn"
)

func adminHandler(t *testing.T) http.Handler {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	return adminapi.New(adminapi.Config{
		Auth:  &adminapitest.Verifier{AccessKey: rootAK, SecretKey: rootSK, Users: map[string]string{"USERKEY": "user-secret-123"}},
		Store: st,
		Info: func() adminapi.Info {
			return adminapi.Info{Version: "v9", State: adminapi.StateInfo{Backend: "memory"}, Address: "here"}
		},
	})
}

func TestInfo(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(adminHandler(t))
	t.Cleanup(srv.Close)
	c, err := adminclient.New(srv.URL, rootAK, rootSK)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "v9" || info.State.Backend != "memory" || info.Address != "here" || info.Go == "" {
		t.Fatalf("info %+v", info)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(adminHandler(t))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		ak, sk   string
		opts     []adminclient.Option
		wantCode string
		status   int
	}{
		{"wrong secret", rootAK, "wrong-secret-wrong-secret", nil, "SignatureDoesNotMatch", 403},
		{"unknown key", "NOSUCHKEY", rootSK, nil, "InvalidAccessKeyId", 403},
		{"not root", "USERKEY", "user-secret-123", nil, "AccessDenied", 403},
		{"clock skew", rootAK, rootSK, []adminclient.Option{adminclient.WithClock(func() time.Time { return time.Now().Add(-time.Hour) })}, "RequestTimeTooSkewed", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := adminclient.New(srv.URL, tc.ak, tc.sk, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Info(context.Background())
			var ae *adminclient.Error
			if !errors.As(err, &ae) || ae.Code != tc.wantCode || ae.Status != tc.status {
				t.Fatalf("error %v, want %s/%d", err, tc.wantCode, tc.status)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), tc.sk) {
				t.Fatalf("error not one line or shows the secret: %q", err)
			}
		})
	}
}

func TestNotFedstore(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "ok") {
			w.Header().Set("Content-Type", "text/html")
			return
		}
		http.Error(w, "<html>not here</html>", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	c, err := adminclient.New(srv.URL, rootAK, rootSK)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Info(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "is this a fedstore server?") {
		t.Fatalf("error %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := adminclient.New(url, rootAK, rootSK, adminclient.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Info(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach fedstore at "+url) {
		t.Fatalf("error %v", err)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(adminHandler(t))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tests := []struct {
		name string
		opts []adminclient.Option
		ok   bool
	}{
		{"system roots refuse a self-signed server", nil, false},
		{"insecure opt-in", []adminclient.Option{adminclient.InsecureSkipVerify()}, true},
		{"explicit roots", []adminclient.Option{adminclient.WithRootCAs(pool)}, true},
	}
	for _, tc := range tests {
		c, err := adminclient.New(srv.URL, rootAK, rootSK, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Info(context.Background())
		if (err == nil) != tc.ok {
			t.Fatalf("%s: error %v", tc.name, err)
		}
		if !tc.ok && !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%s: error %v does not mention the certificate", tc.name, err)
		}
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint, ak, sk string
		want             string
	}{
		{"127.0.0.1:9000", rootAK, rootSK, "must start with http"},
		{"ftp://host", rootAK, rootSK, "must start with http"},
		{"http://", rootAK, rootSK, "has no host"},
		{"http://host/path", rootAK, rootSK, "scheme://host[:port] only"},
		{"http://host?x=1", rootAK, rootSK, "scheme://host[:port] only"},
		{"http://u:p@host", rootAK, rootSK, "scheme://host[:port] only"},
		{"http://host", "", rootSK, "required"},
		{"http://host", rootAK, "", "required"},
		{"http://host:9000/", rootAK, rootSK, ""},
		{"https://host", rootAK, rootSK, ""},
	}
	for _, tc := range tests {
		c, err := adminclient.New(tc.endpoint, tc.ak, tc.sk)
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%q: %v", tc.endpoint, err)
			}
			if strings.HasSuffix(c.Endpoint(), "/") {
				t.Fatalf("%q: endpoint kept a trailing slash: %s", tc.endpoint, c.Endpoint())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%q: error %v, want %q", tc.endpoint, err, tc.want)
		}
	}
}
