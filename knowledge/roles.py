"""Role grants of the knowledge base (merged into tickets.roles and synced after every migrate)."""

from __future__ import annotations

_TREES = ["diagnosistree", "diagnosisnode", "diagnosisanswer"]

ROLE_PERMISSIONS = {
    "客服": {"knowledge": ["view_articleversion", "view_diagnosiswalk", "add_diagnosiswalk",
                          *[f"view_{m}" for m in _TREES]]},
    "网点经理": {"knowledge": ["view_diagnosiswalk", *[f"view_{m}" for m in _TREES]]},
    "维修工程师": {"knowledge": [f"view_{m}" for m in _TREES]},
    "运营": {"knowledge": ["publish_article", "view_articleversion", "view_diagnosiswalk",
                          *[f"{a}_{m}" for m in _TREES for a in ("view", "add", "change", "delete")]]},
}
