"""Dagster definitions for the retention dbt project.

Every seed, model and snapshot is a Dagster asset and every data test an asset check, read from
the project's manifest.json. They are split in two @dbt_assets definitions that match the
project's selectors (selectors.yml):

- ``retention_scheduled``: the ``scheduled`` selector, i.e. everything but the predicted-CLV
  fits, the summary they fit on and the unit tests. The daily job materialises all of it, so its
  one op runs exactly ``dbt build --selector scheduled``.
- ``retention_clv_refit``: what the ``clv_refit`` selector adds to ``scheduled``: the CLV fits
  (models/marts/clv), int_clv_rfm_summary and their data tests. The weekly job materialises it
  with one ``dbt build`` that reads the tables the daily job keeps fresh instead of rebuilding
  them, as ``--selector clv_refit`` (which takes every parent) would.

Each run is one op and so one dbt process: DuckDB lets one process write the warehouse file.
Both jobs carry the tag ``retention/warehouse``; dagster.yaml beside this file limits runs with
that tag to one at a time, so the weekly refit waits for a daily build still running.

The assets are read from ``<project>/target/manifest.json`` (``$DBT_TARGET_PATH`` instead of
``target`` when set, as dbt does). ``dagster dev`` runs ``dbt parse`` to write it at start-up;
anywhere else (a deployment, ``dagster job execute``) run ``dbt parse`` first.
"""

import os
import shutil
import sys
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
)
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

PROJECT_DIR = Path(__file__).resolve().parents[2]

retention_project = DbtProject(
    project_dir=PROJECT_DIR,
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the example's virtual environment), else dbt on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("dbt") or "dbt"


dbt_resource = DbtCliResource(project_dir=retention_project, dbt_executable=dbt_executable())

# `dagster dev` writes the manifest at start-up, as DbtProject.prepare_if_dev does, but with the
# dbt of this environment rather than whichever dbt is first on PATH.
if retention_project.preparer.using_dagster_dev():
    dbt_resource.cli(["parse", "--quiet"], target_path=retention_project.target_path).wait()
if not retention_project.manifest_path.exists():
    raise FileNotFoundError(
        f"No dbt manifest at {retention_project.manifest_path}: run `dbt parse` in {PROJECT_DIR}"
        " (with DBT_TARGET_PATH as set here) before loading these definitions, or start `dagster dev`."
    )

# What clv_refit adds to scheduled (selectors.yml). Unit tests test the SQL, not the data: CI
# runs them, production runs leave them out, as the scheduled selector does.
CLV_REFIT_SELECT = "path:models/marts/clv fqn:int_clv_rfm_summary"
CLV_REFIT_EXCLUDE = "resource_type:unit_test"

# dagster.yaml allows one run at a time with this tag: the DuckDB file has one writer.
WAREHOUSE_TAG = {"retention/warehouse": "duckdb"}


@dbt_assets(
    manifest=retention_project.manifest_path,
    project=retention_project,
    # No --select beside --selector: the selector alone says what runs.
    select="",
    selector="scheduled",
    name="retention_scheduled",
)
def retention_scheduled(context: AssetExecutionContext, dbt: DbtCliResource):
    """The daily build: `dbt build --selector scheduled` when the whole definition is selected."""
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=retention_project.manifest_path,
    project=retention_project,
    select=CLV_REFIT_SELECT,
    exclude=CLV_REFIT_EXCLUDE,
    name="retention_clv_refit",
)
def retention_clv_refit(context: AssetExecutionContext, dbt: DbtCliResource):
    """The CLV refit: the BG/NBD and Gamma-Gamma fits, the RFM summary they read, their tests."""
    yield from dbt.cli(["build"], context=context).stream()


# Every asset and asset check of a definition: the op then runs the definition's own dbt
# selection rather than a list of the selected nodes.
scheduled_build_job = define_asset_job(
    name="scheduled_build",
    selection=AssetSelection.assets(retention_scheduled) | AssetSelection.checks(retention_scheduled),
    description="dbt build --selector scheduled: every model and data test but the CLV fits.",
    tags=WAREHOUSE_TAG,
)
clv_refit_job = define_asset_job(
    name="clv_refit",
    selection=AssetSelection.assets(retention_clv_refit) | AssetSelection.checks(retention_clv_refit),
    description="Refits the predicted-CLV models on the tables the scheduled build keeps fresh.",
    tags=WAREHOUSE_TAG,
)

defs = Definitions(
    assets=[retention_scheduled, retention_clv_refit],
    jobs=[scheduled_build_job, clv_refit_job],
    schedules=[
        ScheduleDefinition(
            name="daily_scheduled_build",
            job=scheduled_build_job,
            cron_schedule="0 2 * * *",
            execution_timezone="UTC",
        ),
        # Mondays after the daily build, so the fit reads that morning's tables.
        ScheduleDefinition(
            name="weekly_clv_refit",
            job=clv_refit_job,
            cron_schedule="0 4 * * 1",
            execution_timezone="UTC",
        ),
    ],
    resources={"dbt": dbt_resource},
)
