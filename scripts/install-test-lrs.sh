#!/usr/bin/env bash
# Install the real services the integration tests start (see DESIGN.md, "Real components") into .test-lrs/ at the
# repository root (gitignored):
#   .test-lrs/ll     Learning Locker's statements service, npm package xapi-statements 5.0.1
#   .test-lrs/ralph  a virtualenv with Ralph 5.1.0 (its own venv: Ralph pins its own dependencies)
#   .test-lrs/oidc   the OpenID Connect provider the report's sign-in is tested against, npm oidc-provider 9.13.3
# Idempotent: each part is skipped when the pinned version is already there, so CI can run it
# every time. Needs node + npm and python3 (>= 3.9) with the venv module.
set -euo pipefail

LL_VERSION=5.0.1
OIDC_PROVIDER_VERSION=9.13.3
RALPH_VERSION=5.1.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.test-lrs"
mkdir -p "$dest"

# One npm package, pinned, into its own folder (skipped when that version is there already).
npm_package() {
    local name="$1" version="$2" prefix="$3"
    local pkg="$prefix/node_modules/$name/package.json"
    if [[ -f "$pkg" ]] && node -e "process.exit(require('$pkg').version === '$version' ? 0 : 1)" 2>/dev/null; then
        echo "$name $version already installed in $prefix"
        return
    fi
    command -v node >/dev/null && command -v npm >/dev/null \
        || { echo "error: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
    # --ignore-scripts: for xapi-statements, the only packages with install scripts are aws-sdk and core-js
    # (banners) and @newrelic/native-metrics (a node-gyp build for newrelic, which the service never loads: its
    # tracker is jscommons' fake one); oidc-provider has none. Skipping them saves a C++ toolchain and the
    # "install-scripts" warnings of npm 11, and behaves the same on every npm version.
    echo "installing $name $version into $prefix"
    npm install --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error --prefix "$prefix" "$name@$version"
}

# Learning Locker's statements service; the OpenID Connect provider the report's sign-in is tested against.
npm_package xapi-statements "$LL_VERSION" "$dest/ll"
npm_package oidc-provider "$OIDC_PROVIDER_VERSION" "$dest/oidc"

# --- Ralph ------------------------------------------------------------------------------------
ralph="$dest/ralph"
if [[ -x "$ralph/bin/ralph" ]] \
    && "$ralph/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('ralph-malph') != '$RALPH_VERSION')" 2>/dev/null; then
    echo "ralph-malph $RALPH_VERSION already installed in $ralph"
else
    echo "installing ralph-malph $RALPH_VERSION into $ralph"
    [[ -x "$ralph/bin/python" ]] || python3 -m venv "$ralph"
    "$ralph/bin/pip" install --quiet --disable-pip-version-check \
        "ralph-malph[lrs,cli]==$RALPH_VERSION" requests
fi

echo "test LRSs and OIDC provider ready in $dest"
