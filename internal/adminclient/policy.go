package adminclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fedstore/fedstore/internal/adminapi"
)

// PolicyAdd adds or replaces the policy name with the JSON document doc.
// A bad document is an *Error with code MalformedPolicyDocument whose
// message names the statement, field, line and column.
func (c *Client) PolicyAdd(ctx context.Context, name, doc string) (adminapi.PolicyAddResult, error) {
	var out adminapi.PolicyAddResult
	err := c.do(ctx, http.MethodPost, adminapi.PathPolicies, adminapi.PolicyAddRequest{Name: name, Document: doc}, &out)
	return out, err
}

// PolicyList returns every policy (without documents), sorted by name.
func (c *Client) PolicyList(ctx context.Context) (adminapi.PolicyList, error) {
	var out adminapi.PolicyList
	err := c.do(ctx, http.MethodGet, adminapi.PathPolicies, nil, &out)
	return out, err
}

// PolicyShow returns one policy with its document (code NoSuchPolicy if none).
func (c *Client) PolicyShow(ctx context.Context, name string) (adminapi.Policy, error) {
	var out adminapi.Policy
	err := c.do(ctx, http.MethodGet, adminapi.PathPolicy+"?"+url.Values{"name": {name}}.Encode(), nil, &out)
	return out, err
}

// PolicyRemove removes a policy; with force it is first detached from every
// user and group (otherwise an attached policy is refused, code PolicyAttached).
func (c *Client) PolicyRemove(ctx context.Context, name string, force bool) (adminapi.PolicyRemoveResult, error) {
	q := url.Values{"name": {name}}
	if force {
		q.Set("force", "true")
	}
	var out adminapi.PolicyRemoveResult
	err := c.do(ctx, http.MethodDelete, adminapi.PathPolicy+"?"+q.Encode(), nil, &out)
	return out, err
}

// PolicyAttach attaches a policy to a user id or group (set one of a.User, a.Group).
func (c *Client) PolicyAttach(ctx context.Context, a adminapi.PolicyAttachment) (adminapi.PolicyAttachResult, error) {
	var out adminapi.PolicyAttachResult
	err := c.do(ctx, http.MethodPost, adminapi.PathPolicyAttach, a, &out)
	return out, err
}

// PolicyDetach detaches a policy (code NotAttached if it was not attached).
func (c *Client) PolicyDetach(ctx context.Context, a adminapi.PolicyAttachment) (adminapi.PolicyAttachResult, error) {
	var out adminapi.PolicyAttachResult
	err := c.do(ctx, http.MethodPost, adminapi.PathPolicyDetach, a, &out)
	return out, err
}

// PolicyAttachments returns every attachment.
func (c *Client) PolicyAttachments(ctx context.Context) (adminapi.PolicyAttachmentList, error) {
	var out adminapi.PolicyAttachmentList
	err := c.do(ctx, http.MethodGet, adminapi.PathPolicyAttachments, nil, &out)
	return out, err
}
