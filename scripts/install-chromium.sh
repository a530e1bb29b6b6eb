#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (playwright drives it with executable_path=/usr/bin/chromium).
# Never use `playwright install`: it downloads its own browser, which this machine cannot reach.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "error: $CHROMIUM is missing and installing it needs root (apt-get install -y chromium)." >&2
    echo "       Run this script as root, or install Debian's 'chromium' package yourself." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $CHROMIUM is missing and apt-get is not available on this system." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get update; then
    echo "error: 'apt-get update' failed; cannot install chromium." >&2
    exit 1
fi
if ! apt-get install -y --no-install-recommends chromium; then
    echo "error: 'apt-get install -y chromium' failed." >&2
    exit 1
fi

if [[ ! -x "$CHROMIUM" ]]; then
    echo "error: the chromium package was installed but $CHROMIUM is still missing." >&2
    exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
