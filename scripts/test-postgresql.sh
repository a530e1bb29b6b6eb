#!/usr/bin/env bash
# The real-server tests that matter for the database, once more with Label Studio on PostgreSQL
# (Debian's package). The harness (tests/postgres_cluster.py) makes its own cluster in a temporary folder,
# on a free port of 127.0.0.1, and deletes it afterwards. Run after scripts/test.sh (which installs the rest);
# extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-postgresql.sh

# A representative subset, not the whole suite (see README, "SQLite or PostgreSQL"): the server and its token,
# project create/update, import, pull and its record, the PARHAF export round trip, a blind group through
# agreement and curation, the CLI end to end, a browser login and labeling page, and the PostgreSQL tests.
SUBSET=(
    tests/studio/test_postgresql.py
    tests/studio/test_server.py::test_health_is_up
    tests/studio/test_server.py::test_token_authenticates_and_a_wrong_token_gets_401
    tests/studio/test_projects.py
    tests/studio/test_import.py
    tests/studio/test_parhaf_roundtrip.py
    tests/studio/test_blind.py::test_blind_group_create_import_status_pull_agreement_curate
    tests/studio/test_cli.py::test_the_commands_end_to_end
    tests/test_browser_smoke.py
)

echo "==> pytest on PostgreSQL (${#SUBSET[@]} groups)"
began=$SECONDS
# The SQLite default is the main run's business: its test here would start a second (SQLite) server.
PARTAGES_LS_TEST_DATABASE=postgresql .venv/bin/pytest -p no:cacheprovider "${SUBSET[@]}" \
    --deselect tests/studio/test_postgresql.py::test_server_start_and_status_say_sqlite_by_default "$@"
echo "==> PostgreSQL step: $((SECONDS - began)) s"
