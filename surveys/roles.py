"""Role grants of surveys (merged into tickets.roles and synced after every migrate)."""

from __future__ import annotations

ROLE_PERMISSIONS = {
    "客服": {"surveys": ["view_followup", "view_technicianalert"]},
    "网点经理": {"surveys": ["view_followup", "change_followup", "handle_followup", "view_technicianalert",
                            "change_technicianalert"]},
    "运营": {"surveys": ["change_survey", "add_survey", "view_followup", "view_technicianalert",
                        "change_technicianalert"]},
}
