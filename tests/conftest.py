from __future__ import annotations

import pytest

from tests.dbt_harness import Warehouse

# `bash scripts/tasks.sh test` runs the tests on two processes (pytest-xdist,
# --dist loadgroup). A file's tests stay on one process, so its module and session
# fixtures are built once there; these files' tests go one by one instead (they
# share no fixture), and the files here start first, longest first, so that no
# process is left with a long file at the end while the other is idle.
TESTS_APART = {"test_incremental.py", "test_first_hour.py"}
LONGEST_FIRST = ["test_engines.py", "test_incremental.py", "test_reference.py", "test_orchestrators.py",
                 "test_first_hour.py", "test_text_feed.py"]

# The tiers (markers in pytest.ini). A test in no tier is in the developer loop,
# `bash scripts/tasks.sh check`: the demo build with every data and unit test,
# the reference on the demo, vars, privacy, the report. Every test that draws
# histories from hypothesis is in tier `property`; the other tiers go by file.
TIER_OF_FILE = {
    "test_incremental.py": "replay",
    "test_orchestrators.py": "orchestrators",
    "test_engines.py": "engines",
    "test_benchmark_floor.py": "benchmark",
    # hand-made histories of one model or mart each, built with dbt: amounts at the
    # limits, hostile input, the CLV and projection fits on published data sets,
    # segments, product retention
    "test_amounts.py": "edge_cases",
    "test_hostile_input.py": "edge_cases",
    "test_clv.py": "edge_cases",
    "test_retention_projection.py": "edge_cases",
    "test_segments.py": "edge_cases",
    "test_user_retention.py": "edge_cases",
    "test_trial_conversion.py": "edge_cases",
    # builds from a user's shell, a text feed, MetricFlow queries: several minutes each
    "test_first_hour.py": "end_to_end",
    "test_your_data.py": "end_to_end",
    "test_text_feed.py": "end_to_end",
    "test_semantic_layer.py": "end_to_end",
    "test_semantic_segments.py": "end_to_end",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        file = item.path.name
        group = item.nodeid if file in TESTS_APART else file
        item.add_marker(pytest.mark.xdist_group(group))
        if file in TIER_OF_FILE:
            item.add_marker(getattr(pytest.mark, TIER_OF_FILE[file]))
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)

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


def pytest_terminal_summary(terminalreporter):
    """Prints what a passing test recorded as its `summary` (record_property), such
    as the engines' cell count, under pytest's own summary."""
    lines = [f"{report.nodeid}: {value}" for report in terminalreporter.stats.get("passed", [])
             for name, value in report.user_properties if name == "summary"]
    if lines:
        terminalreporter.section("summaries")
        for line in lines:
            terminalreporter.write_line(line)
