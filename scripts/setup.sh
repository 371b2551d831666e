#!/usr/bin/env bash
# Creates .venv with the pinned dependencies (once) and exports the settings the
# other scripts share. Sourced by build.sh and test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

stamp="$VENV/.requirements.sha"
wanted="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "==> creating $VENV with the pinned dependencies"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt"
    echo "$wanted" >"$stamp"
fi

export PATH="$VENV/bin:$PATH"
export DBT_PROFILES_DIR="$ROOT"
export DBT_PROJECT_DIR="$ROOT"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
cd "$ROOT"
