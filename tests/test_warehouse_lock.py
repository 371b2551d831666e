"""An overlapping run (an orchestrator retry while the first run still holds the
warehouse file) fails with one line naming the file, the PID holding it and
what to do, not with DuckDB's lock error under ~200 lines of traceback.

A child process holds the warehouse file open for writing, as a running dbt
does; dbt then runs against the same file as a separate process, the way an
orchestrator calls it (only --project-dir/--profiles-dir, from another folder,
none of setup.sh's variables) and the way scripts/tasks.sh build does."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DBT = ROOT / ".venv" / "bin" / "dbt"
# Any one model: dbt fails at its first query, before running anything.
MODEL = "stg_shop__orders"

HOLD = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists held as select 1 as x")
print("holding", flush=True)
time.sleep(600)
"""


@pytest.fixture
def held_warehouse(tmp_path):
    """(path, pid): a warehouse file a child process holds open for writing."""
    path = tmp_path / "warehouse.duckdb"
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=60) and child.stdout.readline().strip() == "holding"
        assert ready, f"the child did not take the warehouse file: {child.stderr.read() if child.poll() is not None else ''}"
        yield path, child.pid
        assert child.poll() is None, "the child let go of the warehouse file before dbt ran"
    finally:
        child.kill()
        child.wait(timeout=30)


def plain_env(tmp_path: Path, warehouse: Path) -> dict[str, str]:
    """The environment of an orchestrator's dbt: no setup.sh variables, the dev target."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"RETENTION_ROOT", "DBT_PROFILES_DIR", "DBT_PROJECT_DIR", "RETENTION_TARGET"}}
    env.update(RETENTION_DUCKDB_PATH=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    return env


def assert_one_clear_line(run: subprocess.CompletedProcess, warehouse: Path, pid: int) -> None:
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "Traceback" not in output, output
    lines = output.splitlines()
    assert len(lines) < 25, f"{len(lines)} lines of output:\n{output}"
    message = [line for line in lines if f"The warehouse file {warehouse} is in use" in line]
    assert len(message) == 1, output
    assert f"(PID {pid}," in message[0], output
    assert "wait for it to finish, or stop it, then run again." in message[0], output


@pytest.mark.skipif(not DBT.exists(), reason="the project's .venv has no dbt")
def test_dbt_build_on_a_held_warehouse_says_so_in_one_line(held_warehouse, tmp_path):
    warehouse, pid = held_warehouse
    run = subprocess.run(
        [str(DBT), "build", "--select", MODEL, "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)],
        cwd=tmp_path, env=plain_env(tmp_path, warehouse), capture_output=True, text=True, timeout=300,
    )
    assert_one_clear_line(run, warehouse, pid)


@pytest.mark.skipif(not DBT.exists(), reason="the project's .venv has no dbt")
def test_build_script_on_a_held_warehouse_says_so_in_one_line(held_warehouse, tmp_path):
    warehouse, pid = held_warehouse
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "tasks.sh"), "build", "--select", MODEL],
        cwd=tmp_path, env=plain_env(tmp_path, warehouse), capture_output=True, text=True, timeout=300,
    )
    assert_one_clear_line(run, warehouse, pid)
    assert "==> dbt docs generate" not in run.stdout, "the build task went on after the failed dbt build"
