#!/usr/bin/env bash
# The project's task index: every command a user or CI runs, one subcommand each.
#
#   bash scripts/tasks.sh build [dbt build arguments]   the main job: set up .venv, build every model with every
#                                                        data and unit test, the docs site and the HTML report
#   bash scripts/tasks.sh test [pytest arguments]        every test: lint, every pytest tier (the engines too); CI
#   bash scripts/tasks.sh check [pytest arguments]       the developer loop, a few minutes: lint, then the tests
#                                                        in no tier (the demo build, the reference on it, vars,
#                                                        privacy, the formula unit tests, the report)
#   bash scripts/tasks.sh tier NAME [pytest arguments]   one tier of tests: property, edge_cases, replay,
#                                                        end_to_end, orchestrators, engines, benchmark (pytest.ini)
#   bash scripts/tasks.sh lint                           sqlfluff over the models and data tests
#   bash scripts/tasks.sh report [report arguments]      rewrites the HTML report alone (python -m retention_app.report)
#   bash scripts/tasks.sh export [export arguments]      every mart as Parquet for BI tools (retention_app.export_for_bi)
#   bash scripts/tasks.sh engines [--engines ...]        the demo on DuckDB, PostgreSQL and Spark, cells compared
#   bash scripts/tasks.sh benchmark [arguments]          ten million orders: floor, marts, full, day (retention_lab.benchmark)
#   bash scripts/tasks.sh benchmark-engagement [...]     the engagement, email and NPS benchmark
#   bash scripts/tasks.sh generate                       rewrites the generated files: the demo seeds, the text
#                                                        feed and the semantic layer
#
# Every subcommand first sources scripts/setup.sh (.venv, PATH, DBT_PROJECT_DIR,
# DBT_PROFILES_DIR) and runs from the project folder, whatever the caller's folder.
# RETENTION_TEST_WORKERS sets how many test processes run at once (default 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"

# The pytest tiers: the markers pytest.ini declares (tests/conftest.py gives them
# to the tests; --strict-markers there fails on a marker it does not declare).
mapfile -t TIERS < <(sed -n '/^markers =/,/^[^ ]/s/^    \([a-z_]*\):.*/\1/p' pytest.ini)

usage() {
    sed -n '3,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

lint() {
    echo "==> sqlfluff lint (dbt templater, in-memory DuckDB)"
    RETENTION_TARGET=lint sqlfluff lint models data_tests
}

chromium() {
    RETENTION_CHROMIUM="$(bash lab/retention_lab/chromium.sh)"
    export RETENTION_CHROMIUM
}

pytest_run() {
    # Each test builds on its own throwaway warehouse and target folder, so the
    # tests run on two processes at once (dbt's per-node work is single-threaded
    # Python, so two use both cores of a CI machine); tests/conftest.py keeps each
    # file's tests on one process, but for the longest files', and starts the
    # longest first. RETENTION_TEST_WORKERS=0 runs them in this process.
    python -m pytest -n "${RETENTION_TEST_WORKERS:-2}" --dist loadgroup "$@"
}

build() {
    local shared=() target="${RETENTION_TARGET:-dev}" args=("$@") i
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
    python -m retention_app.check_cli_vars "${shared[@]}"

    echo "==> dbt build (models, data tests, unit tests; the demo seeds too while no raw_schema is set)"
    dbt build "$@"
    echo "==> dbt docs generate"
    # Without the email hash key: the docs site shows compiled SQL, and the key's
    # HMAC pads are in the compiled SQL of base_crm__customers (docs/metrics.md, section 8).
    env -u RETENTION_EMAIL_HASH_KEY dbt docs generate --quiet "${shared[@]}"
    if python -m retention_app.warehouse_file --is-duckdb "$target"; then
        echo "==> report"
        python -m retention_app.report --target "$target"
        echo "==> done: marts in $(python -m retention_app.warehouse_file "$target"); docs in ${DBT_TARGET_PATH:-target}/; the report's path is above"
    else
        echo "==> done: marts built on target $target; docs in ${DBT_TARGET_PATH:-target}/ (the HTML report reads DuckDB targets only)"
    fi
}

task="${1:-}"
[ -n "$task" ] || usage
shift
case "$task" in
    build) build "$@" ;;
    test)
        lint
        echo "==> chromium for the report's browser test"
        chromium
        echo "==> pytest: every tier (${RETENTION_TEST_WORKERS:-2} workers)"
        pytest_run --durations 15 tests "$@"
        ;;
    check)
        lint
        chromium
        not_tiers="$(printf ' or %s' "${TIERS[@]}")"
        echo "==> pytest: the developer loop, no tier (${RETENTION_TEST_WORKERS:-2} workers)"
        pytest_run --durations 10 -m "not (${not_tiers# or })" tests "$@"
        echo "==> developer loop passed (bash scripts/tasks.sh test runs every tier as CI does)"
        ;;
    tier)
        name="${1:-}"
        [[ " ${TIERS[*]} " == *" $name "* ]] || { echo "tier: name one of ${TIERS[*]}" >&2; exit 2; }
        shift
        [ "$name" = end_to_end ] && chromium
        pytest_run --durations 10 -m "$name" tests "$@"
        ;;
    lint) lint ;;
    report) python -m retention_app.report "$@" ;;
    export) python -m retention_app.export_for_bi "$@" ;;
    engines) python -m retention_lab.engines "$@" ;;
    benchmark) python -m retention_lab.benchmark "$@" ;;
    benchmark-engagement) python -m retention_lab.benchmark_engagement "$@" ;;
    generate)
        python -m retention_lab.generate_demo_data --seed 42 --scale 1 --out seeds/raw
        python -m retention_lab.generate_text_feed --out seeds/text_feed
        python -m retention_lab.semantic
        ;;
    -h | --help | help) usage ;;
    *) echo "unknown task: $task" >&2; usage ;;
esac
