"""Airflow DAGs that run the retention dbt project with astronomer-cosmos.

Two DAGs, each a single Cosmos ``DbtBuildLocalOperator`` task, so each run is one dbt process:

- ``retention_scheduled_build`` (daily): ``dbt build --selector scheduled``.
- ``retention_clv_refit`` (weekly): ``dbt build --selector clv_refit``.

Why not ``DbtDag``: it renders one Airflow task per dbt node in every execution mode, and each of
those tasks starts its own dbt process. ``ExecutionMode.WATCHER`` runs one ``dbt build`` but still
adds a sensor task per node, is experimental in Cosmos 1.15, and a retried sensor falls back to a
``dbt run`` of its model: a second process writing the DuckDB file, which takes one writer.

dbt runs from its own virtual environment (``RETENTION_DBT_EXECUTABLE``, by default the project's
``.venv/bin/dbt`` that ``scripts/setup.sh`` creates from requirements.txt), started as a
subprocess (``ExecutionMode.LOCAL``, ``InvocationMode.SUBPROCESS``): Airflow's environment holds no
dbt, so Airflow's and dbt's dependencies never have to agree, and nothing is installed while a
task runs (as ``ExecutionMode.VIRTUALENV`` would do).

Both tasks take a slot of the pool ``retention_duckdb``; create it with one slot
(``airflow pools set retention_duckdb 1 "DuckDB takes one writer"``) so a weekly refit waits for a
daily build still running.

Settings, read when the DAG file is parsed:

- ``RETENTION_PROJECT_DIR``: the dbt project (default: the folder three levels above this file).
- ``RETENTION_DBT_EXECUTABLE``: the dbt to run (default: ``<project>/.venv/bin/dbt``).
- ``RETENTION_DUCKDB_PATH``: the warehouse file (default: ``<project>/retention.duckdb``). Cosmos
  runs dbt in a temporary copy of the project, so a relative path would land in that copy; it is
  made absolute against the project folder.
"""

import os
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator

PROJECT_DIR = Path(os.environ.get("RETENTION_PROJECT_DIR", Path(__file__).resolve().parents[3]))
DBT_EXECUTABLE = os.environ.get("RETENTION_DBT_EXECUTABLE", str(PROJECT_DIR / ".venv" / "bin" / "dbt"))
DUCKDB_PATH = PROJECT_DIR / os.environ.get("RETENTION_DUCKDB_PATH", "retention.duckdb")
POOL = "retention_duckdb"

PROFILE = ProfileConfig(
    profile_name="retention",
    target_name=os.environ.get("RETENTION_TARGET", "dev"),
    profiles_yml_filepath=PROJECT_DIR / "profiles.yml",
)

# No automatic retries: a failed build is mostly a failed data test that a rerun will not mend;
# after a fix, clear the task. An interrupted build leaves nothing the next one does not redo.
DEFAULT_ARGS = {"owner": "retention", "retries": 0}


def dbt_build(selector: str) -> DbtBuildLocalOperator:
    """One task: `dbt build --selector <selector>` with the project's dbt, in one process."""
    return DbtBuildLocalOperator(
        task_id="dbt_build",
        project_dir=str(PROJECT_DIR),
        profile_config=PROFILE,
        selector=selector,
        dbt_executable_path=DBT_EXECUTABLE,
        invocation_mode=InvocationMode.SUBPROCESS,
        # The project has no packages.yml: nothing for dbt deps to install.
        install_deps=False,
        # Cosmos runs dbt in a new temporary copy of the project each time. Where dbt's target
        # folder outlives the copy (DBT_TARGET_PATH set, or a Cosmos cache_dir), a partial parse
        # would reuse the previous run's partial_parse.msgpack, whose seeds still name the old
        # copy's CSV files ("No files found"): parse in full, a few seconds.
        partial_parse=False,
        env={"RETENTION_DUCKDB_PATH": str(DUCKDB_PATH), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        append_env=True,
        pool=POOL,
    )


with DAG(
    dag_id="retention_scheduled_build",
    description="dbt build --selector scheduled: every model and data test but the CLV fits.",
    schedule="0 2 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["retention", "dbt"],
):
    dbt_build("scheduled")

with DAG(
    dag_id="retention_clv_refit",
    description="dbt build --selector clv_refit: the predicted-CLV fits and what they read.",
    # Mondays, after the daily build.
    schedule="0 4 * * 1",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["retention", "dbt"],
):
    dbt_build("clv_refit")
