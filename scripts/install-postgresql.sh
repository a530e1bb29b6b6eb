#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the PostgreSQL test step (scripts/test-postgresql.sh).
# Only the binaries are needed: the tests make, start and delete their own cluster in a temporary folder,
# so no cluster is created at install time and no system service is used.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || [[ -n "${PARTAGES_LS_PG_BINDIR:-}" ]]; then
    echo "postgresql already installed: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tr '\n' ' ')${PARTAGES_LS_PG_BINDIR:-}"
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "error: PostgreSQL's server binaries are missing and installing them needs root" >&2
    echo "       (apt-get install -y postgresql); or set PARTAGES_LS_PG_BINDIR to a folder holding initdb and pg_ctl." >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: PostgreSQL is missing and apt-get is not available; set PARTAGES_LS_PG_BINDIR." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# postgresql-common would create and start a "main" cluster at install time: the tests do not use it.
# (createcluster.conf, which postgresql-common manages, includes this folder.)
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/partages-ls-no-main-cluster.conf
if ! apt-get update; then
    echo "error: 'apt-get update' failed; cannot install postgresql." >&2
    exit 1
fi
if ! apt-get install -y --no-install-recommends postgresql; then
    echo "error: 'apt-get install -y postgresql' failed." >&2
    exit 1
fi
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "error: the postgresql package was installed but /usr/lib/postgresql/*/bin/initdb is still missing." >&2
    exit 1
fi
echo "postgresql installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
