package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/oidc"
)

func newOIDCCmd(getenv func(string) string) *cobra.Command {
	cmd, o := newClientGroup("oidc", "Configure the OpenID Connect providers whose tokens the STS accepts",
		`Configure the OpenID Connect identity providers (IdPs) whose JWTs fedstore's STS
endpoint exchanges for temporary S3 credentials (AssumeRoleWithWebIdentity).

Each provider has a name (default "default") and is found through its OIDC
discovery document (--config-url: the issuer URL or its
/.well-known/openid-configuration URL). A token is routed to the provider whose
issuer equals the token's "iss". The token's roles claim (--claim-name, default
"roles"; a dotted path such as realm_access.roles walks nested objects) names
IAM policies, exactly and case-sensitively.

The server checks a configuration against the IdP before storing it (discovery
document fetched, issuer matches, JWKS loads) and refuses it with the reason.
Changes apply on every node of a cluster within a second.

Talks to a running server over its admin API: --endpoint, else $`+envEndpoint+`,
else `+defaultEndpoint+`; root credentials from the environment or, on the
server's machine, its data dir (--data).`, getenv)
	cmd.AddCommand(newOIDCConfigureCmd(o), newOIDCShowCmd(o), newOIDCListCmd(o), newOIDCRemoveCmd(o))
	return cmd
}

func newOIDCConfigureCmd(o *clientOptions) *cobra.Command {
	var in adminapi.OIDCProviderConfig
	var leeway time.Duration
	cmd := &cobra.Command{
		Use:   "configure --config-url URL --audience ID [flags]",
		Short: "Add or replace an OpenID Connect provider",
		Long: `Add an OpenID Connect provider, or replace the one of the same name.

--config-url is the IdP's issuer URL (or its discovery document URL); it must be
https, or http to a loopback address. --audience is required (repeat it or
separate values with commas): a token is accepted only when its "aud" (or
"azp") claim holds one of them. Use the client id or audience your IdP puts
into the tokens; fedstore has no "accept any audience" mode, because a token
minted for another application of the same IdP must never be accepted.

For interactive sign-in ('fedstore login', the sign-in page /login), give the
IdP's public client (no secret, PKCE) with --client-id and list it as an
--audience too (the ID token's aud is the client id). --redirect-url
(fedstore's URL + /login/callback, registered at the IdP) turns on /login.

Replacing a provider sets every field from this command's flags: a flag left
out takes its default, not the provider's previous value.`,
		Example: `  # Microsoft Entra ID: app roles in "roles", audience = the application id
  fedstore oidc configure --name entra \
    --config-url https://login.microsoftonline.com/TENANT_ID/v2.0 \
    --audience 00000000-0000-0000-0000-000000000000

  # Keycloak realm roles
  fedstore oidc configure --name keycloak --config-url https://kc.example.com/realms/demo \
    --audience fedstore --claim-name realm_access.roles

  # GitHub Actions: no roles; attach policies to the token's sub
  fedstore oidc configure --name github --config-url https://token.actions.githubusercontent.com \
    --audience https://github.com/ORG`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(in.ConfigURL) == "" {
				return fmt.Errorf("oidc configure: --config-url is required (the issuer URL, or its /.well-known/openid-configuration URL)")
			}
			if len(in.Audiences) == 0 {
				return fmt.Errorf("oidc configure: --audience is required: the client id or audience your IdP puts in the token's aud (or azp) claim; fedstore accepts no token for just any audience")
			}
			if cmd.Flags().Changed("leeway") {
				if leeway <= 0 {
					return fmt.Errorf("oidc configure: --leeway must be positive, got %s", leeway)
				}
				in.Leeway = leeway.String()
			}
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("oidc configure: %w", err)
			}
			res, err := c.OIDCConfigure(cmd.Context(), in)
			if err != nil {
				return fmt.Errorf("oidc configure: %w", err)
			}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				verb := "replaced"
				if res.Created {
					verb = "created"
				}
				if _, err := fmt.Fprintf(w, "Provider %q %s.\n", res.Provider.Name, verb); err != nil {
					return err
				}
				return printProvider(w, res.Provider)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.ConfigURL, "config-url", "", "the IdP's issuer URL or its discovery document URL (required)")
	f.StringVar(&in.Name, "name", oidc.DefaultProviderName, "provider name (letters, digits, '.', '_', '-')")
	f.StringVar(&in.ClaimName, "claim-name", oidc.DefaultClaimName, "claim holding the role (policy) names; a dotted path walks nested objects")
	f.StringSliceVar(&in.Audiences, "audience", nil, "accepted audience (client id); repeat or separate with commas (required)")
	f.StringVar(&in.UserClaim, "user-claim", oidc.DefaultUserClaim, "claim naming the identity (policies can be attached to its value)")
	f.StringVar(&in.GroupsClaim, "groups-claim", "", "claim holding group names (policies can be attached to groups)")
	f.DurationVar(&leeway, "leeway", oidc.DefaultLeeway, "clock skew tolerated on exp, nbf and iat (at most 10m)")
	f.StringVar(&in.ClientID, "client-id", "", "the IdP's public client (no secret, PKCE) for 'fedstore login' and the sign-in page; must also be an --audience")
	f.StringVar(&in.RedirectURL, "redirect-url", "", "enables the sign-in page: fedstore's URL + "+oidc.SignInCallbackPath+", registered at the IdP for the client")
	return cmd
}

