package stsapi

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/sts"
)

// domainSentinels names every sts.Err* sentinel; TestEverySentinelMapped
// fails when package sts declares one that is missing here.
var domainSentinels = map[string]error{
	"ErrInvalidIdentityToken": sts.ErrInvalidIdentityToken,
	"ErrExpiredToken":         sts.ErrExpiredToken,
	"ErrIDPCommunication":     sts.ErrIDPCommunication,
	"ErrAccessDenied":         sts.ErrAccessDenied,
	"ErrMalformedPolicy":      sts.ErrMalformedPolicy,
	"ErrPackedPolicyTooLarge": sts.ErrPackedPolicyTooLarge,
	"ErrInvalidParameter":     sts.ErrInvalidParameter,
	"ErrMissingParameter":     sts.ErrMissingParameter,
	"ErrThrottled":            sts.ErrThrottled,
	"ErrUnavailable":          sts.ErrUnavailable,
}

func TestEverySentinelMapped(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "sts", "errors.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(n.Name, "Err") {
					continue
				}
				declared++
				if _, ok := domainSentinels[n.Name]; !ok {
					t.Errorf("sts.%s is not listed in domainSentinels (and maybe not mapped in errorTable)", n.Name)
				}
			}
		}
	}
	if declared != len(domainSentinels) {
		t.Errorf("sts declares %d sentinels, the test lists %d", declared, len(domainSentinels))
	}
	for name, sentinel := range domainSentinels {
		e, known := toAPIError(fmt.Errorf("%w: detail", sentinel))
		if !known || e.Code == codeInternalFailure {
			t.Errorf("sts.%s maps to %s, want a specific code", name, e.Code)
		}
	}
}

func TestDomainErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		typ    string
		code   string
		msg    string
	}{
		{fmt.Errorf("%w: audience \"x\" is not accepted", sts.ErrInvalidIdentityToken), 400, "Sender", "InvalidIdentityToken",
			"the web identity token that was passed could not be validated: audience \"x\" is not accepted"},
		{fmt.Errorf("%w: exp 2026-11-29T08:00:00Z", sts.ErrExpiredToken), 400, "Sender", "ExpiredTokenException",
			"the web identity token that was passed is expired: exp 2026-11-29T08:00:00Z"},
		{sts.ErrIDPCommunication, 400, "Sender", "IDPCommunicationError", sts.ErrIDPCommunication.Error()},
		{fmt.Errorf("%w: claim roles has [S3Admin]; no policy of that name (matching is case-sensitive)", sts.ErrAccessDenied), 403, "Sender", "AccessDenied",
			"not authorized to perform sts:AssumeRoleWithWebIdentity: claim roles has [S3Admin]; no policy of that name (matching is case-sensitive)"},
		{fmt.Errorf("%w: Statement[0]: missing Effect", sts.ErrMalformedPolicy), 400, "Sender", "MalformedPolicyDocument",
			"the session policy document is malformed: Statement[0]: missing Effect"},
		{sts.ErrPackedPolicyTooLarge, 400, "Sender", "PackedPolicyTooLarge", sts.ErrPackedPolicyTooLarge.Error()},
		{sts.ErrInvalidParameter, 400, "Sender", "InvalidParameterValue", sts.ErrInvalidParameter.Error()},
		{sts.ErrMissingParameter, 400, "Sender", "MissingParameter", sts.ErrMissingParameter.Error()},
		{sts.ErrThrottled, 400, "Sender", "Throttling", "rate exceeded"},
		{fmt.Errorf("sts: state store: %w", sts.ErrUnavailable), 503, "Receiver", "ServiceUnavailable", "sts: state store: the service is temporarily unavailable"},
		{fmt.Errorf("sts: %w", context.DeadlineExceeded), 503, "Receiver", "ServiceUnavailable", "The exchange did not finish in time; retry the request."},
		{errors.New("bolt: database not open at /secret/path"), 500, "Receiver", "InternalFailure", internalFailureMessage},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, &fakeExchanger{err: tt.err})
			w := th.postForm(form())
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			e := parseError(t, w)
			if e.Type != tt.typ || e.Code != tt.code || e.Message != tt.msg || e.ReqID != "REQ-1" || e.XMLName.Space != stsNamespace {
				t.Errorf("got %+v\nwant %s %s %q", e, tt.typ, tt.code, tt.msg)
			}
			logs := th.log.String()
			if tt.code == codeInternalFailure {
				if strings.Contains(w.Body.String(), "/secret/path") {
					t.Error("internal error text sent to the client")
				}
				if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, "/secret/path") || !strings.Contains(logs, `"request_id":"REQ-1"`) {
					t.Errorf("internal error not logged with its text and request id:\n%s", logs)
				}
			} else if !strings.Contains(logs, `"code":"`+tt.code+`"`) {
				t.Errorf("refusal not logged with its code:\n%s", logs)
			}
		})
	}
}

func TestIncompleteExchangerOutput(t *testing.T) {
	t.Parallel()
	tests := map[string]*sts.WebIdentityOutput{
		"no secret":     {AccessKeyID: testAccess, SessionToken: "t", Expiration: testNow},
		"no expiration": {AccessKeyID: testAccess, SecretAccessKey: "s", SessionToken: "t"},
		"no token":      {AccessKeyID: testAccess, SecretAccessKey: "s", Expiration: testNow.Add(time.Hour)},
	}
	for name, out := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, &fakeExchanger{out: out})
			w := th.postForm(form())
			if e := parseError(t, w); w.Code != http.StatusInternalServerError || e.Code != codeInternalFailure {
				t.Errorf("got %d %s, want 500 InternalFailure", w.Code, e.Code)
			}
		})
	}
}

func TestNewPanicsOnMisconfiguration(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no exchanger":      {},
		"min above maximum": {Exchanger: &fakeExchanger{}, MinDuration: 2 * time.Hour, MaxDuration: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(cfg)
		})
	}
}
