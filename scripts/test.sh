#!/usr/bin/env bash
# Every test: sqlfluff lint of the models and data tests; the pytest suite,
# which builds the project with dbt (seeds, models, every data and unit test)
# on throwaway DuckDB files and checks the marts from several angles (and opens
# the HTML report in Debian's chromium, installed here if missing); then the
# same demo built on DuckDB, PostgreSQL and Spark with every mart cell compared.
# Arguments go to pytest; RETENTION_TEST_WORKERS sets how many test processes
# run at once (default 2).
#
# --quick (first argument): the developer loop, a few minutes: lint, then the
# tests not marked slow (tests/conftest.py: the incremental replays, orchestrator
# environments, first-hour builds, text feed and mf queries are left out) with
# fewer generated histories per property, and no engine comparison. The full
# command above is what CI runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"

if [[ "${1:-}" == "--quick" ]]; then
    shift
    echo "==> sqlfluff lint (dbt templater, in-memory DuckDB)"
    RETENTION_TARGET=lint sqlfluff lint models data_tests
    echo "==> chromium for the report's browser test"
    RETENTION_CHROMIUM="$(bash scripts/chromium.sh)"
    export RETENTION_CHROMIUM
    echo "==> pytest, quick: not the slow files, 15 histories per property (${RETENTION_TEST_WORKERS:-2} workers)"
    RETENTION_PROPERTY_EXAMPLES="${RETENTION_PROPERTY_EXAMPLES:-15}" \
        RETENTION_SEGMENT_EXAMPLES="${RETENTION_SEGMENT_EXAMPLES:-15}" \
        python -m pytest -n "${RETENTION_TEST_WORKERS:-2}" --dist loadgroup --durations 10 -m "not slow" tests "$@"
    echo "==> quick tests passed (the full command, without --quick, also runs the slow files and the engines)"
    exit 0
fi

echo "==> sqlfluff lint (dbt templater, in-memory DuckDB)"
RETENTION_TARGET=lint sqlfluff lint models data_tests
echo "==> chromium for the report's browser test"
RETENTION_CHROMIUM="$(bash scripts/chromium.sh)"
export RETENTION_CHROMIUM
# Each test builds on its own throwaway warehouse and target folder, so the tests
# run on two processes at once (dbt's per-node work is single-threaded Python, so
# two use both cores of a CI machine); tests/conftest.py keeps each file's tests
# on one process, but for the longest file's, and starts the longest first.
# RETENTION_TEST_WORKERS=0 runs them one after another in this process.
echo "==> pytest (${RETENTION_TEST_WORKERS:-2} workers)"
python -m pytest -n "${RETENTION_TEST_WORKERS:-2}" --dist loadgroup --durations 15 tests "$@"
echo "==> engines: DuckDB, PostgreSQL and Spark build the demo; every mart cell compared"
python scripts/compare_engines.py
