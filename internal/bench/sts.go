package bench

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DevRoleARN is the role a --dev server maps the dev IdP's "s3admin" role
// claim to (account 000000000000, the sample policy "s3admin").
const DevRoleARN = "arn:aws:iam::000000000000:role/s3admin"

// devTokens is how many distinct tokens (subjects) the workers share.
const devTokens = 4

// maxTokenSize bounds a token read from --token-file.
const maxTokenSize = 64 << 10

// stsTarget sends AssumeRoleWithWebIdentity exchanges, unsigned, as every
// SDK does: POST / with a form body.
type stsTarget struct {
	endpoint string
	roleARN  string
	tokens   []string
}

func (t *stsTarget) Name() string { return "fedstore" }

func (t *stsTarget) NewRequest(ctx context.Context, _ Op, w, i int) (*http.Request, error) {
	body := t.form(w, i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build STS request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func (t *stsTarget) form(w, i int) string {
	v := url.Values{}
	v.Set("Action", "AssumeRoleWithWebIdentity")
	v.Set("Version", "2011-06-15")
	v.Set("RoleArn", t.roleARN)
	v.Set("RoleSessionName", "bench-"+strconv.Itoa(w)+"-"+strconv.Itoa(i%1000))
	v.Set("WebIdentityToken", t.tokens[w%len(t.tokens)])
	return v.Encode()
}

// stsResponse is the part of the AssumeRoleWithWebIdentity answer the
// benchmark reads.
type stsResponse struct {
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
	} `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
}

// exchange performs one exchange and returns the temporary credentials.
func (t *stsTarget) exchange(ctx context.Context, hc *http.Client) (aws.Credentials, error) {
	req, err := t.NewRequest(ctx, Op{Method: MethodSTS}, 0, 0)
	if err != nil {
		return aws.Credentials{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("STS exchange: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("STS exchange: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return aws.Credentials{}, fmt.Errorf("STS exchange: status %d: %.300s", resp.StatusCode, b)
	}
	var r stsResponse
	if err := xml.Unmarshal(b, &r); err != nil {
		return aws.Credentials{}, fmt.Errorf("STS exchange: decode: %w", err)
	}
	c := r.Credentials
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		return aws.Credentials{}, errors.New("STS exchange: the answer has no credentials")
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
}

// readToken reads a web-identity token file.
func readToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenSize+1))
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	if len(b) > maxTokenSize {
		return "", fmt.Errorf("--token-file %s: over %d bytes", path, maxTokenSize)
	}
	tok := strings.TrimSpace(string(b))
	if strings.Count(tok, ".") != 2 {
		return "", fmt.Errorf("--token-file %s: not a JWT (want three dot-separated parts)", path)
	}
	return tok, nil
}

// mintDevTokens asks `BIN dev token` for n tokens from a --dev server's
// built-in IdP, retrying while the server finishes its dev setup (it
// writes the IdP's details after it starts listening).
func mintDevTokens(ctx context.Context, bin, dataDir string, n int) ([]string, error) {
	var toks []string
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < n; {
		cmd := exec.CommandContext(ctx, bin, "dev", "token", "--data", dataDir, "--roles", "s3admin",
			"--sub", "bench-"+strconv.Itoa(i), "--ttl", "2h")
		cmd.Env = filteredEnv()
		out, err := cmd.Output()
		if err != nil {
			if time.Now().After(deadline) || ctx.Err() != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return nil, fmt.Errorf("%s dev token: %w: %s", bin, err, ee.Stderr)
				}
				return nil, fmt.Errorf("%s dev token: %w", bin, err)
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		toks = append(toks, strings.TrimSpace(string(out)))
		i++
	}
	return toks, nil
}

// waitForExchange retries one exchange until the server's provider
// registry knows the issuer (a few hundred milliseconds after --dev setup).
func (t *stsTarget) waitForExchange(ctx context.Context, hc *http.Client) (aws.Credentials, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := t.exchange(ctx, hc)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return c, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
