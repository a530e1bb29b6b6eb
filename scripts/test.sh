#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs (the .venv, Debian's Chromium,
# the JS linter, the Label Studio server in its own cached virtualenv), then lints, type-checks,
# checks the generated files and runs every test against a real local Label Studio, then the real-server
# subset again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/install-chromium.sh
if [ -f package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is required for the JavaScript lint (install Node.js 20+)" >&2
    exit 1
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
echo "==> Label Studio server install (cached)"
.venv/bin/partages-ls server install

echo "==> ruff"
.venv/bin/ruff check
.venv/bin/ruff format --check
echo "==> mypy (strict)"
.venv/bin/mypy
echo "==> partages-ls build --check"
.venv/bin/partages-ls build --check
echo "==> pytest"
.venv/bin/pytest "$@"

# The real-server subset once more, with Label Studio on PostgreSQL (Debian's package, a throw-away cluster).
scripts/test-postgresql.sh
