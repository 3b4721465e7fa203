#!/usr/bin/env bash
# install-test-deps.sh: install what fedstore's end-to-end tests need on a
# fresh Debian 12 machine. Run as root. Idempotent: a second run installs
# nothing and exits 0.
#
# Installs from apt (only when missing): rclone, s3cmd, awscli (v2, the binary
# /usr/bin/aws), etcd-server, chromium and chromium-driver (headless browser
# for the sign-in tests). Checks, without installing, the preinstalled
# pyenv AWS CLI v1 (`aws` first on PATH) and boto3: PyPI is not reachable
# here, so when they are missing the script fails with a clear message.
set -euo pipefail

log() { printf 'install-test-deps: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	die "run as root (apt-get install is needed)"
fi

# apt package -> a file that proves it is installed.
declare -A probe=(
	[rclone]=/usr/bin/rclone
	[s3cmd]=/usr/bin/s3cmd
	[awscli]=/usr/bin/aws
	[etcd-server]=/usr/bin/etcd
	[chromium]=/usr/bin/chromium
	[chromium-driver]=/usr/bin/chromedriver
)

missing=()
for pkg in rclone s3cmd awscli etcd-server chromium chromium-driver; do
	if [ -x "${probe[$pkg]}" ] && dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		log "$pkg already installed"
	else
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

for pkg in "${!probe[@]}"; do
	[ -x "${probe[$pkg]}" ] || die "$pkg installed but ${probe[$pkg]} is missing"
done

# The pyenv AWS CLI v1 and boto3 come with the machine image; they cannot be
# installed here (no PyPI). The pyenv shim directory comes before /usr/bin.
if [ -d "${PYENV_ROOT:-$HOME/.pyenv}/shims" ]; then
	PATH="${PYENV_ROOT:-$HOME/.pyenv}/shims:$PATH"
fi
awsv1=$(command -v aws || true)
if [ -z "$awsv1" ] || [ "$awsv1" = /usr/bin/aws ]; then
	die "the pyenv AWS CLI v1 ('aws' before /usr/bin/aws on PATH) is missing; it must come with the machine image (pip cannot reach PyPI here)"
fi
if ! aws --version 2>&1 | grep -q '^aws-cli/1\.'; then
	die "'$awsv1' is not AWS CLI v1: $(aws --version 2>&1)"
fi
if ! python3 -c 'import boto3, botocore' 2>/dev/null; then
	die "python3 ($(command -v python3)) cannot import boto3; it must come with the machine image (pip cannot reach PyPI here)"
fi

log "aws v1: $(aws --version 2>&1)"
log "aws v2: $(/usr/bin/aws --version 2>&1)"
log "boto3:  $(python3 -c 'import boto3; print(boto3.__version__)')"
log "rclone: $(rclone version 2>/dev/null | head -n1)"
log "s3cmd:  $(s3cmd --version 2>&1)"
log "etcd:   $(etcd --version 2>/dev/null | head -n1)"
# npm packages: the e2e tests' real OpenID Connect provider (oidc-provider)
# in e2e/idp, pinned by package.json and package-lock.json. npm ci reinstalls
# from scratch, so it runs only when the installed version is not the pinned one.
command -v node >/dev/null || die "node is missing (Debian package nodejs)"
command -v npm >/dev/null || die "npm is missing (Debian package npm)"
idp_dir="$(cd "$(dirname "$0")/.." && pwd)/e2e/idp"
# The sign-in tests also drive /usr/bin/chromium with playwright-core (same
# package.json); both pinned versions must be installed.
want=$(cd "$idp_dir" && node -p 'const d = require("./package.json").dependencies; d["oidc-provider"] + " " + d["playwright-core"]')
have=$(cd "$idp_dir" && node -p 'const v = (p) => { try { return require("./node_modules/" + p + "/package.json").version } catch { return "" } }; v("oidc-provider") + " " + v("playwright-core")')
if [ "$have" = "$want" ]; then
	log "oidc-provider $have already installed in e2e/idp"
else
	log "installing oidc-provider $want into e2e/idp (npm ci)"
	(cd "$idp_dir" && npm ci --no-audit --no-fund)
fi
log "oidc-provider, playwright-core: $(cd "$idp_dir" && node -p 'require("./node_modules/oidc-provider/package.json").version + ", " + require("./node_modules/playwright-core/package.json").version')"
log "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
log "ok"
