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

# --- Learning Locker's statements service -------------------------------------------------
ll="$dest/ll"
ll_pkg="$ll/node_modules/xapi-statements/package.json"
if [[ -f "$ll_pkg" ]] && node -e "process.exit(require('$ll_pkg').version === '$LL_VERSION' ? 0 : 1)" 2>/dev/null; then
    echo "xapi-statements $LL_VERSION already installed in $ll"
else
    command -v node >/dev/null && command -v npm >/dev/null \
        || { echo "error: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
    # --ignore-scripts: the only packages with install scripts are aws-sdk and core-js (banners)
    # and @newrelic/native-metrics (a node-gyp build for newrelic, which the service never loads:
    # its tracker is jscommons' fake one). Skipping them saves a C++ toolchain and the
    # "install-scripts" warnings of npm 11, and behaves the same on every npm version.
    echo "installing xapi-statements $LL_VERSION into $ll"
    npm install --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error \
        --prefix "$ll" "xapi-statements@$LL_VERSION"
fi

# --- The OpenID Connect provider ---------------------------------------------------------------
oidc="$dest/oidc"
oidc_pkg="$oidc/node_modules/oidc-provider/package.json"
if [[ -f "$oidc_pkg" ]] && node -e "process.exit(require('$oidc_pkg').version === '$OIDC_PROVIDER_VERSION' ? 0 : 1)" 2>/dev/null; then
    echo "oidc-provider $OIDC_PROVIDER_VERSION already installed in $oidc"
else
    command -v node >/dev/null && command -v npm >/dev/null \
        || { echo "error: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
    echo "installing oidc-provider $OIDC_PROVIDER_VERSION into $oidc"
    npm install --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error \
        --prefix "$oidc" "oidc-provider@$OIDC_PROVIDER_VERSION"
fi

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
