#!/usr/bin/env bash
# Shared setup for scripts/test.sh and scripts/demo.sh: the development virtualenv at .venv with
# partages-ls, its dev tools and every optional extra (the full test suite runs the tests that need
# them). Re-running is cheap: pip runs only when pyproject.toml or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "partages-ls needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=.venv/.partages-ls-installed
want=$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing partages-ls, its dev tools and optional extras into .venv"
  .venv/bin/python -m pip install --quiet -e '.[dev,sdk,bench]'
  echo "$want" > "$stamp"
fi
