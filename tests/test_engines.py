"""The demo, the demo corrected in place and run incrementally, and the text
feed, on DuckDB, PostgreSQL and Spark (tier `engines`): every cell of every
mart and of rejected_rows compared across the engines with the one cell rule
(lab/retention_lab/compare.py). The work is lab/retention_lab/engines.py, also
`bash scripts/tasks.sh engines`; RETENTION_ENGINES narrows it (e.g.
duckdb,postgres)."""

from __future__ import annotations

import os

from retention_lab import engines


def test_every_cell_is_the_same_on_every_engine(demo_warehouse, tmp_path, capsys, record_property):
    chosen = os.environ.get("RETENTION_ENGINES", ",".join(engines.ENGINES))
    # DuckDB starts from the demo build the other tests of this process use
    status = engines.main(["--engines", chosen, "--workdir", str(tmp_path), "--duckdb-demo", str(demo_warehouse.path)])
    out = capsys.readouterr().out
    summary = out.strip().splitlines()[-1]
    record_property("summary", summary)
    assert status == 0, out
    assert summary.startswith("engines: ") and summary.endswith(", 0 differ"), out
