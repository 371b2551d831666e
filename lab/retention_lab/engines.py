#!/usr/bin/env python3
"""Builds the demo data on DuckDB, PostgreSQL and Spark and compares every
mart cell across the engines.

    bash scripts/tasks.sh engines                      # all three engines
    bash scripts/tasks.sh engines --engines duckdb,postgres

Each engine gets its own virtual environment (.venv-postgres, .venv-spark, from
requirements-<engine>.txt) and one `dbt build` (seeds, models, every data and
unit test). PostgreSQL runs as a throwaway cluster on 127.0.0.1, created with
initdb in a temporary folder (owned by the `postgres` user when run as root)
and stopped afterwards; it is installed from Debian's packages if missing.
Spark runs as a local session inside dbt (pyspark, Java from the machine).

DuckDB is the reference: every cell of every mart and of rejected_rows on the
other engines is compared with it, counts and text exactly, ratios to 1e-9
relative, money to the cent.

On DuckDB and PostgreSQL the raw tables are then corrected in place (a
refund on a months-old order, an old order deleted, a subscription end moved
back a year) and the project runs incrementally; those marts are compared
across the two engines too (Spark's volume models are full tables).

Each engine then builds the text feed (seeds/text_feed: every raw column as
text, the demo's rows written other ways plus rows no warehouse can use, from
lab/retention_lab/generate_text_feed.py). On each engine its marts must equal that
engine's demo marts cell for cell, and its rejected rows must be the demo's
plus one per bad row with the expected reason; its tables are compared across
engines too. The last line is `engines: N cells compared, M differ`; the exit
code is 1 when M > 0.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from retention_lab.compare import KEYS, same
from retention_lab.generate_text_feed import expected_new_rejections

ROOT = Path(__file__).resolve().parents[2]
ENGINE_DUMP = Path(__file__).with_name("engine_dump.py")  # run inside each engine's own venv

TABLES = {**KEYS, "rejected_rows": ("source_table", "source_key", "reason", "raw_row")}
ENGINES = ("duckdb", "postgres", "spark")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, **kwargs)


def engine_python(engine: str) -> Path:
    """The engine's virtual environment, created (or refreshed) from its pinned requirements."""
    if engine == "duckdb":
        return Path(sys.executable)
    venv = ROOT / f".venv-{engine}"
    requirements = ROOT / f"requirements-{engine}.txt"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv / ".requirements.sha"
    python = venv / "bin" / "python"
    if not python.exists() or not stamp.exists() or stamp.read_text().strip() != wanted:
        log(f"{engine}: creating {venv} from {requirements.name}")
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)])
        stamp.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        log("postgres: no server found; installing Debian's postgresql package")
        try:
            run(["apt-get", "install", "-y", "-q", "postgresql"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        except (OSError, subprocess.CalledProcessError):
            run(["apt-get", "update", "-q"])
            run(["apt-get", "install", "-y", "-q", "postgresql"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise SystemExit("PostgreSQL's initdb was not found under /usr/lib/postgresql/*/bin after installing it")
    return Path(found[-1]).parent


@contextmanager
def postgres_server(work: Path):
    """A throwaway cluster on 127.0.0.1 in a temporary folder, stopped on exit."""
    bin_dir = postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="retention-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    # the server log stays in the server's own folder (the postgres user may not
    # enter the work folder) and is copied next to the builds when it stops
    log_file = folder / "server.log"
    run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--no-sync"], stdout=subprocess.DEVNULL)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c synchronous_commit=off"
    try:
        run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log_file), "-w",
             "start"], stdout=subprocess.DEVNULL)
        log(f"postgres: server {bin_dir.parent.name} on 127.0.0.1:{port}, data in {data}")
        psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else "psql"
        run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-c", "create database retention"])
        yield port
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       stdout=subprocess.DEVNULL, check=False)
        if log_file.exists():
            shutil.copy(log_file, work / "postgres.log")
        shutil.rmtree(folder, ignore_errors=True)
        log("postgres: server stopped and removed")


