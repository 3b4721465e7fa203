package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/policy"
)

func newPolicyCmd(getenv func(string) string) *cobra.Command {
	cmd, o := newClientGroup("policy", "Manage the IAM policies that sessions are granted",
		`Manage IAM policies: AWS IAM JSON documents (Version, Statement, Effect,
Action/NotAction, Resource/NotResource, Condition) that say what a session may
do on S3.

A session gets the policies named by its token's roles claim (exactly and
case-sensitively) plus those attached to its user id (the token's user claim,
sub by default) and groups. Sessions hold policy names, not copies: editing
or removing a policy applies to live sessions on their next request, on every
node within a second. No policy exists until you add it: see docs/iam.md for
readonly, readwrite, home-prefix and s3admin examples.

Talks to a running server over its admin API: --endpoint, else $`+envEndpoint+`,
else `+defaultEndpoint+`; root credentials from the environment or, on the
server's machine, its data dir (--data).`, getenv)
	cmd.AddCommand(newPolicyAddCmd(o), newPolicyListCmd(o), newPolicyShowCmd(o), newPolicyRemoveCmd(o),
		newPolicyAttachCmd(o, true), newPolicyAttachCmd(o, false))
	return cmd
}

// readPolicyDocument reads a policy document from path ("-" is standard input),
// refusing anything over the policy size limit.
func readPolicyDocument(cmd *cobra.Command, path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, policy.MaxDocumentSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > policy.MaxDocumentSize {
		return "", fmt.Errorf("%s is larger than %d bytes, the limit of a policy document", path, policy.MaxDocumentSize)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "", fmt.Errorf("%s is empty", path)
	}
	return string(b), nil
}

func newPolicyAddCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME FILE",
		Short: "Add a policy, or replace the document of an existing one",
		Long: `Add the policy NAME with the JSON document in FILE ("-" reads standard input),
or replace the document of the policy of that name.

NAME is 1 to 128 letters, digits and + = , . @ _ - (case-sensitive). The server
validates the document and refuses a bad one, saying exactly where the fault is
(statement, field, line and column); nothing is stored then. Actions that no S3
operation uses (a misspelt "s3:GetObjekt") are accepted with a warning.`,
		Example: `  fedstore policy add readonly readonly.json
  cat home.json | fedstore policy add home -`,
		Args: policyArgs(2, "NAME FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, file := args[0], args[1]
			doc, err := readPolicyDocument(cmd, file)
			if err != nil {
				return fmt.Errorf("policy add: %w", err)
			}
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("policy add: %w", err)
			}
			res, err := c.PolicyAdd(cmd.Context(), name, doc)
			if err != nil {
				return fmt.Errorf("policy add: %w", err)
			}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				for _, warn := range res.Warnings {
					if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", warn); err != nil {
						return err
					}
				}
				verb := "added"
				if !res.Created {
					verb = "replaced"
				}
				_, err := fmt.Fprintf(w, "Policy %q %s.\n", res.Name, verb)
				return err
			})
		},
	}
}

func newPolicyListCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the policies, with the users and groups they are attached to",
		Example: "  fedstore policy list\n  fedstore policy list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("policy list: %w", err)
			}
			l, err := c.PolicyList(cmd.Context())
			if err != nil {
				return fmt.Errorf("policy list: %w", err)
			}
			return o.print(cmd.OutOrStdout(), l, func(w io.Writer) error { return printPolicyList(w, l.Policies) })
		},
	}
}

func newPolicyShowCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "show NAME",
		Short:   "Show a policy's document and attachments",
		Example: "  fedstore policy show readonly\n  fedstore policy show readonly --json | jq .document",
		Args:    policyArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("policy show: %w", err)
			}
			p, err := c.PolicyShow(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("policy show: %w", err)
			}
			return o.print(cmd.OutOrStdout(), p, func(w io.Writer) error { return printPolicy(w, p) })
		},
	}
}

