"""Changelists stay fast on tables with millions of rows: no COUNT(*) and no DISTINCT over a whole table,
an index behind every offered filter, and time limits on PostgreSQL connections."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Catalogue and configuration tables: a few hundred rows at most, whatever the business volume.
SMALL_TABLES = {
    "auth_group", "tickets_productmodel", "tickets_productcategory", "tickets_faultcategory", "tickets_region",
    "tickets_calendarday", "tickets_slapolicy", "tickets_messagetemplate", "tickets_webhookendpoint",
    "tickets_classifiermodel", "tickets_intakechannelkey", "repairs_servicecenter", "repairs_warrantyruleset",
    "repairs_pricelistitem", "parts_part", "parts_location", "surveys_survey", "knowledge_article",
    "knowledge_diagnosistree", "knowledge_diagnosisnode", "knowledge_diagnosisanswer", "django_q_schedule",
    "rest_framework_api_key_apikey", "repairs_technician", "parts_supplier", "auth_user",
    "repairs_depreciationrate",
}

COUNT = re.compile(r"\bCOUNT\(", re.I)
DISTINCT = re.compile(r"^\s*SELECT\s+DISTINCT\b", re.I)
FROM_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.I)


def _whole_table_scans(sql: str) -> list[str]:
    """Aggregates that read a whole table: COUNT without WHERE or LIMIT, DISTINCT without WHERE."""
    found = []
    has_where = " WHERE " in sql.upper()
    table = (FROM_TABLE.search(sql) or [None, ""])[1]
    if table in SMALL_TABLES:
        return found
    if COUNT.search(sql) and not has_where and " LIMIT " not in sql.upper():
        found.append(f"COUNT over {table}: {sql[:160]}")
    if DISTINCT.search(sql) and not has_where:
        found.append(f"DISTINCT over {table}: {sql[:160]}")
    return found


def _changelists():
    for model in admin.site._registry:
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


@pytest.mark.django_db
def test_no_changelist_counts_or_distincts_a_whole_table(client, superuser):
    client.force_login(superuser)
    problems = []
    for url in _changelists():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, follow=True)  # a one-row settings page redirects to its form
        assert response.status_code == 200, url
        problems += [f"{url}: {p}" for q in ctx.captured_queries for p in _whole_table_scans(q["sql"])]
    assert not problems, "\n".join(problems)


def _indexed_leads(model) -> set[str]:
    """Columns that lead some index of the model's table (so a filter or sort on them can use it)."""
    opts = model._meta
    leads = {f.attname for f in opts.concrete_fields if f.db_index or f.unique or f.primary_key}
    leads |= {f.name for f in opts.concrete_fields if f.db_index or f.unique or f.primary_key}
    for index in opts.indexes:
        if index.fields:
            leads.add(index.fields[0].lstrip("-"))
    for constraint in opts.constraints:
        fields = getattr(constraint, "fields", None)
        if fields:
            leads.add(fields[0])
    for together in opts.unique_together:
        leads.add(together[0])
    return leads


def _first_hop(model, path: str):
    from django.core.exceptions import FieldDoesNotExist

    name = path.lstrip("=^@").split("__")[0]
    if name == "pk":
        return model._meta.pk
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _offered_columns(model, model_admin):
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            yield "filter", entry
        elif isinstance(entry, tuple):
            yield "filter", entry[0]
        elif getattr(entry, "parameter_name", None) and _first_hop(model, entry.parameter_name) is not None:
            yield "filter", entry.parameter_name
    for entry in model_admin.search_fields:
        if entry.startswith("=") or entry.endswith("__exact"):
            yield "search", entry
    ordering = model_admin.ordering or model._meta.ordering or []
    if ordering:
        yield "ordering", str(ordering[0]).lstrip("-")


def test_every_filter_exact_search_and_sort_on_a_big_table_has_an_index():
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.db_table in SMALL_TABLES or model._meta.app_label in ("auth", "django_q", "axes", "knox"):
            continue
        leads = _indexed_leads(model._meta.concrete_model)
        for what, path in _offered_columns(model, model_admin):
            field = _first_hop(model, path)
            if field is None or field.name in leads or getattr(field, "attname", "") in leads:
                continue
            missing.append(f"{model._meta.label} {what} {path}")
    assert not missing, "\n".join(missing)


def test_no_date_hierarchy_on_a_big_table():
    import config.urls  # noqa: F401  (the site's list settings are applied with the URLs)

    offenders = [m._meta.label for m, ma in admin.site._registry.items()
                 if ma.date_hierarchy and m._meta.db_table not in SMALL_TABLES]
    assert not offenders


def test_web_statements_get_a_shorter_limit_than_the_worker(monkeypatch):
    import environ

    monkeypatch.delenv("SHOUHOU_PROCESS", raising=False)  # set once any test imported config.asgi

    from config.db import postgres_timeouts, process_role

    env = environ.Env()
    web = postgres_timeouts(env, role="web")
    worker = postgres_timeouts(env, role="worker")
    assert 0 < web["statement_timeout"] < worker["statement_timeout"]
    assert web["idle_in_transaction_session_timeout"] > 0
    assert postgres_timeouts(env, role="migrate")["statement_timeout"] == 0
    assert process_role(["manage.py", "qcluster"]) == "worker"
    assert process_role(["manage.py", "migrate"]) == "migrate"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_connections_carry_the_time_limits(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        idle = cursor.fetchone()[0]
    expected = settings.DB_TIMEOUTS
    assert statement not in ("0", "0ms")
    assert _ms(statement) == expected["statement_timeout"]
    assert _ms(idle) == expected["idle_in_transaction_session_timeout"]


def _ms(shown: str) -> int:
    units = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}
    number = int(re.match(r"\d+", shown).group(0))
    unit = shown[len(str(number)):] or "ms"
    return number * units[unit]
