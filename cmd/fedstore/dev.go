package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/rootcred"
)

func newDevCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Development helpers for a server started with --dev",
		Long: `Development helpers for a server started with 'fedstore server --dev', which
runs a built-in identity provider (loopback only) and configures the OIDC
provider "dev" against it.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newDevTokenCmd())
	return cmd
}

func newDevTokenCmd() *cobra.Command {
	var (
		dataDir string
		req     devidp.TokenRequest
	)
	cmd := &cobra.Command{
		Use:   "token --roles ROLE[,ROLE...] [--sub NAME] [--ttl 1h]",
		Short: "Mint a token from the --dev server's built-in identity provider",
		Long: `Mint a JWT from the built-in development identity provider of a server started
with 'fedstore server --dev', and print it. Exchange it at the server's STS
endpoint for temporary S3 credentials (the server prints the AWS CLI commands at
start).

Run it on the server's machine: it signs with the key the server keeps in
DATA/` + rootcred.Dir + `/` + devidp.KeyFileName + ` (mode 0600) and reads the issuer from
DATA/` + rootcred.Dir + `/` + devidp.InfoFileName + `, so --data must name the server's data
directory. Anyone who can read that key can mint tokens: development only.

The token carries iss (the dev IdP), aud "` + devidp.DefaultAudience + `", sub (--sub), and the roles
claim "roles" (--roles): each role names an IAM policy, exactly and
case-sensitively; the server created the sample policy "s3admin".`,
		Example: `  fedstore dev token --roles s3admin > token
  fedstore dev token --roles readonly --sub alice --ttl 15m --data /tmp/fedstore-dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, err := mintDevToken(dataDir, req)
			if err != nil {
				return fmt.Errorf("dev token: %w", err)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tok)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data", defaultDataDir, "the --dev server's data directory")
	f.StringSliceVar(&req.Roles, "roles", nil, "role (policy) names for the \"roles\" claim; repeat or separate with commas")
	f.StringSliceVar(&req.Groups, "groups", nil, "group names for the \"groups\" claim")
	f.StringVar(&req.Subject, "sub", devidp.DefaultSubject, "the token's subject (sub)")
	f.DurationVar(&req.TTL, "ttl", devidp.DefaultTTL, "the token's lifetime (at most 24h)")
	return cmd
}

// mintDevToken signs a token with the dev IdP key of dataDir.
func mintDevToken(dataDir string, req devidp.TokenRequest) (string, error) {
	if req.TTL <= 0 {
		return "", fmt.Errorf("--ttl must be positive, got %s", req.TTL)
	}
	if strings.TrimSpace(req.Subject) == "" {
		return "", errors.New("--sub must not be empty")
	}
	dir := filepath.Join(dataDir, rootcred.Dir)
	info, err := devidp.ReadInfo(filepath.Join(dir, devidp.InfoFileName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no development identity provider in %s: start the server with 'fedstore server --dev --data %s' first (and pass the same --data here)", dataDir, dataDir)
		}
		return "", err
	}
	key, err := devidp.LoadKey(filepath.Join(dir, devidp.KeyFileName))
	if err != nil {
		return "", err
	}
	idp, err := devidp.New(info.Issuer, key, time.Now)
	if err != nil {
		return "", err
	}
	req.Audience = info.Audience
	return idp.Mint(req)
}
