package adminclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fedstore/fedstore/internal/adminapi"
)

// Signing scope of admin requests.
const (
	Service = "s3"
	Region  = "us-east-1"
)

// maxResponseBytes bounds what the client reads from a response.
const maxResponseBytes = 8 << 20

// DefaultTimeout bounds one request unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// Client calls one fedstore server's admin API.
type Client struct {
	base      *url.URL
	creds     aws.Credentials
	signer    *v4.Signer
	http      *http.Client
	clock     func() time.Time
	insecure  bool
	rootCAs   *x509.CertPool
	timeout   time.Duration
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// InsecureSkipVerify disables TLS certificate verification (self-signed
// development servers). Never the default.
func InsecureSkipVerify() Option { return func(c *Client) { c.insecure = true } }

// WithRootCAs trusts pool instead of the system roots.
func WithRootCAs(pool *x509.CertPool) Option { return func(c *Client) { c.rootCAs = pool } }

// WithHTTPClient replaces the HTTP client (its transport decides TLS; the
// other TLS options are then ignored).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithClock sets the signing clock (default time.Now).
func WithClock(clock func() time.Time) Option { return func(c *Client) { c.clock = clock } }

// WithTimeout bounds each request (default 30s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the server at endpoint (http:// or https://,
// host and optional port, no path).
func New(endpoint, accessKey, secretKey string, opts ...Option) (*Client, error) {
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if accessKey == "" || secretKey == "" {
		return nil, errors.New("admin client: access key and secret key are required")
	}
	c := &Client{
		base:      base,
		creds:     aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
		signer:    v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		clock:     time.Now,
		timeout:   DefaultTimeout,
		userAgent: "fedstore-admin",
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Transport: c.transport(), Timeout: c.timeout}
	}
	return c, nil
}

func parseEndpoint(endpoint string) (*url.URL, error) {
	if !strings.Contains(endpoint, "://") {
		return nil, fmt.Errorf("admin client: endpoint %q must start with http:// or https://", endpoint)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("admin client: endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("admin client: endpoint %q must start with http:// or https://", endpoint)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("admin client: endpoint %q has no host", endpoint)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("admin client: endpoint %q must be scheme://host[:port] only", endpoint)
	}
	u.Path = ""
	return u, nil
}

func (c *Client) transport() http.RoundTripper {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: c.timeout,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			RootCAs:            c.rootCAs, // nil: system roots
			InsecureSkipVerify: c.insecure,
		},
	}
	return t
}

// Endpoint returns the server's base URL.
func (c *Client) Endpoint() string { return c.base.String() }

// Error is an error answered by the admin API.
type Error struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string {
	msg := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, e.Message)
	s := fmt.Sprintf("%s: %s", e.Code, msg)
	if e.RequestID != "" && !strings.Contains(e.Message, e.RequestID) {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// do sends a signed request and decodes a 2xx JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("admin client: encode request: %w", err)
		}
	}
	u := *c.base
	// path may carry a query ("...?name=x"); callers escape its values.
	u.Path, u.RawQuery, _ = strings.Cut(path, "?")
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	if body == nil {
		req.Body = http.NoBody
	}
	req.ContentLength = int64(len(body))
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hash, Service, Region, c.clock().UTC()); err != nil {
		return fmt.Errorf("admin client: sign request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach fedstore at %s: %w", c.base, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("admin client: read response from %s: %w", c.base, err)
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("admin client: response from %s exceeds %d bytes", c.base, maxResponseBytes)
	}
	isJSON := false
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt == "application/json" {
		isJSON = true
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e adminapi.Error
		if isJSON && json.Unmarshal(data, &e) == nil && e.Code != "" {
			return &Error{Status: resp.StatusCode, Code: e.Code, Message: e.Message, RequestID: e.RequestID}
		}
		return fmt.Errorf("unexpected HTTP %d from %s%s (is this a fedstore server?)", resp.StatusCode, c.base, path)
	}
	if !isJSON {
		return fmt.Errorf("unexpected %q response from %s%s (is this a fedstore server?)", resp.Header.Get("Content-Type"), c.base, path)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("admin client: decode response from %s: %w", c.base, err)
		}
	}
	return nil
}

// unwrapURLError drops url.Error's "Get \"URL\":" prefix; the caller names the endpoint.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Info returns the server's version, uptime, state store and addresses.
func (c *Client) Info(ctx context.Context) (adminapi.Info, error) {
	var info adminapi.Info
	err := c.do(ctx, http.MethodGet, adminapi.PathInfo, nil, &info)
	return info, err
}