func newPolicyRemoveCmd(o *clientOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a policy",
		Long: `Remove the policy NAME. A policy still attached to users or groups is refused
unless --force, which detaches it everywhere first. Sessions that hold the name
(through their roles claim) keep it, and it grants them nothing from then on.`,
		Example: "  fedstore policy remove readonly\n  fedstore policy remove readonly --force",
		Args:    policyArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("policy remove: %w", err)
			}
			res, err := c.PolicyRemove(cmd.Context(), args[0], force)
			if err != nil {
				return fmt.Errorf("policy remove: %w", err)
			}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				if _, err := fmt.Fprintf(w, "Policy %q removed.\n", res.Removed); err != nil {
					return err
				}
				if len(res.Detached) > 0 {
					_, err := fmt.Fprintf(w, "Detached from %s.\n", policyTargets(res.Detached))
					return err
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "detach the policy from every user and group, then remove it")
	return cmd
}

func newPolicyAttachCmd(o *clientOptions, attach bool) *cobra.Command {
	var in adminapi.PolicyAttachment
	use, short, verb, prep := "attach", "Attach a policy to a user id or a group", "attach", "to"
	if !attach {
		use, short, verb, prep = "detach", "Detach a policy from a user id or a group", "detach", "from"
	}
	cmd := &cobra.Command{
		Use:   use + " NAME (--user ID | --group G)",
		Short: short,
		Long: short + `.

--user is the value of the token's user claim (sub by default: e.g. an e-mail
address, an object id, or GitHub's "repo:ORG/REPO:ref:refs/heads/main"); it is
also aws:username in policies. --group is a value of the provider's groups
claim. Both are exact and case-sensitive.`,
		Example: fmt.Sprintf("  fedstore policy %s readonly --user alice@example.com\n  fedstore policy %s ci-deploy --user repo:org/app:ref:refs/heads/main\n  fedstore policy %s readwrite --group storage-admins", use, use, use),
		Args:    policyArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Policy = args[0]
			if (in.User == "") == (in.Group == "") {
				return fmt.Errorf("policy %s: give exactly one of --user ID and --group G", verb)
			}
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("policy %s: %w", verb, err)
			}
			call := c.PolicyAttach
			if !attach {
				call = c.PolicyDetach
			}
			res, err := call(cmd.Context(), in)
			if err != nil {
				return fmt.Errorf("policy %s: %w", verb, err)
			}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				target := policyTargets([]adminapi.PolicyAttachment{res.Attachment})
				var err error
				switch {
				case attach && !res.Changed:
					_, err = fmt.Fprintf(w, "Policy %q was already attached to %s.\n", in.Policy, target)
				case attach:
					_, err = fmt.Fprintf(w, "Policy %q attached to %s.\n", in.Policy, target)
				default:
					_, err = fmt.Fprintf(w, "Policy %q detached %s %s.\n", in.Policy, prep, target)
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&in.User, "user", "", "user id: the token's user claim value (aws:username)")
	cmd.Flags().StringVar(&in.Group, "group", "", "group: a value of the provider's groups claim")
	return cmd
}

// policyArgs is cobra.ExactArgs with a message naming the arguments.
func policyArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s: expected %s, got %d argument(s)", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

func policyTargets(as []adminapi.PolicyAttachment) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		if a.Group != "" {
			parts = append(parts, "group "+strconv.Quote(a.Group))
		} else {
			parts = append(parts, "user "+strconv.Quote(a.User))
		}
	}
	return strings.Join(parts, ", ")
}

func printPolicyList(w io.Writer, ps []adminapi.Policy) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "No policies. Add one with: fedstore policy add NAME FILE")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "NAME\tSTATEMENTS\tUSERS\tGROUPS\tUPDATED"); err != nil {
		return err
	}
	for _, p := range ps {
		if _, err := fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", p.Name, p.Statements, policyJoin(p.Users), policyJoin(p.Groups), policyTime(p.Updated)); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func printPolicy(w io.Writer, p adminapi.Policy) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	rows := [][2]string{
		{"Name", p.Name},
		{"Statements", strconv.Itoa(p.Statements)},
		{"Users", policyJoin(p.Users)},
		{"Groups", policyJoin(p.Groups)},
		{"Created", policyTime(p.Created)},
		{"Updated", policyTime(p.Updated)},
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1]); err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var doc bytes.Buffer
	if err := json.Indent(&doc, p.Document, "  ", "  "); err != nil {
		return errors.New("the server sent a policy document that is not JSON")
	}
	_, err := fmt.Fprintf(w, "Document:\n  %s\n", doc.String())
	return err
}

func policyJoin(vs []string) string {
	if len(vs) == 0 {
		return "-"
	}
	return strings.Join(vs, ",")
}

func policyTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
