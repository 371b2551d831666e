"""The orchestrator examples run the project as their schedules would, each from its own virtual
environment (.venv-dagster, .venv-airflow: created once from examples/<name>/requirements.txt and
refreshed when that file changes), on the demo data, into a throwaway DuckDB file; what they
build must equal a plain `dbt build` of the demo."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from retention_lab.compare import table_differences
from tests.dbt_harness import ROOT

EXAMPLES = ROOT / "examples"
# Written with the run's start time, so it differs between any two builds.
RUN_TIME_COLUMNS = {"loaded_at"}
# Models the scheduled selector leaves to the CLV refit (selectors.yml).
CLV_REFIT_MODELS = {p.stem for p in (ROOT / "models" / "marts" / "clv").glob("*.py")} | {"int_clv_rfm_summary"}


def requirements_digest(requirements: Path) -> str:
    """A hash of a requirements file and of every file it includes with -r."""
    digest = hashlib.sha256(requirements.read_bytes())
    for line in requirements.read_text().splitlines():
        if line.strip().startswith("-r "):
            digest.update(requirements_digest(requirements.parent / line.strip()[3:].strip()).encode())
    return digest.hexdigest()


def example_python(name: str) -> Path:
    """The example's virtual environment, created (or refreshed) from its pinned requirements."""
    venv = ROOT / f".venv-{name}"
    requirements = EXAMPLES / name / "requirements.txt"
    wanted = requirements_digest(requirements)
    stamp = venv / ".requirements.sha"
    python = venv / "bin" / "python"
    if not python.exists() or not stamp.exists() or stamp.read_text().strip() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        # The venv module's bundled pip takes half as long again to resolve these sets.
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        stamp.write_text(wanted)
    return python


def run(command: list[str], env: dict[str, str], log: Path) -> str:
    """Runs a command from the project folder; its output goes to `log` and is returned."""
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{done.stdout}\n")
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-6000:]}"
    return done.stdout


