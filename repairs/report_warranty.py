"""The service report's 三包 section: the entitlement (options) and the decision, with their clauses.

Kept apart from the report's layout: ``repairs.reports`` passes its paragraph and table helpers in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from .warranty.card import decision_card

# Attachment ids of exclusion evidence inside a stored reason are for the back office, never printed.
_EVIDENCE_IDS = re.compile(r"（证据：[^）]*）| ?\(evidence: [^)]*\)")  # zh-hans and English wording


def _public(text: str) -> str:
    return _EVIDENCE_IDS.sub(_("（已附证据）"), text or "")


def warranty_section(decision: dict | None, *, p: Callable, table: Callable, styles: dict, width: float) -> list[Any]:
    """Flowables for the 三包 decision card of one repair order (empty verdict: one line saying so)."""
    card = decision_card(decision)
    if card is None:
        return [p(_("未做三包判定。"), styles["p"])]
    story: list[Any] = [p(card["summary"], styles["p"])]
    story.append(p(_("适用规定：%(reg)s；有效期：%(start)s 至 %(end)s%(ext)s") % {
        "reg": card["regulation"] or "—", "start": card["period_start"] or "—", "end": card["period_end"] or "—",
        "ext": ("（" + _("顺延") + "：" + "、".join(card["extensions"]) + "）") if card["extensions"] else ""},
        styles["small"]))
    rows = [[_("可选方式"), _("金额"), _("费用承担"), _("条款")]]
    rows += [[o["label"] + (f"（{o['note']}）" if o["note"] else ""), o["value"], o["payer"], o["clause"]]
             for o in card["options"]]
    story.append(table(rows, [width * 0.34, width * 0.18, width * 0.16, width * 0.32], styles))
    decided = card["decision"]
    if decided:
        line = _("处理决定（%(status)s）：消费者选择%(choice)s → %(remedy)s，%(value)s，费用由%(payer)s承担；依据 %(clause)s") % {
            "status": decided["status_label"], "choice": decided["choice"] or "—", "remedy": decided["remedy"] or "—",
            "value": decided["value"] or "—", "payer": decided["payer"] or "—", "clause": decided["clause"] or "—"}
        if decided["deadline"]:
            line += _("；退款期限 %(date)s") % {"date": decided["deadline"]}
        story.append(p(line, styles["p"]))
        for reason in decided["reasons"]:
            story.append(p(f"· {_public(reason['text'])}" + (f"（{reason['clause']}）" if reason["clause"] else ""),
                           styles["small"]))
    else:
        story.append(p(_("处理决定：待消费者选择退货、换货或维修。"), styles["p"]))
    if card["new_parts_required"]:
        story.append(p(_("本次三包维修须使用新的零部件。"), styles["p"]))
    # The engine's rule ids (C7, §5 …) are internal too: the customer reads the reason and its article.
    rows = [[_("理由"), _("依据条款")]]
    rows += [[_public(r["text"]), r["clause"]] for r in card["reasons"]]
    story.append(table(rows, [width * 0.68, width * 0.32], styles))
    for warning in card["warnings"]:
        story.append(p(warning, styles["small"]))
    return story
