"""Every page carries a Content-Security-Policy, and nothing on it needs inline script."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests import factories
from tests.progress.helpers import assign_to, send_quote
from tests.security.csp import INLINE_HANDLER, INLINE_SCRIPT, JS_URL, parse_policy, violations


def _template_files():
    roots = [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in ("tickets", "repairs", "parts", "surveys", "knowledge")]
    for root in roots:
        if root.exists():
            yield from root.rglob("*.html")


def test_no_template_of_ours_carries_inline_script():
    offenders = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, JS_URL):
            offenders += [f"{path.relative_to(settings.BASE_DIR)}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert not offenders, "inline script is blocked by the CSP; move it into static/js/:\n" + "\n".join(offenders)


def test_policy_forbids_inline_script_and_foreign_sources(client, db):
    response = client.get("/track/")
    policy = parse_policy(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


def _assert_passes(response, url):
    assert response.status_code == 200, (url, response.status_code)
    header = response.get("Content-Security-Policy")
    assert header, f"{url}: no Content-Security-Policy header"
    if "html" in response.get("Content-Type", ""):
        found = violations(response.content.decode(), header)
        assert not found, f"{url}: {found}"


@pytest.mark.django_db
def test_every_admin_page_passes_the_csp(client, superuser):
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer, device=factories.DeviceFactory(owner=customer))
    client.force_login(superuser)
    urls = [reverse("admin:index"), reverse("admin:tickets_ticket_change", args=[ticket.pk])]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if model_admin.has_add_permission(type("R", (), {"user": superuser, "method": "GET"})()):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    urls.append(reverse("admin:tickets_customer_export"))
    for url in urls:
        _assert_passes(client.get(url, follow=True), url)


@pytest.mark.django_db
def test_admin_login_page_passes_the_csp(client):
    _assert_passes(client.get(reverse("admin:login")), "login")


@pytest.mark.django_db
def test_customer_pages_pass_the_csp(client):
    tech = factories.TechnicianFactory()
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer, device=factories.DeviceFactory(owner=customer),
                                     fault_category=factories.FaultCategoryFactory(), service_mode="walk_in")
    assign_to(ticket, tech)
    from tickets import services

    services.ticket_transition(ticket=ticket, transition="start", by=None)
    quote = send_quote(ticket)
    urls = ["/submit/", "/track/", "/help/", f"/t/{ticket.tracking_token}/",
            reverse("progress:quote", args=[ticket.tracking_token, quote.pk])]
    for url in urls:
        _assert_passes(client.get(url, follow=True), url)  # e.g. "add ticket" is the intake form


@pytest.mark.django_db
def test_api_docs_pass_the_csp(client):
    for url in ("/api/docs/", "/api/redoc/"):
        _assert_passes(client.get(url), url)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
