package server

import (
	"context"

	"github.com/fedstore/fedstore/internal/authz"
	"github.com/fedstore/fedstore/internal/s3api"
)

// s3Authorizer decides S3 requests with IAM policies (identity, session and
// bucket policies from the iam cache); root may do everything.
func (s *Server) s3Authorizer() s3api.Authorizer {
	az := authz.New(s.iam, authz.Options{AccountID: s.cfg.AccountID, Logger: s.log})
	return s3api.AuthorizerFunc(func(ctx context.Context, r s3api.AuthzRequest) error {
		return az.Authorize(ctx, authz.Request(r))
	})
}
