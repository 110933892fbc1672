"""Role grants of the parts app, merged into the hub's role groups by ``tickets.roles.roles_sync``."""

from __future__ import annotations

_view = lambda *models: [f"view_{m}" for m in models]  # noqa: E731
_crud = lambda *models: [f"{a}_{m}" for m in models for a in ("view", "add", "change")]  # noqa: E731

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "仓管": {
        "parts": [*_crud("part", "location", "stocklevel", "reservation", "serialunit", "transfer",
                         "defectivereturn", "supplierclaim", "lowstockalert"),
                  "view_stockmovement", "add_stockmovement", "approve_transfer", "view_demandforecast",
                  "view_jobpartsreconciliation"],
    },
    "网点经理": {
        "parts": [*_view("part", "location", "stocklevel", "stockmovement", "serialunit", "demandforecast",
                         "lowstockalert", "supplierclaim"),
                  *_crud("reservation", "transfer", "defectivereturn"), "approve_transfer",
                  "view_jobpartsreconciliation"],
    },
    "维修工程师": {
        "parts": [*_view("part", "location", "stocklevel", "serialunit", "transfer"),
                  "view_reservation", "add_reservation", "change_reservation", "add_transfer",
                  "view_defectivereturn", "add_defectivereturn"],
    },
    "运营": {
        "parts": [*_crud("part", "location", "stocklevel"), "view_stockmovement", "add_stockmovement",
                  *_view("reservation", "serialunit", "transfer", "defectivereturn", "supplierclaim",
                         "demandforecast", "lowstockalert")],
    },
}
