#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (the report's browser test drives
# it through playwright; playwright's own browser download is not used) and
# prints its path. Installs the package with apt-get when it is missing, as
# lab/retention_lab/engines.py does for PostgreSQL. RETENTION_CHROMIUM names
# another binary.
set -euo pipefail
chromium="${RETENTION_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "==> chromium: not found at $chromium; installing Debian's chromium package" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q chromium >&2; then
        apt-get update -q >&2
        apt-get install -y -q chromium >&2
    fi
fi
if [ ! -x "$chromium" ]; then
    echo "chromium: $chromium is still missing after installing the chromium package" >&2
    exit 1
fi
echo "$chromium"
