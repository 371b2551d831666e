#!/usr/bin/env bash
# The main job: set up, build every model and run every data and unit test
# (the demo shop unless your vars point at your own raw tables), then generate
# the docs site and write the offline HTML report from the same warehouse.
#
#   bash scripts/build.sh [dbt build arguments]
#
# Every argument goes to dbt build; --vars and --target (-t) also go to dbt docs
# generate and the report, so one command builds and reports on your own data:
#   bash scripts/build.sh --vars '{raw_schema: shop_raw}'
#   bash scripts/build.sh --target postgres --vars '{raw_schema: shop_raw}'
# The report reads DuckDB targets only; on another target it is skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"

shared=()
target="${RETENTION_TARGET:-dev}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --vars | --target | -t)
            shared+=("${args[i]}" "${args[i + 1]:-}")
            [ "${args[i]}" = --vars ] || target="${args[i + 1]:-}"
            ;;
        --vars=* | --target=*)
            shared+=("${args[i]}")
            [[ "${args[i]}" == --vars=* ]] || target="${args[i]#--target=}"
            ;;
    esac
done
# Checks --vars the way dbt reads it, before dbt does: dbt itself stops with a
# Python traceback on a value YAML cannot read (an unquoted 2024-02-30).
python scripts/check_cli_vars.py "${shared[@]}"

echo "==> dbt build (models, data tests, unit tests; the demo seeds too while no raw_schema is set)"
dbt build "$@"
echo "==> dbt docs generate"
# Without the email hash key: the docs site shows compiled SQL, and the key's
# HMAC pads are in the compiled SQL of base_crm__customers (docs/metrics.md, section 8).
env -u RETENTION_EMAIL_HASH_KEY dbt docs generate --quiet "${shared[@]}"
if python scripts/warehouse_file.py --is-duckdb "$target"; then
    echo "==> report"
    python scripts/report.py --target "$target"
    echo "==> done: marts in $(python scripts/warehouse_file.py "$target"); docs in ${DBT_TARGET_PATH:-target}/; the report's path is above"
else
    echo "==> done: marts built on target $target; docs in ${DBT_TARGET_PATH:-target}/ (the HTML report reads DuckDB targets only)"
fi
