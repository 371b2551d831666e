#!/usr/bin/env bash
# Creates .venv with the pinned dependencies (once) and exports the settings the
# other scripts share: PATH (the venv's dbt first), DBT_PROFILES_DIR,
# DBT_PROJECT_DIR, DBT_SEND_ANONYMOUS_USAGE_STATS and RETENTION_ROOT (the
# project folder). Sourced by build.sh, test.sh, engines.sh and benchmark.sh,
# and safe to source from an interactive bash shell in any folder: it leaves
# the shell's options (set -e, -u, pipefail, ...) and working directory as they
# were, and returns non-zero instead of exiting when the setup fails.

_retention_setup() {
    local root venv python stamp wanted
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    venv="$root/.venv"
    python="${PYTHON:-python3.11}"
    command -v "$python" >/dev/null 2>&1 || python=python3

    stamp="$venv/.requirements.sha"
    wanted="$(cat "$root/requirements.txt" "$root/app/pyproject.toml" "$root/lab/pyproject.toml" | sha256sum | cut -d' ' -f1)" || return 1
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "==> creating $venv with the pinned dependencies"
        "$python" -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements.txt" || return 1
        # The project's two Python packages, editable (imported from their folders):
        # app/ (report, BI export) and lab/ (reference, generators, engines, benchmarks).
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
            -e "$root/app" -e "$root/lab" || return 1
        echo "$wanted" >"$stamp" || return 1
    fi

    case "$PATH" in
        "$venv/bin" | "$venv/bin:"*) ;;
        *) export PATH="$venv/bin:$PATH" ;;
    esac
    export RETENTION_ROOT="$root"
    export DBT_PROFILES_DIR="$root"
    export DBT_PROJECT_DIR="$root"
    export DBT_SEND_ANONYMOUS_USAGE_STATS=false
}

# `return` when sourced; `exit` when run as `bash scripts/setup.sh`.
if _retention_setup; then
    unset -f _retention_setup
    return 0 2>/dev/null || exit 0
else
    unset -f _retention_setup
    return 1 2>/dev/null || exit 1
fi
