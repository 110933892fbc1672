"""The event vocabulary: every kind written anywhere is registered with a label, an unknown kind or a
contradicting visibility is refused, and staff read labels (never codes) in the admin and exports."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.urls import reverse

from tests import factories
from tickets import events
from tickets.events import UnknownEventKind
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_event_add, ticket_triage

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("tickets", "repairs", "parts", "surveys", "knowledge", "config")


def _written_kinds() -> dict[str, str]:
    """Every literal ``kind=`` passed to ``ticket_event_add`` in production code -> where."""
    found: dict[str, str] = {}
    constants: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                        and isinstance(node.value.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            constants[target.id] = node.value.value
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call)
                        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "ticket_event_add"):
                    continue
                for kw in node.keywords:
                    if kw.arg != "kind":
                        continue
                    if isinstance(kw.value, ast.Constant):
                        found[kw.value.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
                    elif isinstance(kw.value, ast.Name) and kw.value.id in constants:
                        found[constants[kw.value.id]] = f"{path.relative_to(ROOT)}:{node.lineno}"
    for kind, _visible, _label in events.TRANSITION_EVENTS.values():
        found[kind] = "tickets/events.py"
    return found


def test_every_kind_written_in_the_code_is_registered_with_a_label():
    written = _written_kinds()
    assert len(written) >= 40
    registry = events.registered()
    missing = {kind: where for kind, where in written.items() if kind not in registry}
    assert missing == {}
    for kind in written:
        label = str(registry[kind].label)
        assert not label.isascii(), kind


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_and_nothing_is_written():
    ticket = factories.TicketFactory()
    before = TicketEvent.objects.count()
    with pytest.raises(UnknownEventKind):
        ticket_event_add(ticket=ticket, kind="ticket.made_up", message="x")
    assert TicketEvent.objects.count() == before


@pytest.mark.django_db
def test_a_staff_only_kind_cannot_be_made_customer_visible_at_a_call_site():
    ticket = factories.TicketFactory()
    with pytest.raises(ValueError):
        ticket_event_add(ticket=ticket, kind="ticket.classified", customer_visible=True)
    event = ticket_event_add(ticket=ticket, kind="part.fitted", message="换屏")
    assert event.customer_visible is True  # the registry's visibility when the caller says nothing


def test_states_of_workshop_steps_read_as_repair_order_labels():
    assert events.state_label("repair.status_changed", "awaiting_approval") == "待客户确认"
    assert events.state_label("ticket.triaged", "triaged") == str(Ticket.Status.TRIAGED.label)


@pytest.mark.django_db
def test_admin_timeline_and_event_list_show_labels_not_codes(client, superuser):
    category = factories.FaultCategoryFactory()
    ticket = factories.TicketFactory(fault_category=category)
    ticket_event_add(ticket=ticket, kind="ticket.classified", message="自动分类：屏幕")
    ticket_triage(ticket=ticket, by=None, fault_category=category)
    client.force_login(superuser)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "ticket.classified" not in page
    assert "自动分类" in page
    assert str(Ticket.Status.NEW.label) in page
    assert str(Ticket.Status.TRIAGED.label) in page
    assert ">new<" not in page
    assert ">triaged<" not in page
    listing = client.get(reverse("admin:tickets_ticketevent_changelist")).content.decode()
    rows = listing.split('id="result_list"')[1].split("</table>")[0]
    assert "ticket.classified" not in rows
    assert "自动分类" in rows
    assert "已受理，正在安排服务" in rows


@pytest.mark.django_db
def test_ticket_export_shows_state_labels():
    from tickets.resources import TicketExporter

    factories.TicketFactory()
    exporter = TicketExporter()
    row = dict(zip(exporter.header(), next(exporter.rows()), strict=True))
    assert row["状态"] == str(Ticket.Status.NEW.label)
