"""Every var docs/your_data.md lists is validated: a bad value fails compilation with a
message that names the var (and what to write instead), never a runtime error
from the warehouse or a silently wrong number. tests/test_project.py already
checks one mistake each for period_grains, exchange_rates, as_of_date,
orders_activity_window_days, reporting_timezone and reporting_currency; the
cases here are the others.

The project is parsed once; each case compiles the models that read the vars
against that manifest with its own --vars (vars are read when SQL is rendered),
so a case takes a fraction of a second. The vars that shape sources and seeds
(raw_schema, raw_database, load_demo_data) are read while dbt parses, so those
cases parse afresh."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from dbt.cli.main import dbtRunner

from tests.dbt_harness import ROOT, RAW_COLUMNS, Warehouse, release_duckdb

RAW = "raw_vars"
# the model whose SQL calls each var's validator; compiling it alone keeps a case quick
READ_BY = {
    "as_of_date": "int_reporting_window",
    "clv_calibration_end": "int_clv_rfm_summary",
    "clv_horizon": "int_clv_rfm_summary",
    "clv_time_unit": "int_clv_rfm_summary",
    "clv_on_fit_failure": "int_clv_rfm_summary",
    "period_grains": "int_periods_spined",
    "orders_activity_window_days": "int_customer_periods_from_orders",
    "reporting_currency": "base_shop__orders",
    "exchange_rates": "base_shop__orders",
    "reporting_timezone": "stg_shop__orders",
    "active_event_names": "stg_product__events",
    "mau_window_days": "int_daily_active_users",
    "projection_periods": "int_cohort_survivors_counted",
    "projection_min_segment_customers": "int_cohort_survivors_by_segment",
}


class Project:
    """dbt invocations against one warehouse with empty raw tables, reusing one parsed manifest."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self.manifest = None
        success, text, result = self.invoke("parse", vars={})
        assert success, text
        self.manifest = result

    def invoke(self, *args: str, vars: dict[str, Any], reuse: bool = False) -> tuple[bool, str, Any]:
        os.environ["RETENTION_DUCKDB_PATH"] = str(self.warehouse.path)
        cli = [*args, "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
               "--target-path", str(self.warehouse.workdir / "target"),
               "--log-path", str(self.warehouse.workdir / "logs"),
               "--vars", json.dumps({"raw_schema": RAW, **vars})]
        try:
            result = dbtRunner(manifest=self.manifest if reuse else None).invoke(cli)
        finally:
            release_duckdb()
        messages = [str(result.exception)] if result.exception is not None else []
        for node in getattr(result.result, "results", None) or []:
            if node.status not in ("success", "pass") and node.message:
                messages.append(node.message)
        return bool(result.success), "\n".join(messages), result.result

    def compile(self, vars: dict[str, Any]) -> tuple[bool, str]:
        models = sorted({READ_BY[name] for name in vars})
        success, text, _ = self.invoke("compile", "--select", *models, vars=vars, reuse=True)
        return success, text

    def parse(self, vars: dict[str, Any]) -> tuple[bool, str]:
        success, text, _ = self.invoke("parse", vars=vars)
        return success, text


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    warehouse = Warehouse(tmp_path_factory.mktemp("vars"))
    for table in RAW_COLUMNS:
        warehouse.load_raw(RAW, table, [])
    return Project(warehouse)


