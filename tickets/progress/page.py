"""Composition of the customer's progress page from every app (an interface module, so it may read every app's selectors).

Only ``tickets/views/progress.py`` imports this module. The hub's own reads are in ``selectors``;
here the page picks up the repair order and its quote (``repairs``), the survey invitation
(``surveys``) and the self-help articles (``knowledge``), each with a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from knowledge.models import Article
from knowledge.selectors import ticket_suggestions, tree_match
from repairs.models import Quote, RepairOrder
from repairs.reports import service_report_pdf
from repairs.warranty.card import decision_card
from surveys.models import Invitation
from surveys.services import invitation_signed_token

from ..models import InvoiceRequest, Ticket

S = Ticket.Status


@dataclass
class Action:
    """Something the customer has to do now."""

    key: str
    text: str
    url: str = ""
    button: str = ""
    primary: bool = True


@dataclass
class Extras:
    repair_order: Any = None
    quote: Any = None  # the quote waiting for the customer's decision, if any
    latest_quote: Any = None  # the latest quote the customer has seen (sent, approved or declined)
    survey_url: str = ""
    survey_answered: bool = False
    report_available: bool = False
    invoice: Any = None
    notes: list[str] = field(default_factory=list)


def ticket_extras(*, ticket: Ticket) -> Extras:
    """What other apps know about the ticket that the customer should see."""
    extras = Extras()
    extras.repair_order = ticket.repair_orders.select_related("center", "technician", "diagnosed_by__technician").order_by(
        "-created_at").first()
    if extras.repair_order is not None:
        latest = (
            Quote.objects.filter(repair_order_id=extras.repair_order.pk)
            .exclude(status__in=[Quote.Status.DRAFT, Quote.Status.SUPERSEDED])
            .order_by("-version")
            .first()
        )
        extras.latest_quote = latest
        if latest is not None and latest.status == Quote.Status.SENT:
            extras.quote = latest
    invitation = Invitation.objects.filter(ticket_id=ticket.pk).only("token", "status", "expires_at").first()
    if (invitation is not None and invitation.status in (Invitation.Status.PENDING, Invitation.Status.SENT)
            and invitation.expires_at > timezone.now()):
        # the survey link is the signed token (surveys' own credential), never the raw one
        extras.survey_url = reverse("surveys:answer",
                                    kwargs={"token": invitation_signed_token(invitation=invitation)})
    elif invitation is not None and invitation.status == Invitation.Status.ANSWERED:
        extras.survey_answered = True
    extras.report_available = (
        extras.repair_order is not None and extras.repair_order.status in RepairOrder.FINAL_STATES
    )
    extras.invoice = InvoiceRequest.objects.filter(ticket_id=ticket.pk).order_by("-created_at").first()
    return extras


def latest_verdict(*, ticket: Ticket, extras: Extras) -> dict | None:
    """The newest 三包 verdict: the repair order's binding decision once diagnosed, else the intake preview."""
    order = extras.repair_order
    if order is not None and order.warranty_decision:
        return order.warranty_decision
    return ticket.warranty_preview


def warranty_card(*, ticket: Ticket, extras: Extras) -> dict | None:
    """The one 三包 card of the page: the latest decision (the technician's binding verdict once
    diagnosed, else the intake preview) with who decided it and when. Later decisions (the
    consumer's choice of remedy) extend ``latest_verdict``; the card follows."""
    card = warranty_view(latest_verdict(ticket=ticket, extras=extras))
    if card is None:
        return None
    order = extras.repair_order
    if order is not None and order.warranty_decision:
        user = order.diagnosed_by
        tech = getattr(user, "technician", None) if user is not None and hasattr(user, "technician") else None
        name = tech.name if tech is not None else (order.technician.name if order.technician_id else "")
        card.update(binding=True, decided_at=order.warranty_decided_at,
                    decided_by=_("工程师 %(name)s 检测判定") % {"name": name} if name else _("工程师检测判定"))
    else:
        at = (ticket.warranty_preview or {}).get("decided_at")
        card.update(binding=False, decided_at=parse_datetime(at) if at else None,
                    decided_by=_("系统初步判断，以工程师检测为准"))
    return card


