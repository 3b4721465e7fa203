package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/server"
	"github.com/fedstore/fedstore/internal/sts"
)

// maxTokenFile bounds what sts explain reads from a token file.
const maxTokenFile = 64 << 10

func newSTSCmd(getenv func(string) string) *cobra.Command {
	cmd, o := newClientGroup("sts", "List, revoke and explain STS sessions (temporary credentials)",
		`Inspect and control the temporary credentials fedstore's STS endpoint issues
(AssumeRoleWithWebIdentity): list the live sessions, revoke one or every session
of a subject, and explain how a token fares at the exchange.

Revocations apply on every node of a cluster within a second; expired sessions
and revocations are deleted by the server's cleanup routine
(--sts-cleanup-interval, default 1m).

Talks to a running server over its admin API: --endpoint, else $`+envEndpoint+`,
else `+defaultEndpoint+`; root credentials from the environment or, on the
server's machine, its data dir (--data).`, getenv)
	cmd.AddCommand(newSTSListCmd(o), newSTSRevokeCmd(o), newSTSExplainCmd(o), newSTSKeysCmd(o))
	return cmd
}

func newSTSListCmd(o *clientOptions) *cobra.Command {
	var subject string
	cmd := &cobra.Command{
		Use:   "list [--subject SUB]",
		Short: "List the live sessions: access key, subject, provider, policies, expiry, session name, source IP",
		Example: `  fedstore sts list
  fedstore sts list --subject alice --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("sts list: %w", err)
			}
			l, err := c.STSSessions(cmd.Context(), subject)
			if err != nil {
				return fmt.Errorf("sts list: %w", err)
			}
			return o.print(cmd.OutOrStdout(), l, func(w io.Writer) error { return printSessions(w, l.Sessions) })
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "only the sessions of this subject (the token's user claim)")
	return cmd
}

func printSessions(w io.Writer, ss []sts.Session) error {
	if len(ss) == 0 {
		_, err := fmt.Fprintln(w, "No live sessions.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCESS KEY\tSUBJECT\tPROVIDER\tPOLICIES\tEXPIRES\tSESSION NAME\tSOURCE IP")
	for _, s := range ss {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.AccessKey, orDash(s.Subject), orDash(s.Provider),
			orDash(strings.Join(s.Policies, ",")), s.ExpiresAt.UTC().Format(time.RFC3339), orDash(s.SessionName), orDash(s.SourceIP))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newSTSRevokeCmd(o *clientOptions) *cobra.Command {
	var subject string
	cmd := &cobra.Command{
		Use:   "revoke (ACCESS_KEY | --subject SUB)",
		Short: "Revoke a session, or every session of a subject, on every node at once",
		Long: `Revoke the session of ACCESS_KEY, or with --subject every session of that
subject issued until now (later exchanges are not affected). Requests signed
with revoked credentials are refused with InvalidToken on every node within a
second.`,
		Example: `  fedstore sts revoke ASIAEXAMPLE7Q2WXYZAB
  fedstore sts revoke --subject alice`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (subject != "") {
				return errors.New("sts revoke: give exactly one of ACCESS_KEY and --subject")
			}
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("sts revoke: %w", err)
			}
			var res adminapi.STSRevokeResult
			if len(args) == 1 {
				res, err = c.STSRevoke(cmd.Context(), args[0])
			} else {
				res, err = c.STSRevokeSubject(cmd.Context(), subject)
			}
			if err != nil {
				return fmt.Errorf("sts revoke: %w", err)
			}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error { return printRevoked(w, res) })
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "revoke every session of this subject issued until now")
	return cmd
}

func printRevoked(w io.Writer, res adminapi.STSRevokeResult) error {
	if res.AccessKey != "" {
		_, err := fmt.Fprintf(w, "Session %s of %q revoked.\n", res.AccessKey, sessionSubject(res.Sessions))
		return err
	}
	if _, err := fmt.Fprintf(w, "Sessions of %q issued until %s revoked (%d live).\n", res.Subject,
		res.RevokedAt.UTC().Format(time.RFC3339), len(res.Sessions)); err != nil {
		return err
	}
	if len(res.Sessions) == 0 {
		return nil
	}
	return printSessions(w, res.Sessions)
}

func sessionSubject(ss []sts.Session) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0].Subject
}

func newSTSExplainCmd(o *clientOptions) *cobra.Command {
	var roleArn string
	cmd := &cobra.Command{
		Use:   "explain TOKEN_FILE",
		Short: "Explain how a token fares at the exchange: provider, checks, roles, policies",
		Long: `Decode a JWT without trusting it and show what the STS would do with it: the
provider its issuer routes to, every check (format, alg, typ, signature, iss,
aud, exp, nbf, iat, user claim) with pass or fail and the reason, the values of
the provider's roles claim and which of them name a policy (exactly,
case-sensitively), the policies attached to the user and its groups, and the
merged result. Nothing is issued or stored. TOKEN_FILE "-" reads stdin.

With --role-arn, the RoleArn's role name narrows the session as in the exchange.`,
		Example: `  fedstore sts explain token
  kubectl create token app --audience fedstore | fedstore sts explain -
  fedstore sts explain token --role-arn arn:aws:iam::000000000000:role/readonly --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tok, err := readTokenFile(args[0], cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("sts explain: %w", err)
			}
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("sts explain: %w", err)
			}
			ex, err := c.STSExplain(cmd.Context(), tok, roleArn)
			if err != nil {
				return fmt.Errorf("sts explain: %w", err)
			}
			return o.print(cmd.OutOrStdout(), ex, func(w io.Writer) error { return printExplanation(w, ex) })
		},
	}
	cmd.Flags().StringVar(&roleArn, "role-arn", "", "the RoleArn the exchange would be called with")
	return cmd
}

func readTokenFile(name string, stdin io.Reader) (string, error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("%s is larger than %d bytes; a token is at most %d characters", name, maxTokenFile, adminapi.MaxExplainToken)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return tok, nil
}

func printExplanation(w io.Writer, ex sts.Explanation) error {
	// Each section aligns on its own.
	section := func(rows func(tw io.Writer)) error {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		rows(tw)
		return tw.Flush()
	}
	t := ex.Token
	err := section(func(tw io.Writer) {
		fmt.Fprintf(tw, "Provider:\t%s\n", orDash(t.Provider))
		fmt.Fprintf(tw, "Issuer:\t%s\n", orDash(t.Issuer))
		fmt.Fprintf(tw, "Key id / alg:\t%s / %s\n", orDash(t.KeyID), orDash(t.Algorithm))
	})
	if err == nil {
		err = section(func(tw io.Writer) {
			fmt.Fprintln(tw, "Checks:")
			for _, c := range t.Checks {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, strings.ToUpper(string(c.Status)), c.Detail)
			}
		})
	}
	if m := ex.Mapping; m != nil && err == nil {
		err = section(func(tw io.Writer) {
			fmt.Fprintf(tw, "Roles (claim %q):\n", m.Claim)
			if len(m.Roles) == 0 {
				fmt.Fprintln(tw, "  (none)")
			}
			for _, r := range m.Roles {
				if r.Policy {
					fmt.Fprintf(tw, "  %s\t-> policy %q\n", r.Role, r.Role)
				} else {
					fmt.Fprintf(tw, "  %s\t-> no match: %s\n", r.Role, r.Note)
				}
			}
		})
		if err == nil {
			err = section(func(tw io.Writer) {
				who := fmt.Sprintf("user %q", m.User)
				if len(m.Groups) > 0 {
					who += " and groups " + strings.Join(m.Groups, ",")
				}
				fmt.Fprintf(tw, "Attached:\t%s (to %s)\n", orDash(strings.Join(m.Attached, ", ")), who)
				switch {
				case m.RoleName != "" && m.Narrowed:
					fmt.Fprintf(tw, "RoleArn:\trole %q is one of the roles: the session gets that policy alone\n", m.RoleName)
				case m.RoleName != "":
					fmt.Fprintf(tw, "RoleArn:\trole %q is not one of the roles: no narrowing\n", m.RoleName)
				}
				fmt.Fprintf(tw, "Policies:\t%s\n", orDash(strings.Join(m.Policies, ", ")))
			})
		}
	}
	if err != nil {
		return err
	}
	if ex.Allowed {
		_, err = fmt.Fprintln(w, "Result:    ALLOWED: the exchange would issue credentials")
	} else {
		_, err = fmt.Fprintf(w, "Result:    REFUSED: %s\n", ex.Reason)
	}
	return err
}

func newSTSKeysCmd(o *clientOptions) *cobra.Command {
	var rotate bool
	cmd := &cobra.Command{
		Use:   "keys [--rotate]",
		Short: "List the session-token sealing keys, or rotate to a new one",
		Long: `List the keys that seal session tokens (ids and creation times; secrets never
leave the state store), or with --rotate create a new one: new tokens are sealed
with it on every node, and tokens sealed with older keys stay valid until the
cleanup routine drops those keys, one maximum session duration later.`,
		Example: `  fedstore sts keys
  fedstore sts keys --rotate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("sts keys: %w", err)
			}
			if rotate {
				if _, err := c.STSRotateKey(cmd.Context()); err != nil {
					return fmt.Errorf("sts keys: %w", err)
				}
			}
			l, err := c.STSKeys(cmd.Context())
			if err != nil {
				return fmt.Errorf("sts keys: %w", err)
			}
			return o.print(cmd.OutOrStdout(), l, func(w io.Writer) error {
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY ID\tCREATED\tCURRENT")
				for _, k := range l.Keys {
					fmt.Fprintf(tw, "%s\t%s\t%v\n", k.ID, k.CreatedAt.UTC().Format(time.RFC3339), k.Current)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&rotate, "rotate", false, "create a new sealing key first")
	return cmd
}

// stsServerFlags are the STS settings of `fedstore server`.
type stsServerFlags struct {
	maxDuration     time.Duration
	cleanupInterval time.Duration
	recordWindow    time.Duration
	tokenFormat     string
	accountID       string
	rateLimit       float64
}

func addSTSServerFlags(fl *pflag.FlagSet, f *stsServerFlags) {
	fl.DurationVar(&f.maxDuration, "sts-max-duration", server.DefaultSTSMaxDuration,
		"longest STS session (DurationSeconds bound; 15m..12h)")
	fl.DurationVar(&f.cleanupInterval, "sts-cleanup-interval", server.DefaultSTSCleanupInterval,
		"how often expired STS sessions and revocations are deleted")
	fl.DurationVar(&f.recordWindow, "sts-record-window", server.DefaultSTSRecordWindow,
		"with the embedded state store: commit session records at least this often instead of making each exchange wait for its own (a crash loses at most this window's records: sealed tokens of those sessions still work until they expire, reference tokens stop working); 0 = every exchange waits; at most 1s")
	fl.StringVar(&f.tokenFormat, "sts-token-format", server.STSTokenAuto,
		"session tokens issued: sealed (the token carries the session; any node opens it alone), reference (50 bytes naming the session record: cheaper requests, but sessions whose records a crash lost stop working; embedded state store only) or auto (reference with the embedded store, sealed with etcd); every format is accepted")
	fl.StringVar(&f.accountID, "account-id", server.DefaultAccountID,
		"12-digit account id in session ARNs (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)")
	fl.Float64Var(&f.rateLimit, "sts-rate-limit", 0,
		"STS requests per second per source IP (token bucket, burst the same number); excess requests get Throttling; 0 = no limit")
}