def relations(path: Path) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse, {schema.name: [column names, *sorted rows]}."""
    out: dict[str, list[tuple]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        for schema, table in found:
            columns = [
                name for (name,) in con.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
                if name not in RUN_TIME_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {listed} from "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = [tuple(columns)] + sorted(rows, key=lambda row: tuple(map(str, row)))
    return out


def differences(built: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    return table_differences(built, expected, ("the example", "the plain dbt build"))


def assert_marts_have_rows(built: dict[str, list[tuple]]) -> None:
    marts = {name: len(rows) - 1 for name, rows in built.items()
             if name.startswith("main.") and name.split(".")[1].startswith(("fct_", "dim_"))}
    assert marts, "no marts were built"
    assert all(marts.values()), f"empty marts: {sorted(n for n, rows in marts.items() if not rows)}"


def base_env(tmp_path: Path, venv_bin: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "RETENTION_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("RETENTION_TARGET", None)
    return env


def dbt_invocations(target: Path) -> dict[str, dict[str, Any]]:
    """{folder: run_results.json} of every dbt invocation dagster-dbt made (one folder each)."""
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(target.glob("*/run_results.json"))}


DAGSTER_MATERIALIZED = """
import importlib.util, json, sys
from dagster import DagsterInstance
spec = importlib.util.spec_from_file_location("retention_definitions", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
keys = module.defs.resolve_asset_graph().get_all_asset_keys()
with DagsterInstance.get() as instance:
    latest = instance.get_latest_materialization_events(keys)
print(json.dumps({key.to_user_string(): latest.get(key) is not None for key in keys}))
"""


def test_dagster_jobs_build_the_demo_with_one_dbt_build_each(demo_warehouse, tmp_path: Path):
    python = example_python("dagster")
    env = base_env(tmp_path, python.parent)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(EXAMPLES / "dagster" / "dagster.yaml", home / "dagster.yaml")
    env["DAGSTER_HOME"] = str(home)
    target = tmp_path / "target"
    log = tmp_path / "dagster.log"
    definitions = EXAMPLES / "dagster" / "definitions.py"

    # What a deployment does before starting Dagster: write the manifest the assets are read from.
    run([str(python.parent / "dbt"), "parse", "--quiet"], env, log)
    manifest = json.loads((target / "manifest.json").read_text())

    invocations: dict[str, list[dict[str, Any]]] = {}
    for job in ("scheduled_build", "clv_refit"):
        before = set(dbt_invocations(target))
        run([str(python.parent / "dagster"), "job", "execute", "-f", str(definitions), "-j", job], env, log)
        invocations[job] = [r for name, r in dbt_invocations(target).items() if name not in before]

    for job, results in invocations.items():
        assert len(results) == 1, f"{job}: {len(results)} dbt invocations, expected one"
        assert results[0]["args"]["which"] == "build", f"{job}: dbt {results[0]['args']['which']}"
        failed = [r["unique_id"] for r in results[0]["results"] if r["status"] not in ("success", "pass", "warn")]
        assert not failed, f"{job}: {failed}"
    scheduled = invocations["scheduled_build"][0]["args"]
    assert scheduled.get("selector") == "scheduled" and not scheduled.get("select"), scheduled

    # Between them the two builds run every seed, model, snapshot and data test once (unit tests
    # are CI's), and the scheduled build runs everything but the CLV refit's models.
    # (each invocation also runs the project's on-run-start hook, an operation)
    ran = {job: {r["unique_id"] for r in results[0]["results"] if not r["unique_id"].startswith("operation.")}
           for job, results in invocations.items()}
    assert not ran["scheduled_build"] & ran["clv_refit"]
    every_node = {uid for uid, node in manifest["nodes"].items()
                  if node["resource_type"] in ("seed", "model", "snapshot", "test")}
    assert ran["scheduled_build"] | ran["clv_refit"] == every_node
    refit_models = {manifest["nodes"][uid]["name"] for uid in ran["clv_refit"]
                    if manifest["nodes"][uid]["resource_type"] == "model"}
    assert refit_models == CLV_REFIT_MODELS

    # Dagster recorded a materialisation of every asset (seeds and models).
    materialized = json.loads(run([str(python), "-c", DAGSTER_MATERIALIZED, str(definitions)], env, log)
                              .strip().splitlines()[-1])
    assert materialized and all(materialized.values()), sorted(k for k, v in materialized.items() if not v)

    built = relations(tmp_path / "warehouse.duckdb")
    assert_marts_have_rows(built)
    assert not differences(built, relations(demo_warehouse.path))


AIRFLOW_DAGBAG = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], known_pools={"default_pool", "retention_duckdb"})
print(json.dumps({
    "import_errors": bag.import_errors,
    "dags": {
        dag_id: {
            "schedule": getattr(dag.timetable, "expression", None),
            "tasks": [{"task_id": t.task_id, "operator": type(t).__name__, "selector": t.selector,
                       "pool": t.pool, "dbt_executable_path": str(t.dbt_executable_path)} for t in dag.tasks],
        }
        for dag_id, dag in bag.dags.items()
    },
}))
"""


def test_airflow_dags_parse_and_run_the_demo_with_one_dbt_build_each(demo_warehouse, tmp_path: Path):
    python = example_python("airflow")
    env = base_env(tmp_path, python.parent)
    dags = EXAMPLES / "airflow" / "dags"
    env.update({
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "1",
        "AIRFLOW__COSMOS__CACHE_DIR": str(tmp_path / "cosmos"),
    })
    dbt = ROOT / ".venv" / "bin" / "dbt"
    if not dbt.exists():
        # The DAG's default is the project's .venv; run the dbt beside this Python otherwise.
        dbt = Path(sys.executable).with_name("dbt")
        env["RETENTION_DBT_EXECUTABLE"] = str(dbt)
    log = tmp_path / "airflow.log"

    parsed = json.loads(run([str(python), "-c", AIRFLOW_DAGBAG, str(dags)], env, log).strip().splitlines()[-1])
    assert parsed["import_errors"] == {}
    expected = {"retention_scheduled_build": ("scheduled", "0 2 * * *"), "retention_clv_refit": ("clv_refit", "0 4 * * 1")}
    assert set(parsed["dags"]) == set(expected)
    for dag_id, (selector, schedule) in expected.items():
        dag = parsed["dags"][dag_id]
        assert dag["schedule"] == schedule
        assert dag["tasks"] == [{"task_id": "dbt_build", "operator": "DbtBuildLocalOperator", "selector": selector,
                                 "pool": "retention_duckdb", "dbt_executable_path": str(dbt)}]

    run([str(python.parent / "airflow"), "db", "migrate"], env, log)
    built_by: dict[str, dict[str, list[tuple]]] = {}
    for dag_id, (selector, _) in expected.items():
        output = run([str(python.parent / "airflow"), "dags", "test", dag_id, "2025-06-02"], env, log)
        commands = [line for line in output.splitlines() if "Running command:" in line and str(dbt) in line]
        assert len(commands) == 1, f"{dag_id}: {len(commands)} dbt commands:\n" + "\n".join(commands)
        assert f"'build', '--selector', '{selector}'" in commands[0], commands[0]
        built_by[dag_id] = relations(tmp_path / "warehouse.duckdb")

    expected_relations = relations(demo_warehouse.path)
    daily = built_by["retention_scheduled_build"]
    # The daily build makes everything but the CLV refit's models, exactly as the plain build does.
    assert {name.split(".")[1] for name in set(expected_relations) - set(daily)} == CLV_REFIT_MODELS
    assert not differences(daily, {name: rows for name, rows in expected_relations.items() if name in daily})
    weekly = built_by["retention_clv_refit"]
    assert_marts_have_rows(weekly)
    assert not differences(weekly, expected_relations)
