"""The 三包 decision card: a stored verdict (``Verdict.as_dict()``) made readable in the reader's language.

One reading for the customer's page, the admin and the service-report PDF, so the three never
disagree. Sentences are re-translated from their stored messages; verdicts stored before messages
were kept (only ``text``) are shown as stored.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from .types import Choice, CostBearer, DecisionStatus, Remedy, render


def _text(item: dict[str, Any], key: str = "text", message_key: str = "message", params_key: str = "params") -> str:
    if item.get(message_key):
        try:
            return render(item[message_key], item.get(params_key) or {})
        except (KeyError, TypeError, ValueError):
            pass  # a catalogue entry with other placeholders: the stored sentence is still right
    return str(item.get(key) or "")


def _label(labels: dict, code: str) -> str:
    return str(labels.get(code, code)) if code else ""


def _money(amount: str | None) -> str:
    return f"¥{amount}" if amount not in (None, "") else ""


def _reasons(items: list) -> list[dict[str, str]]:
    return [{"rule": r.get("rule", ""), "text": _text(r), "clause": gettext(r["clause"]) if r.get("clause") else ""}
            for r in items or [] if isinstance(r, dict) and (r.get("text") or r.get("message"))]


def _value(remedy: str, amount: str | None) -> str:
    """What the remedy means in money for the consumer."""
    if remedy in Remedy.REFUNDS:
        return gettext("退款 %(amount)s") % {"amount": _money(amount)} if amount is not None else gettext("退款金额待定")
    if remedy == Remedy.PAID_REPAIR:
        return gettext("按报价收费")
    return gettext("免费")


def decision_card(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The verdict as display data: summary, period, options, the decision and the reasons with clauses."""
    if not data or not (data.get("summary") or data.get("summary_message")):
        return None
    period = data.get("period") or {}
    options = data.get("options")
    if options is None:  # a verdict stored before options had amounts: rebuild them from the remedy list
        costs = data.get("remedy_costs") or {}
        options = [{"remedy": r, "payer": costs.get(r, data.get("cost_bearer", "")), "clause": "", "amount": None}
                   for r in data.get("remedies") or []]
        if not options:  # an intake preview carries labels only
            options = [{"label": label, "payer_label": data.get("cost_bearer_label", "")}
                       for label in data.get("remedy_labels") or []]
    rows = [{
        "remedy": o.get("remedy", ""),
        "label": _label(Remedy.LABELS, o["remedy"]) if o.get("remedy") else gettext(o.get("label") or "—"),
        "payer": _label(CostBearer.LABELS, o["payer"]) if o.get("payer") else o.get("payer_label", ""),
        "value": _value(o["remedy"], o.get("amount")) if o.get("remedy") else "",
        "amount": o.get("amount"),
        "clause": gettext(o["clause"]) if o.get("clause") else "",
        "deadline": o.get("deadline") or "",
        "note": _text(o, "note", "note_message", "note_params"),
    } for o in options]
    decision = None
    stored = data.get("decision") or {}
    if stored.get("status") and stored["status"] != DecisionStatus.PENDING:
        decision = {
            "status": stored["status"],
            "status_label": _label(DecisionStatus.LABELS, stored["status"]),
            "choice": _label(Choice.LABELS, stored.get("choice", "")),
            "remedy": _label(Remedy.LABELS, stored.get("remedy", "")),
            "payer": _label(CostBearer.LABELS, stored.get("payer", "")),
            "value": _value(stored.get("remedy", ""), stored.get("amount")) if stored.get("remedy") else "",
            "amount": stored.get("amount"),
            "clause": gettext(stored["clause"]) if stored.get("clause") else "",
            "deadline": stored.get("deadline") or "",
            "reasons": _reasons(stored.get("reasons") or []),
            "blocked": stored["status"] == DecisionStatus.BLOCKED,
        }
    extensions = [gettext("%(note)s %(days)s 日") % {"note": gettext(e["note"]) if e.get("note") else "",
                                                    "days": e.get("days")}
                  for e in period.get("extensions") or []]
    summary = _text(data, "summary", "summary_message", "summary_params")
    if data.get("preview") and data.get("summary_message"):
        summary = gettext("预判：%(summary)s（以检测结论为准）") % {"summary": summary}
    return {
        "summary": summary,
        "in_warranty": bool(data.get("in_warranty")),
        "preview": bool(data.get("preview")),
        "remedies": [r["label"] for r in rows],
        "cost_bearer": _label(CostBearer.LABELS, data["cost_bearer"]) if data.get("cost_bearer")
        else data.get("cost_bearer_label", ""),
        "options": rows,
        "decision": decision,
        "decision_pending": decision is None,
        "period_label": gettext(period["label"]) if period.get("label") else "",
        "period_start": period.get("start") or "",
        "period_end": period.get("end") or "",
        "extensions": extensions,
        "reasons": _reasons(data.get("reasons") or []),
        "regulation": gettext(data["regulation"]) if data.get("regulation") else "",
        "exclusion": data.get("exclusion", ""),
        "new_parts_required": bool(data.get("new_parts_required")),
        "depreciation_blocked": bool(data.get("depreciation_blocked")),
        "warnings": [gettext(w) for w in data.get("warnings") or [] if w],
    }