def dbt(engine: str, python: Path, work: Path, env: dict[str, str], *args: str) -> None:
    folder = work / engine
    folder.mkdir(parents=True, exist_ok=True)
    target = "dev" if engine == "duckdb" else engine
    run([str(python.with_name("dbt")), *args, "--target", target, "--project-dir", str(ROOT),
         "--profiles-dir", str(ROOT), "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
        env=env, cwd=folder)


def build(engine: str, python: Path, work: Path, env: dict[str, str]) -> float:
    """One `dbt build` (seeds, models, data and unit tests) on the engine's profile target."""
    started = time.perf_counter()
    log(f"{engine}: dbt build")
    dbt(engine, python, work, env, "build")
    elapsed = time.perf_counter() - started
    log(f"{engine}: built and tested in {elapsed:.0f} s")
    return elapsed


def build_text_feed(engine: str, python: Path, work: Path, env: dict[str, str]) -> float:
    """The text feed seeded into raw_text_feed and built with every model and data test."""
    started = time.perf_counter()
    log(f"{engine}: text feed: dbt seed and dbt build")
    dbt(engine, python, work, env, "seed", "--select", "path:seeds/text_feed", "--vars", "{load_text_feed: true}")
    dbt(engine, python, work, env, "build", "--full-refresh", "--exclude", "resource_type:unit_test",
        "resource_type:seed", "--vars", "{raw_schema: raw_text_feed, load_demo_data: false}")
    elapsed = time.perf_counter() - started
    log(f"{engine}: text feed built and tested in {elapsed:.0f} s")
    return elapsed


def dump(engine: str, python: Path, work: Path, env: dict[str, str], name: str = "") -> dict:
    out = work / f"{engine}{name}.json"
    run([str(python), str(ENGINE_DUMP), "--engine", engine, "--out", str(out),
         "--tables", ",".join(TABLES)], env=env, cwd=work / engine)
    return json.loads(out.read_text(), object_hook=decode)


def decode(obj: dict):
    if set(obj) == {"decimal"}:
        return Decimal(obj["decimal"])
    return obj


def compare(reference: dict, other: dict, engine: str, tables: dict = TABLES) -> tuple[int, int, list[str]]:
    compared = differ = 0
    notes: list[str] = []
    for table, keys in tables.items():
        ref_rows, other_rows = reference[table], other.get(table)
        if other_rows is None:
            cells = sum(len(row) for row in ref_rows)
            compared, differ = compared + cells, differ + cells
            notes.append(f"{engine} {table}: table missing")
            continue
        index = {tuple(str(row[k]) for k in keys): row for row in other_rows}
        if len(index) != len(other_rows):
            notes.append(f"{engine} {table}: duplicate keys")
        seen = set()
        for row in ref_rows:
            key = tuple(str(row[k]) for k in keys)
            seen.add(key)
            match = index.get(key)
            for column, value in row.items():
                compared += 1
                if match is None or column not in match or not same(match[column], value):
                    differ += 1
                    if len(notes) < 40:
                        got = "no row" if match is None else match.get(column, "no column")
                        notes.append(f"{engine} {table} {key} {column}: {got!r}, duckdb {value!r}")
        for key, row in index.items():
            if key not in seen:
                compared, differ = compared + len(row), differ + len(row)
                if len(notes) < 40:
                    notes.append(f"{engine} {table} {key}: extra row")
    return compared, differ, notes


def corrections() -> list[str]:
    """SQL that corrects the demo's raw tables in place, as real feeds do."""
    import csv

    with (ROOT / "seeds" / "raw" / "orders.csv").open(newline="") as handle:
        orders = list(csv.DictReader(handle))
    with (ROOT / "seeds" / "raw" / "subscriptions.csv").open(newline="") as handle:
        subscriptions = list(csv.DictReader(handle))

    def completed_in(month: str) -> str:
        return next(row["order_id"] for row in orders if row["ordered_at"].startswith(month)
                    and row["status"].strip().lower() == "completed" and not row["refunded_amount"])

    ended = next(row for row in subscriptions if row["ended_at"] and row["amount"] != "0.00"
                 and row["ended_at"][:4] == "2024" and row["started_at"][:4] == "2023"
                 and row["ended_at"][5:] > row["started_at"][5:])
    return [
        "update retention_demo.orders set status = 'refunded', refunded_amount = amount "
        f"where order_id = '{completed_in('2024-08')}'",
        f"delete from retention_demo.orders where order_id = '{completed_in('2024-02')}'",
        f"update retention_demo.subscriptions set ended_at = cast('2023{ended['ended_at'][4:]}' as timestamp) "
        f"where subscription_id = '{ended['subscription_id']}' and started_at = cast('{ended['started_at']}' as timestamp)",
    ]


def build_corrected(engine: str, python: Path, work: Path, env: dict[str, str]) -> float:
    """The raw tables corrected in place, then an incremental build without reloading seeds."""
    started = time.perf_counter()
    statements = work / "corrections.json"
    statements.write_text(json.dumps(corrections()))
    run([str(python), str(ENGINE_DUMP), "--engine", engine, "--execute", str(statements)],
        env=env, cwd=work / engine)
    log(f"{engine}: raw tables corrected in place; incremental dbt build")
    dbt(engine, python, work, env, "build", "--exclude", "resource_type:unit_test", "resource_type:seed")
    return time.perf_counter() - started


def blanks_as_empty(dumped: dict) -> dict:
    """The dump with whitespace-only values in rejected_rows.raw_row written as
    empty. dbt seeds a CSV cell of spaces as spaces on DuckDB but as null on
    PostgreSQL and Spark (agate reads blank text as null), so the text feed's
    raw tables differ there, and so does the raw row each engine rightly
    reports; the reason, the key and every other value must still agree."""
    def canonical(raw_row):
        if raw_row is None:
            return None
        parts = [part.split("=", 1) for part in str(raw_row).split("|")]
        return "|".join(p[0] + "=" + p[1].strip() if len(p) == 2 and not p[1].strip() else "=".join(p)
                        for p in parts)

    rejected = [{**row, "raw_row": canonical(row["raw_row"])} for row in dumped.get("rejected_rows", [])]
    return {**dumped, "rejected_rows": rejected}


def compare_text_feed(demo: dict, feed: dict, engine: str) -> tuple[int, int, list[str]]:
    """The text feed's marts against the same engine's demo marts; its rejected
    rows against the demo's plus the expected ones."""
    marts = {table: keys for table, keys in TABLES.items() if table != "rejected_rows"}
    compared, differ, notes = compare(demo, feed, f"{engine} text feed", marts)
    expected = sorted([(r["source_table"], r["reason"]) for r in demo["rejected_rows"]] + expected_new_rejections())
    found = sorted((r["source_table"], r["reason"]) for r in feed.get("rejected_rows", []))
    compared += len(expected)
    if found != expected:
        missing = [e for e in expected if e not in found]
        extra = [f for f in found if f not in expected]
        differ += max(len(missing), len(extra), 1)
        notes.append(f"{engine} text feed rejected_rows: missing {missing[:10]}, unexpected {extra[:10]}")
    return compared, differ, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated, duckdb first (default: duckdb,postgres,spark)")
    parser.add_argument("--workdir", type=Path, help="where builds and logs go (default: a temporary folder)")
    parser.add_argument("--duckdb-demo", type=Path,
                        help="a DuckDB file the demo was already built into with `dbt build` (the tests' demo "
                             "build): copied and used instead of building the demo on DuckDB again")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if engines[:1] != ["duckdb"] or not set(engines) <= set(ENGINES):
        parser.error(f"--engines must start with duckdb and use {', '.join(ENGINES)}")

    work = (args.workdir or Path(tempfile.mkdtemp(prefix="retention-engines-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log(f"working in {work}")
    base_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(ROOT)}
    results: dict[str, dict] = {}
    feeds: dict[str, dict] = {}
    timings: dict[str, float] = {}

    corrected: dict[str, dict] = {}

    def build_both(engine: str, python: Path, env: dict[str, str]) -> None:
        if engine == "duckdb" and args.duckdb_demo:
            copy = Path(env["RETENTION_DUCKDB_PATH"])
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.duckdb_demo, copy)
            log(f"duckdb: the demo build of {args.duckdb_demo}, copied")
            timings[engine] = 0.0
        else:
            timings[engine] = build(engine, python, work, env)
        results[engine] = dump(engine, python, work, env)
        if engine in ("duckdb", "postgres"):
            timings[engine] += build_corrected(engine, python, work, env)
            corrected[engine] = dump(engine, python, work, env, "-corrected")
        timings[engine] += build_text_feed(engine, python, work, env)
        feeds[engine] = dump(engine, python, work, env, "-text-feed")

    for engine in engines:
        python = engine_python(engine)
        env = dict(base_env)
        if engine == "duckdb":
            env["RETENTION_DUCKDB_PATH"] = str(work / "duckdb" / "retention.duckdb")
            build_both(engine, python, env)
        elif engine == "postgres":
            with postgres_server(work) as port:
                env["RETENTION_PG_PORT"] = str(port)
                build_both(engine, python, env)
        else:
            env["SPARK_LOCAL_IP"] = "127.0.0.1"
            env["RETENTION_SPARK_WAREHOUSE"] = str(work / "spark" / "spark-warehouse")
            build_both(engine, python, env)

    total_compared = total_differ = 0
    for engine in engines:
        checks = [("text feed against its demo build", compare_text_feed(results[engine], feeds[engine], engine))]
        if engine in corrected and engine != "duckdb":
            checks += [("corrected in place, incremental run, against duckdb's",
                        compare(corrected["duckdb"], corrected[engine], f"{engine} corrected"))]
        if engine != "duckdb":
            checks += [("demo against duckdb", compare(results["duckdb"], results[engine], engine)),
                       ("text feed against duckdb's",
                        compare(blanks_as_empty(feeds["duckdb"]), blanks_as_empty(feeds[engine]),
                                f"{engine} text feed"))]
        for what, (compared, differ, notes) in checks:
            total_compared += compared
            total_differ += differ
            for note in notes:
                print(note)
            print(f"{engine}: {what}: {compared} cells compared, {differ} differ")
        print(f"{engine}: builds and tests {timings[engine]:.0f} s")
    print(f"engines: {total_compared} cells compared, {total_differ} differ")
    return 1 if total_differ else 0


if __name__ == "__main__":
    sys.exit(main())
