package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/rootcred"
)

// Environment and defaults of the commands that talk to a running server.
const (
	envEndpoint     = "FEDSTORE_ENDPOINT"
	defaultEndpoint = "http://127.0.0.1:9000"
	defaultDataDir  = "./data"
)

func addAdminCommands(root *cobra.Command) {
	root.AddCommand(newAdminCmd(os.Getenv))
}

// clientOptions are the flags shared by every command that talks to a
// running server over the admin API (admin, and later oidc, policy, sts).
type clientOptions struct {
	endpoint string
	dataDir  string
	json     bool
	insecure bool
	timeout  time.Duration
	getenv   func(string) string
}

// newClientGroup returns a command group whose subcommands share the client
// flags as persistent flags.
func newClientGroup(use, short, long string, getenv func(string) string) (*cobra.Command, *clientOptions) {
	o := &clientOptions{getenv: getenv}
	cmd := &cobra.Command{Use: use, Short: short, Long: long, Args: cobra.NoArgs}
	f := cmd.PersistentFlags()
	f.StringVar(&o.endpoint, "endpoint", "", "server URL (default $"+envEndpoint+", else "+defaultEndpoint+")")
	f.StringVar(&o.dataDir, "data", defaultDataDir, "the server's data dir, to read its stored root credentials when "+rootcred.EnvUser+"/"+rootcred.EnvPassword+" are not set")
	f.BoolVar(&o.json, "json", false, "print JSON for scripts instead of a table")
	f.BoolVar(&o.insecure, "insecure", false, "skip TLS certificate verification (self-signed development servers only)")
	f.DurationVar(&o.timeout, "timeout", adminclient.DefaultTimeout, "timeout of each request")
	return cmd, o
}

// resolveEndpoint: --endpoint, else $FEDSTORE_ENDPOINT, else the default.
func (o *clientOptions) resolveEndpoint() string {
	if o.endpoint != "" {
		return o.endpoint
	}
	if e := strings.TrimSpace(o.getenv(envEndpoint)); e != "" {
		return e
	}
	return defaultEndpoint
}

// client builds an admin client from the flags, environment and data dir.
func (o *clientOptions) client() (*adminclient.Client, error) {
	creds, err := rootcred.Resolve(o.getenv, o.dataDir)
	if err != nil {
		return nil, err
	}
	if o.timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive, got %s", o.timeout)
	}
	opts := []adminclient.Option{adminclient.WithTimeout(o.timeout), adminclient.WithUserAgent("fedstore-cli/" + version)}
	if o.insecure {
		opts = append(opts, adminclient.InsecureSkipVerify())
	}
	c, err := adminclient.New(o.resolveEndpoint(), creds.AccessKey, creds.SecretKey, opts...)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// print writes v as indented JSON with --json, else through human.
func (o *clientOptions) print(w io.Writer, v any, human func(io.Writer) error) error {
	if !o.json {
		return human(w)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func newAdminCmd(getenv func(string) string) *cobra.Command {
	cmd, o := newClientGroup("admin", "Inspect a running fedstore server", `Commands that talk to a running fedstore server over its admin API
(`+adminapi.Prefix+`), signed with the root credentials.

The server is found with --endpoint, else $`+envEndpoint+`, else `+defaultEndpoint+`.
Credentials come from $`+rootcred.EnvUser+` and $`+rootcred.EnvPassword+`, else,
on the server's own machine, from DATA/`+rootcred.Dir+`/`+rootcred.FileName+` (--data).`, getenv)
	cmd.AddCommand(newAdminInfoCmd(o))
	return cmd
}

func newAdminInfoCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the server's version, uptime, address, data dir and state store",
		Example: `  fedstore admin info
  fedstore admin info --endpoint https://fedstore.example.com:9000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("admin info: %w", err)
			}
			info, err := c.Info(cmd.Context())
			if err != nil {
				return fmt.Errorf("admin info: %w", err)
			}
			return o.print(cmd.OutOrStdout(), info, func(w io.Writer) error { return printInfo(w, info) })
		},
	}
}

func printInfo(w io.Writer, info adminapi.Info) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	started := "-"
	if !info.StartedAt.IsZero() {
		started = info.StartedAt.UTC().Format(time.RFC3339)
	}
	rows := [][2]string{
		{"Version", info.Version},
		{"Go", info.Go},
		{"Address", info.Address},
		{"Data dir", info.DataDir},
		{"State", fmt.Sprintf("%s (revision %d)", info.State.Backend, info.State.Revision)},
		{"Started at", started},
		{"Uptime", (time.Duration(info.UptimeSeconds) * time.Second).String()},
	}
	for _, r := range rows {
		v := r[1]
		if v == "" {
			v = "-"
		}
		if _, err := fmt.Fprintf(tw, "%s:\t%s\n", r[0], v); err != nil {
			return err
		}
	}
	return tw.Flush()
}
