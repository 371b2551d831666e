#!/usr/bin/env bash
# Every test: sqlfluff lint of the models and data tests, then the pytest
# suite, which builds the project with dbt (seeds, models, every data and unit
# test) on throwaway DuckDB files and checks the marts from several angles.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

echo "==> sqlfluff lint (dbt templater, in-memory DuckDB)"
RETENTION_TARGET=lint sqlfluff lint models data_tests
echo "==> pytest"
python -m pytest tests "$@"
