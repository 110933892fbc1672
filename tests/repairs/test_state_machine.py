"""The RepairOrder FSM: every (state, transition) pair, allowed or forbidden, as DESIGN.md draws it."""

from __future__ import annotations

import pytest
from django_fsm import can_proceed

from repairs.models import RepairOrder
from repairs.services.common import TICKET_STATE_FOR, ticket_path
from tickets.models import Ticket

S = RepairOrder.Status
ALLOWED = {
    "diagnose": {S.DIAGNOSING: S.QUOTING},
    "request_approval": {S.QUOTING: S.AWAITING_APPROVAL, S.APPROVED: S.AWAITING_APPROVAL,
                         S.REPAIRING: S.AWAITING_APPROVAL},
    "approve": {S.AWAITING_APPROVAL: S.APPROVED},
    "decline": {S.AWAITING_APPROVAL: S.DECLINED, S.QUOTING: S.DECLINED},
    "start_repair": {S.APPROVED: S.REPAIRING, S.REWORK: S.REPAIRING, S.AWAITING_PARTS: S.REPAIRING},
    "wait_parts": {S.REPAIRING: S.AWAITING_PARTS},
    "submit_qc": {S.REPAIRING: S.QC},
    "pass_qc": {S.QC: S.PASSED},
    "fail_qc": {S.QC: S.REWORK},
    "mark_unrepairable": {S.DIAGNOSING: S.UNREPAIRABLE, S.QUOTING: S.UNREPAIRABLE, S.REPAIRING: S.UNREPAIRABLE,
                          S.AWAITING_PARTS: S.UNREPAIRABLE},
    "replace": {S.UNREPAIRABLE: S.REPLACED},
    "refund": {S.UNREPAIRABLE: S.REFUNDED},
}
MATRIX = [(state, name) for state in S.values for name in ALLOWED]


@pytest.mark.parametrize(("state", "transition"), MATRIX)
def test_transition_matrix(state, transition):
    order = RepairOrder(status=state)
    expected = ALLOWED[transition].get(state)
    assert can_proceed(getattr(order, transition)) is (expected is not None)
    if expected is not None:
        getattr(order, transition)()
        assert order.status == expected


@pytest.mark.parametrize("state", S.values)
def test_every_repair_state_maps_to_a_reachable_ticket_state(state):
    target = TICKET_STATE_FOR[state]
    assert target in Ticket.Status.values
    # from in-progress the ticket can always be walked to where the repair order says it should be
    path = ticket_path(Ticket.Status.IN_PROGRESS, target)
    assert isinstance(path, list)


def test_rework_counts_and_final_states():
    order = RepairOrder(status=S.QC)
    order.fail_qc()
    assert order.rework_count == 1
    assert set(RepairOrder.FINAL_STATES) == {S.PASSED, S.DECLINED, S.REPLACED, S.REFUNDED}


def test_ticket_path_examples():
    T = Ticket.Status
    assert ticket_path(T.ASSIGNED, T.IN_PROGRESS) == ["start"]
    assert ticket_path(T.WAITING_CUSTOMER, T.WAITING_PARTS) == ["resume", "wait_parts"]
    assert ticket_path(T.QUALITY_CHECK, T.IN_PROGRESS) == ["rework"]
    assert ticket_path(T.IN_PROGRESS, T.READY) == ["submit_qc", "pass_qc"]
