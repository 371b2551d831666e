from __future__ import annotations

import pytest

from tests.dbt_harness import Warehouse


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