def price_view(*, ticket: Ticket, extras: Extras) -> dict | None:
    """The one price of the page: the quote once there is one, the estimate before."""
    quote = extras.latest_quote
    if quote is not None:
        status = {Quote.Status.SENT: _("待您确认"), Quote.Status.APPROVED: _("已确认"),
                  Quote.Status.DECLINED: _("已拒绝")}.get(quote.status, "")
        return {"kind": "quote", "label": _("维修报价"), "amount": f"¥{quote.total}", "status": status,
                "note": _("三包免费") if quote.total == 0 else ""}
    if ticket.price_min is None:
        return None
    amount = f"¥{ticket.price_min}"
    if ticket.price_max is not None and ticket.price_max != ticket.price_min:
        amount += f" – ¥{ticket.price_max}"
    return {"kind": "estimate", "label": _("预估费用"), "amount": amount, "status": "",
            "note": _("以工程师检测后的报价为准，报价需经您确认后才会维修。")}


def warranty_view(preview: dict | None) -> dict | None:
    """The 三包 verdict as the page shows it: the decision card (options with amounts, the decision, clauses)."""
    card = decision_card(preview)
    if card is None:
        return None
    card["reasons"] = card["reasons"][:6]
    return card


def next_actions(*, ticket: Ticket, extras: Extras) -> list[Action]:
    """What the customer must do next, most urgent first (empty: nothing, we keep them posted)."""
    token = ticket.tracking_token
    actions: list[Action] = []
    if extras.quote is not None:
        actions.append(Action(
            key="approve_quote", text=_("工程师已给出维修报价，请查看明细并确认或拒绝。"),
            url=f"/t/{token}/quote/{extras.quote.pk}/", button=_("查看并确认报价"),
        ))
    if ticket.status == S.WAITING_CUSTOMER and extras.quote is None:
        actions.append(Action(key="contact", text=_("工程师需要您补充信息，请留意来电或短信。")))
    center = ticket.service_center
    if ticket.status in (S.TRIAGED, S.ASSIGNED) and center is not None:
        if ticket.service_mode == "walk_in":
            actions.append(Action(key="bring_device", text=_("请携带设备及购机凭证前往 %(center)s（%(address)s）。")
                                  % {"center": center.name, "address": center.address}))
        elif ticket.service_mode == "mail_in":
            actions.append(Action(key="send_device", text=_("请在下方预约顺丰上门取件，或将设备寄至 %(center)s（%(address)s），并在包裹内附上工单号 %(number)s。")
                                  % {"center": center.name, "address": center.address, "number": ticket.number}))
        elif ticket.service_mode == "on_site":
            actions.append(Action(key="be_home", text=_("工程师将上门服务，请保持电话畅通。")))
    if ticket.status == S.READY:
        # the hand-back follows the service mode: at home, by courier, or at the counter
        if ticket.service_mode == "on_site":
            actions.append(Action(key="hand_back", text=_("维修已完成，请当面验机并签收。")))
        elif ticket.service_mode == "mail_in":
            actions.append(Action(key="ship_back", text=_("设备已修好，我们将尽快寄回，请留意物流信息。")))
        else:
            where = center.name if center is not None else _("服务网点")
            actions.append(Action(key="pick_up", text=_("设备已修好，请携带有效证件到 %(center)s 取机。")
                                  % {"center": where}))
    if extras.survey_url:
        actions.append(Action(key="survey", text=_("服务已完成，请花一分钟评价本次服务。"), url=extras.survey_url,
                              button=_("去评价")))
    return actions


def self_help(*, ticket: Ticket) -> dict:
    """Self-help for this product and fault: the best customer articles for the ticket's report, the
    guided diagnoses that match it, and a link to /help/ pre-filled with the product line and fault."""
    category = ticket.product_model.category if ticket.product_model_id else ""
    fault = ticket.fault_category.name if ticket.fault_category_id else ""
    suggestions = ticket_suggestions(ticket=ticket, limit=3, audience=Article.Audience.CUSTOMER)
    articles = [{"title": a.title, "url": reverse("knowledge:article", kwargs={"slug": a.slug})}
                for a in suggestions.articles]
    trees = [{"title": t.name, "url": reverse("knowledge:tree", kwargs={"slug": t.slug})}
             for t in tree_match(query=f"{fault} {ticket.title}", product_category=category or None, limit=2)]
    query = {k: v for k, v in (("category", category), ("q", fault)) if v}
    return {"help_url": reverse("knowledge:help") + (f"?{urlencode(query)}" if query else ""),
            "articles": articles, "trees": trees}


def service_report_bytes(*, ticket: Ticket) -> bytes | None:
    """The service report PDF of the ticket's latest repair order, once the work is done."""
    extras = ticket_extras(ticket=ticket)
    if not extras.report_available:
        return None
    return service_report_pdf(repair_order=extras.repair_order)
