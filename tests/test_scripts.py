"""scripts/setup.sh can be sourced from an interactive shell: it puts the
project's dbt on PATH without changing the shell's options or working
directory. The scripts that source it set their own options and cd themselves.

Most checks source a copy of setup.sh in a throwaway project folder whose
.venv points at the real one, so a test never (re)installs anything."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"

STATE = 'echo "flags=$-"; set -o; shopt -p; echo "pwd=$(pwd)"'


def run_bash(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=60)


def source_and_report(setup: Path, options: str, cwd: Path, env: dict[str, str] | None = None):
    """Sources setup.sh in a shell with `options`; returns the shell state before
    and after, what sourcing returned, and where dbt is."""
    script = f"""
{options}
{STATE} >"$STATE_DIR/before"
source {setup}
status=$?
{STATE} >"$STATE_DIR/after"
echo "status=$status"
echo "dbt=$(command -v dbt)"
echo "project=$DBT_PROJECT_DIR"
"""
    state_dir = cwd / "state"
    state_dir.mkdir(exist_ok=True)
    env = dict(env or os.environ, STATE_DIR=str(state_dir))
    result = run_bash(script, cwd, env)
    report = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return (state_dir / "before").read_text(), (state_dir / "after").read_text(), report, result


# What setup.sh installs, in the order its stamp hashes them: a change to any
# reinstalls the venv.
STAMPED = ("requirements.txt", "app/pyproject.toml", "lab/pyproject.toml")


def stamp_of(root: Path) -> str:
    return hashlib.sha256(b"".join((root / name).read_bytes() for name in STAMPED)).hexdigest()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A project folder holding setup.sh, requirements.txt and a .venv whose
    python and dbt are the real venv's, with the stamp that says it is current."""
    if not (VENV / "bin" / "dbt").exists():
        pytest.skip("the project's .venv has no dbt")
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    for name in STAMPED:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(VENV / "bin" / "python")
    (root / ".venv" / "bin" / "dbt").symlink_to(VENV / "bin" / "dbt")
    (root / ".venv" / ".requirements.sha").write_text(stamp_of(root) + "\n")
    return root


@pytest.mark.parametrize("options", ["set +e +u", "set +e +u; set -o pipefail", "set -e -u -o pipefail"])
def test_sourcing_setup_keeps_options_and_directory_and_puts_dbt_on_path(project_copy, tmp_path, options):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before, after, report, result = source_and_report(
        project_copy / "scripts" / "setup.sh", options, elsewhere)
    assert report.get("status") == "0", result.stderr
    assert after == before, "sourcing setup.sh changed the shell's options or working directory"
    assert f"pwd={elsewhere}" in after
    assert report["dbt"] == str(project_copy / ".venv" / "bin" / "dbt")
    assert report["project"] == str(project_copy)
    assert "==> creating" not in result.stdout, "a current venv is not reinstalled"


def test_a_failing_setup_returns_an_error_instead_of_closing_the_shell(project_copy, tmp_path):
    shutil.rmtree(project_copy / ".venv")
    env = dict(os.environ, PYTHON="false")
    before, after, report, result = source_and_report(
        project_copy / "scripts" / "setup.sh", "set +e +u", tmp_path, env)
    assert report.get("status") == "1", result.stdout + result.stderr
    assert after == before


def test_sourcing_the_real_setup_finds_the_project_dbt(tmp_path):
    stamp = VENV / ".requirements.sha"
    if not stamp.exists() or stamp.read_text().strip() != stamp_of(ROOT):
        pytest.skip("the project's .venv is not current; sourcing setup.sh would reinstall it")
    before, after, report, result = source_and_report(ROOT / "scripts" / "setup.sh", "set +e +u", tmp_path)
    assert report.get("status") == "0", result.stderr
    assert after == before
    assert report["dbt"] == str(VENV / "bin" / "dbt")
    version = run_bash(f'source {ROOT / "scripts" / "setup.sh"} && dbt --version', tmp_path)
    assert version.returncode == 0 and "Core" in version.stdout, version.stdout + version.stderr


@pytest.mark.parametrize("script", ["tasks.sh"])
def test_the_scripts_set_their_own_options_and_run_from_the_project(script):
    lines = (ROOT / "scripts" / script).read_text().splitlines()
    source = lines.index('source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"')
    assert "set -euo pipefail" in lines[:source]
    assert lines[source + 1] == 'cd "$RETENTION_ROOT"'
