from __future__ import annotations

import pytest

from tests.dbt_harness import Warehouse

# scripts/test.sh runs the tests on two processes (pytest-xdist, --dist loadgroup).
# A file's tests stay on one process, so its module and session fixtures are
# built once there; these files' tests go one by one instead (they share no
# fixture), and the files here start first, longest first, so that no process
# is left with a long file at the end while the other is idle.
TESTS_APART = {"test_incremental.py", "test_first_hour.py"}
# `bash scripts/test.sh --quick` leaves these files out (pytest -m "not slow"): the
# incremental replays, the orchestrator environments, the first-hour and your-data
# builds, the text feed and the mf queries, each several minutes of dbt runs. The
# full command runs them.
SLOW_FILES = {"test_incremental.py", "test_orchestrators.py", "test_first_hour.py", "test_your_data.py",
              "test_text_feed.py", "test_semantic_layer.py", "test_semantic_segments.py"}
LONGEST_FIRST = ["test_incremental.py", "test_reference.py", "test_orchestrators.py", "test_first_hour.py",
                 "test_text_feed.py"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        file = item.path.name
        group = item.nodeid if file in TESTS_APART else file
        item.add_marker(pytest.mark.xdist_group(group))
        if file in SLOW_FILES:
            item.add_marker(pytest.mark.slow)

    def rank(item) -> int:
        file = item.path.name
        return LONGEST_FIRST.index(file) if file in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(tmp_path)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory):
    """The demo data built once, with every data and unit test."""
    warehouse = Warehouse(tmp_path_factory.mktemp("demo"))
    run = warehouse.dbt("build")
    assert run.success, run.text
    return warehouse
