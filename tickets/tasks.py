"""django-q2 entry points of the hub that take ids (STYLE R8)."""

from __future__ import annotations


def data_job_task(job_id: int) -> None:
    """Run an import check, an import or an export in the background."""
    from .importing.jobs import data_job_run

    data_job_run(job_id=job_id)