func newOIDCShowCmd(o *clientOptions) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "show [--name NAME]",
		Short: "Show a provider: its configuration, issuer, JWKS, key ids and last refresh",
		Example: `  fedstore oidc show
  fedstore oidc show --name keycloak --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("oidc show: %w", err)
			}
			p, err := c.OIDCGet(cmd.Context(), name)
			if err != nil {
				return fmt.Errorf("oidc show: %w", err)
			}
			return o.print(cmd.OutOrStdout(), p, func(w io.Writer) error { return printProvider(w, p) })
		},
	}
	cmd.Flags().StringVar(&name, "name", oidc.DefaultProviderName, "provider name")
	return cmd
}

func newOIDCListCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the configured providers",
		Example: `  fedstore oidc list --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("oidc list: %w", err)
			}
			l, err := c.OIDCList(cmd.Context())
			if err != nil {
				return fmt.Errorf("oidc list: %w", err)
			}
			return o.print(cmd.OutOrStdout(), l, func(w io.Writer) error { return printProviderList(w, l.Providers) })
		},
	}
}

func newOIDCRemoveCmd(o *clientOptions) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "remove [--name NAME]",
		Short: "Remove a provider; its tokens are refused from then on",
		Long: `Remove a provider. Tokens of its issuer are refused from then on; temporary
credentials already issued stay valid until they expire or are revoked
(fedstore sts revoke).`,
		Example: `  fedstore oidc remove --name keycloak`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("oidc remove: %w", err)
			}
			if err := c.OIDCRemove(cmd.Context(), name); err != nil {
				return fmt.Errorf("oidc remove: %w", err)
			}
			res := adminapi.OIDCRemoveResult{Removed: name}
			return o.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Provider %q removed.\n", name)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", oidc.DefaultProviderName, "provider name")
	return cmd
}

// printProvider writes one provider as "Field: value" lines (one space after
// the colon, so scripts can grep "Claim Name: roles").
func printProvider(w io.Writer, p adminapi.OIDCProvider) error {
	rows := [][2]string{
		{"Name", p.Name},
		{"Config URL", p.ConfigURL},
		{"Issuer", p.Issuer},
		{"Claim Name", p.ClaimName},
		{"Audiences", strings.Join(p.Audiences, ", ")},
		{"User Claim", p.UserClaim},
		{"Groups Claim", p.GroupsClaim},
		{"Leeway", p.Leeway},
		{"Client ID", p.ClientID},
		{"Redirect URL", p.RedirectURL},
		{"Discovery URL", p.DiscoveryURL},
		{"JWKS URI", p.JWKSURI},
		{"Key IDs", strings.Join(p.KeyIDs, ", ")},
		{"Algorithms", strings.Join(p.Algorithms, ", ")},
		{"Last Refresh", oidcStamp(p.LastRefresh)},
		{"Last Error", p.LastError},
		{"Updated At", oidcStamp(p.UpdatedAt)},
	}
	for _, r := range rows {
		v := r[1]
		if v == "" {
			v = "-"
		}
		if _, err := fmt.Fprintf(w, "%s: %s\n", r[0], v); err != nil {
			return err
		}
	}
	return nil
}

func printProviderList(w io.Writer, ps []adminapi.OIDCProvider) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "No OIDC providers configured (add one with: fedstore oidc configure --config-url URL --audience ID).")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "NAME\tISSUER\tCLAIM\tAUDIENCES\tKEYS\tLAST REFRESH\tSTATUS"); err != nil {
		return err
	}
	for _, p := range ps {
		status := "ok"
		switch {
		case p.LastError != "":
			status = "error: " + p.LastError
		case p.LastRefresh.IsZero():
			status = "not fetched yet"
		}
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.Name, p.Issuer, p.ClaimName,
			strings.Join(p.Audiences, ","), len(p.KeyIDs), oidcStamp(p.LastRefresh), status); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func oidcStamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
