#!/usr/bin/env bash
# Every test: sqlfluff lint of the models and data tests; the pytest suite,
# which builds the project with dbt (seeds, models, every data and unit test)
# on throwaway DuckDB files and checks the marts from several angles (and opens
# the HTML report in Debian's chromium, installed here if missing); then the
# same demo built on DuckDB, PostgreSQL and Spark with every mart cell compared.
# Arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"

echo "==> sqlfluff lint (dbt templater, in-memory DuckDB)"
RETENTION_TARGET=lint sqlfluff lint models data_tests
echo "==> chromium for the report's browser test"
RETENTION_CHROMIUM="$(bash scripts/chromium.sh)"
export RETENTION_CHROMIUM
echo "==> pytest"
python -m pytest tests "$@"
echo "==> engines: DuckDB, PostgreSQL and Spark build the demo; every mart cell compared"
python scripts/compare_engines.py
