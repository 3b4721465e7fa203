package adminclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/sts"
)

// STSSessions lists the live sessions, all or those of subject.
func (c *Client) STSSessions(ctx context.Context, subject string) (adminapi.STSSessionList, error) {
	path := adminapi.PathSTSSessions
	if subject != "" {
		path += "?" + url.Values{"subject": {subject}}.Encode()
	}
	var out adminapi.STSSessionList
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// STSRevoke revokes the session of accessKey (code NoSuchSession if there
// is no live one).
func (c *Client) STSRevoke(ctx context.Context, accessKey string) (adminapi.STSRevokeResult, error) {
	var out adminapi.STSRevokeResult
	err := c.do(ctx, http.MethodPost, adminapi.PathSTSRevoke, adminapi.STSRevokeRequest{AccessKey: accessKey}, &out)
	return out, err
}

// STSRevokeSubject revokes every session of subject issued so far.
func (c *Client) STSRevokeSubject(ctx context.Context, subject string) (adminapi.STSRevokeResult, error) {
	var out adminapi.STSRevokeResult
	err := c.do(ctx, http.MethodPost, adminapi.PathSTSRevoke, adminapi.STSRevokeRequest{Subject: subject}, &out)
	return out, err
}

// STSExplain asks how token fares at the exchange (with roleArn, if set).
func (c *Client) STSExplain(ctx context.Context, token, roleArn string) (sts.Explanation, error) {
	var out sts.Explanation
	err := c.do(ctx, http.MethodPost, adminapi.PathSTSExplain, adminapi.STSExplainRequest{Token: token, RoleArn: roleArn}, &out)
	return out, err
}

// STSKeys lists the session sealing keys (ids and ages only).
func (c *Client) STSKeys(ctx context.Context) (adminapi.STSKeyList, error) {
	var out adminapi.STSKeyList
	err := c.do(ctx, http.MethodGet, adminapi.PathSTSKeys, nil, &out)
	return out, err
}

// STSRotateKey creates a new sealing key for new session tokens.
func (c *Client) STSRotateKey(ctx context.Context) (sts.KeyInfo, error) {
	var out sts.KeyInfo
	err := c.do(ctx, http.MethodPost, adminapi.PathSTSKeys, nil, &out)
	return out, err
}
