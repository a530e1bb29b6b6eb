#!/usr/bin/env bash
# The whole partages-ls workflow on the bundled samples, from a fresh machine with Python >= 3.11:
# creates .venv, installs partages-ls, installs Label Studio in its own cached virtualenv (first run:
# about 2 minutes), starts it on 127.0.0.1 with its data in .partages-ls/label-studio, creates
# one project per guide, imports the samples, pulls the exports and writes the outputs to demo-output/.
# Safe to rerun. Options are passed to `partages-ls demo` (--out DIR, --data-dir DIR, --port P).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
exec .venv/bin/partages-ls demo "$@"
