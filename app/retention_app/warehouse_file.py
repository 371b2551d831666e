"""Where the scripts that read the marts (report.py, export_for_bi.py) find the
warehouse when --warehouse is not given: the DuckDB file of a dbt target of the
project's profiles.yml, the same file dbt builds."""

from __future__ import annotations

import os
from argparse import Namespace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_HELP = ("DuckDB file holding the marts (default: the file of --target, else $RETENTION_DUCKDB_PATH,"
                  " else retention.duckdb in the project folder)")
TARGET_HELP = "dbt target of profiles.yml whose DuckDB file to read (default: $RETENTION_TARGET, else dev)"


def default_warehouse(target: str | None = None) -> Path:
    """The DuckDB file of dbt target `target` (default $RETENTION_TARGET, else the
    profile's default, dev). A relative path is taken from the project folder,
    as profiles.yml does. Exits with a message for a target that is not DuckDB."""
    target = target or os.environ.get("RETENTION_TARGET") or "dev"
    if target == "dev":
        # profiles.yml's dev target, without loading dbt: the common case stays fast
        return ROOT / (os.environ.get("RETENTION_DUCKDB_PATH") or "retention.duckdb")
    return _rendered_duckdb_path(target)


def _rendered_duckdb_path(target: str) -> Path:
    """The path of a DuckDB target as dbt renders profiles.yml."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.exceptions import DbtProfileError
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_invocation_context(dict(os.environ))
    set_from_args(Namespace(PROJECT_DIR=str(ROOT), PROFILES_DIR=str(ROOT)), None)
    raw = read_profile(os.environ.get("DBT_PROFILES_DIR") or str(ROOT))
    outputs = (raw.get("retention") or {}).get("outputs") or {}
    if target not in outputs:
        raise SystemExit(f"target {target!r} is not in profiles.yml (it has {', '.join(sorted(outputs))})")
    if outputs[target].get("type") != "duckdb":
        raise SystemExit(f"target {target!r} is a {outputs[target].get('type')} warehouse: this script reads DuckDB"
                         " files only; export the marts with your warehouse's own tools, or build a DuckDB target")
    try:
        profile = Profile.from_raw_profiles(raw, "retention", ProfileRenderer({}), target_override=target)
    except DbtProfileError as error:
        raise SystemExit(f"target {target!r} of profiles.yml cannot be read: {error}") from None
    return ROOT / profile.credentials.path


def is_duckdb(target: str | None = None) -> bool:
    """Whether dbt target `target` of profiles.yml is a DuckDB warehouse."""
    import yaml

    target = target or os.environ.get("RETENTION_TARGET") or "dev"
    profiles = Path(os.environ.get("DBT_PROFILES_DIR") or ROOT) / "profiles.yml"
    outputs = ((yaml.safe_load(profiles.read_text()) or {}).get("retention") or {}).get("outputs") or {}
    return (outputs.get(target) or {}).get("type") == "duckdb"


if __name__ == "__main__":
    # scripts/tasks.sh build: `warehouse_file.py --is-duckdb TARGET` exits 0 for a DuckDB
    # target; `warehouse_file.py TARGET` prints its file.
    import sys

    arguments = sys.argv[1:]
    if arguments[:1] == ["--is-duckdb"]:
        sys.exit(0 if is_duckdb(arguments[1] if len(arguments) > 1 else None) else 1)
    print(default_warehouse(arguments[0] if arguments else None))