RENDER_TIME = [
    # calendar dates: the shape alone let 2024-02-30 through to a runtime cast error
    ("as_of_date", "2024-02-30", "must be a date written YYYY-MM-DD, a day the calendar has"),
    ("as_of_date", "2023-02-29", "must be a date written YYYY-MM-DD, a day the calendar has"),
    ("clv_calibration_end", "2024-02-30", "must be a date written YYYY-MM-DD, a day the calendar has"),
    # the horizon's validator was never called: -5 published negative CLV, 0 zeros
    ("clv_horizon", -5, "must be a number of clv_time_unit units above zero"),
    ("projection_periods", -1, "must be a whole number of periods from 0 to 120"),
    ("projection_periods", 2.5, "must be a whole number of periods from 0 to 120"),
    ("projection_periods", 121, "must be a whole number of periods from 0 to 120"),
    ("projection_periods", "twelve", "must be a whole number of periods from 0 to 120"),
    ("projection_min_segment_customers", 0, "must be a whole number of customers, 1 or more"),
    ("projection_min_segment_customers", 12.5, "must be a whole number of customers, 1 or more"),
    ("clv_horizon", 0, "must be a number of clv_time_unit units above zero"),
    ("clv_horizon", True, "must be a number of clv_time_unit units above zero"),
    ("clv_time_unit", "fortnight", "must be one of day, week, month"),
    ("clv_time_unit", ["week"], "must be one of day, week, month"),
    ("clv_on_fit_failure", "ignore", "must be error"),
    ("period_grains", [], "is empty"),
    ("period_grains", ["month", "month"], "lists 'month' twice"),
    ("period_grains", 12, "must be a list"),
    ("orders_activity_window_days", 1.5, "must be a whole number of days above zero"),
    ("orders_activity_window_days", True, "must be a whole number of days above zero"),
    ("orders_activity_window_days", "30", "must be a whole number of days above zero"),
    ("reporting_currency", "U5D", "must be a three-letter ISO 4217 code"),
    ("reporting_currency", 840, "must be a three-letter ISO 4217 code"),
    ("exchange_rates", {"EURO": 1.08}, "keys must be three-letter ISO 4217 codes"),
    ("exchange_rates", {"EUR": "high"}, "rates must be numbers above zero"),
    ("exchange_rates", {"EUR": True}, "rates must be numbers above zero"),
    ("exchange_rates", ["EUR", 1.08], "must be a mapping of currency code to rate"),
    ("reporting_timezone", "", "is not an IANA time zone name"),
    ("reporting_timezone", "UTC+1", "is not an IANA time zone name"),
    # a bare string would be read as a list of characters; an empty list would make no one active
    ("active_event_names", "login", "must be a list of event names"),
    ("active_event_names", [], "is an empty list"),
    ("active_event_names", ["login", ""], "which is not an event name"),
    ("active_event_names", [" login"], "which is not an event name"),
    ("active_event_names", ["it's"], "which is not an event name"),
    ("active_event_names", [7], "which is not an event name"),
    ("mau_window_days", 0, "must be a whole number of days from 1 to 366"),
    ("mau_window_days", 28.5, "must be a whole number of days from 1 to 366"),
    ("mau_window_days", "30", "must be a whole number of days from 1 to 366"),
    ("mau_window_days", True, "must be a whole number of days from 1 to 366"),
]


def case_id(case) -> str:
    name, value, _ = case.values if hasattr(case, "values") else case
    return f"{name}={value!r}"


@pytest.mark.parametrize(("name", "value", "expected"), RENDER_TIME, ids=[case_id(case) for case in RENDER_TIME])
def test_a_bad_value_fails_compilation_naming_the_var(project, name, value, expected):
    success, text = project.compile({name: value})
    assert not success, f"var {name}: {value!r} compiled"
    assert f"var {name}" in text and expected in text, text


PARSE_TIME = [
    ("raw_schema", "", "var raw_schema must be the name of the schema"),
    ("raw_database", "", "var raw_database must be the name of the database"),
    # dbt_project.yml renders the seeds' `enabled` from this var before any macro runs; dbt's own
    # message quotes the expression, var('load_demo_data', ...), and the value
    ("load_demo_data", "maybe", "load_demo_data"),
]


@pytest.mark.parametrize(("name", "value", "expected"), PARSE_TIME, ids=[case_id(case) for case in PARSE_TIME])
def test_a_bad_location_var_fails_parsing_naming_the_var(project, name, value, expected):
    success, text = project.parse({name: value})
    assert not success, f"var {name}: {value!r} parsed"
    assert expected in text and repr(value).strip("'") in text, text


def test_good_values_compile(project):
    """Edge values that are right: a leap day, a fractional horizon, the warn mode, one grain as
    a string, a window of one day, a lower-case currency, a rate for another currency."""
    success, text = project.compile({
        "as_of_date": "2024-02-29", "clv_calibration_end": "2023-12-31", "clv_horizon": 0.5,
        "clv_time_unit": "month", "clv_on_fit_failure": "warn", "period_grains": "quarter",
        "orders_activity_window_days": 1, "reporting_currency": "eur",
        "exchange_rates": {"usd": 0.92}, "reporting_timezone": "America/New_York",
        "active_event_names": ["login", "create_report"], "mau_window_days": 28, "projection_periods": 0,
        "projection_min_segment_customers": 1,
    })
    assert success, text


# The settings a user is most likely to change in dbt_project.yml, all at once and far from the
# defaults: the unit tests run in every `dbt build`, so each one pins (overrides: vars:) the vars
# its inputs and expected rows assume, and a user's settings never turn their build red.
USER_SETTINGS = {
    "period_grains": ["year"], "orders_activity_window_days": 30, "reporting_timezone": "Asia/Tokyo",
    "as_of_date": "2024-06-30", "mau_window_days": 28, "active_event_names": ["login"],
    "segment_dimensions": ["plan"], "reporting_currency": "EUR", "projection_periods": 3,
    "projection_min_segment_customers": 5,
}


@pytest.mark.parametrize("settings", [USER_SETTINGS, {"period_grains": ["month"]}], ids=["far", "month_only"])
def test_unit_tests_pass_whatever_the_users_settings(demo_warehouse, settings):
    run = demo_warehouse.dbt("test", "--select", "test_type:unit", vars=settings)
    assert run.success, "\n".join(run.messages)
