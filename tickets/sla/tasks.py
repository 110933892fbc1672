"""django-q2 tasks of the SLA feature."""

from __future__ import annotations


def sla_sweep_task() -> dict:
    from .services import sla_sweep

    return sla_sweep()
