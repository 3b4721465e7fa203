#!/usr/bin/env bash
# Enforces the dependency direction of STYLE.md:
#   cmd/fedstore -> server -> {s3api, stsapi, adminapi} -> {authn, authz} -> {iam, sts, object}
#                                                        -> {policy, sigv4, state}
# Domain packages never import API packages, the server, net/http handlers' packages of ours, or
# encoding/xml wire types; only internal/server imports implementations (posix, bolt, memory, etcd).
set -euo pipefail
mod=$(go list -m)
fail=0
while read -r pkg imports; do
  rel=${pkg#"$mod"/}
  for imp in $imports; do
    irel=${imp#"$mod"/}
    bad=""
    case "$rel" in
      internal/policy*|internal/sigv4*|internal/state|internal/iam*|internal/sts|internal/sts/*|internal/oidc*|internal/object|internal/reqctx)
        case "$imp" in
          encoding/xml) bad="domain package imports encoding/xml" ;;
          "$mod"/internal/s3api*|"$mod"/internal/stsapi*|"$mod"/internal/adminapi*|"$mod"/internal/server*|"$mod"/cmd/*)
            bad="domain package imports an API/server package" ;;
        esac ;;
    esac
    case "$rel" in
      internal/authn*|internal/authz*)
        case "$imp" in
          "$mod"/internal/s3api*|"$mod"/internal/stsapi*|"$mod"/internal/adminapi*|"$mod"/internal/server*) bad="auth imports an API/server package" ;;
        esac ;;
      internal/s3api*|internal/stsapi*|internal/adminapi*)
        case "$imp" in
          "$mod"/internal/server*|"$mod"/cmd/*) bad="API package imports the server" ;;
        esac ;;
    esac
    # Implementations are picked by name in the composition root only (tests may use them).
    case "$imp" in
      "$mod"/internal/object/posix|"$mod"/internal/state/bolt|"$mod"/internal/state/memory|"$mod"/internal/state/etcd)
        case "$rel" in
          internal/server*|cmd/*|e2e*|internal/object/posix*|internal/state/*) ;;
          *) bad="only internal/server may import implementation $irel" ;;
        esac ;;
    esac
    if [ -n "$bad" ]; then echo "import rule: $rel -> $irel: $bad"; fail=1; fi
  done
done < <(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./...)
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "import rules: ok"
