"""The service report (维修服务报告) as a Chinese PDF, with reportlab's built-in CJK font.

``STSong-Light`` is one of the CID fonts every PDF reader ships (Adobe's Asian font packs), so the
PDF shows Chinese on a fresh machine without any font file (the font is referenced, not embedded).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tickets.validators import mask_phone

from .models import RepairOrder
from .report_warranty import warranty_section
from .selectors import report_context

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=22, alignment=TA_CENTER, spaceAfter=4),
        "h": ParagraphStyle("h", parent=base, fontSize=11, leading=15, spaceBefore=7, spaceAfter=3,
                            textColor=colors.HexColor("#1f3b73"), keepWithNext=1),
        "p": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], st: dict, *, header: bool = True) -> Table:
    data = [[c if isinstance(c, (Paragraph, Image)) else _p(c, st["cell"]) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    table.setStyle(TableStyle(style))
    return table


def _signature(attachment, st) -> Any:
    if attachment is None or not attachment.file:
        return _p(_("（未签名）"), st["small"])
    try:
        with attachment.file.open("rb") as fh:
            data = io.BytesIO(fh.read())
    except OSError:
        return _p(_("（签名文件缺失）"), st["small"])
    ratio = (attachment.height or 1) / (attachment.width or 1)
    return Image(data, width=45 * mm, height=min(45 * mm * ratio, 20 * mm))


def service_report_pdf(*, repair_order: RepairOrder) -> bytes:
    """Render the service report of one repair order to PDF bytes (A4, Chinese)."""
    ctx = report_context(repair_order_id=repair_order.pk)
    ro, ticket = ctx["repair_order"], ctx["ticket"]
    st = _styles()
    device = ticket.device
    customer = ticket.customer
    width = A4[0] - 30 * mm
    story: list[Any] = [
        _p(_("维修服务报告"), st["title"]),
        _p(_("工单号 %(number)s · 维修单 RO-%(ro)s · 打印时间 %(now)s")
           % {"number": ticket.number, "ro": ro.pk, "now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
           st["small"]),
        Spacer(1, 4),
    ]
    model = device.product_model if device else ticket.product_model
    story.append(_table([
        [_("客户"), customer.name, _("电话"), mask_phone(customer.phone)],
        [_("产品型号"), str(model or "—"), _("序列号/IMEI"), device.serial_number if device else "—"],
        [_("购买日期"), getattr(device, "purchase_date", None) or "—", _("发票号"),
         getattr(device, "invoice_number", "") or "—"],
        [_("服务网点"), ro.center.name if ro.center else "—", _("维修工程师"), ro.technician.name if ro.technician else "—"],
        [_("送修时间"), timezone.localtime(ro.received_at).strftime("%Y-%m-%d %H:%M"), _("交验时间"),
         timezone.localtime(ro.returned_at).strftime("%Y-%m-%d %H:%M") if ro.returned_at else "—"],
    ], [22 * mm, width / 2 - 22 * mm, 24 * mm, width / 2 - 24 * mm], st, header=False))

    story.append(_p(_("一、故障与处理"), st["h"]))
    story.append(_table([
        [_("报修描述"), ticket.description],
        [_("故障现象"), f"{ro.fault_label}（{ro.fault_code}）" if ro.fault_code else "—"],
        [_("检测结果"), ro.findings],
        [_("故障原因"), ro.cause],
        [_("处理情况"), ro.work_done],
    ], [24 * mm, width - 24 * mm], st, header=False))

    story.append(_p(_("二、更换备件"), st["h"]))
    rows = [[_("备件"), _("物料编码"), _("新件序列号"), _("旧件序列号")]]
    rows += [[f.part.name, f.part.sku, f.serial, f.old_serial] for f in ctx["fitted"]]
    if len(rows) == 1:
        rows.append([_("未更换备件"), "", "", ""])
    story.append(_table(rows, [width * 0.34, width * 0.2, width * 0.23, width * 0.23], st))

    story.append(_p(_("三、费用明细"), st["h"]))
    quote = ctx["quote"]
    rows = [[_("项目"), _("数量"), _("单价"), _("金额"), _("说明")]]
    for line in ctx["lines"]:
        rows.append([line.description, line.quantity, f"¥{line.unit_price}",
                     _("¥0.00（原价 ¥%(a)s）") % {"a": line.amount} if line.is_free else f"¥{line.amount}",
                     line.free_reason if line.is_free else ""])
    total = quote.total if quote else Decimal("0.00")
    rows.append([_("应付合计"), "", "", f"¥{total}",
                 _("报价 v%(v)s，%(who)s 于 %(at)s 签字确认") % {
                     "v": quote.version, "who": quote.signer_name,
                     "at": timezone.localtime(quote.approved_at).strftime("%Y-%m-%d %H:%M")} if quote else ""])
    story.append(_table(rows, [width * 0.3, width * 0.08, width * 0.14, width * 0.18, width * 0.3], st))

    story.append(_p(_("四、三包判定"), st["h"]))
    story.extend(warranty_section(ro.warranty_decision, p=_p, table=_table, styles=st, width=width))

    story.append(_p(_("五、维修保修"), st["h"]))
    story.append(_p(_("本次维修自交验之日起保修 %(days)s 天（不少于 30 天）；同一故障在交验后 30 日内复发，免费修理。")
                    % {"days": ro.repair_warranty_days}, st["p"]))
    if ctx["inspections"]:
        last = ctx["inspections"][0]
        story.append(_p(_("质检：%(result)s（%(who)s，%(at)s；返工 %(n)s 次）") % {
            "result": last.get_result_display(), "who": getattr(last.inspector, "username", "—"),
            "at": timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M"), "n": ro.rework_count},
            st["small"]))

    card = ctx["card"]
    story.append(_p(_("六、三包凭证与维修记录"), st["h"]))
    if card is not None:
        story.append(_p(_("凭证编号 %(no)s · 销售者 %(seller)s · 销售日期 %(date)s · 修理者 %(repairer)s")
                        % {"no": card.number, "seller": card.seller or "—", "date": card.sale_date or "—",
                           "repairer": card.repairer or "—"}, st["small"]))
    rows = [[_("送修日期"), _("送修故障"), _("故障原因"), _("处理情况及退换货证明"), _("交验日期"), _("维修人员")]]
    for record in ctx["records"]:
        handling = record.handling + (_("（退换货证明）") if record.is_refund_or_exchange_certificate else "")
        rows.append([record.received_on, record.fault_reported[:60], record.cause, handling,
                     record.returned_on or "—", record.technician.name if record.technician else "—"])
    if len(rows) == 1:
        rows.append([_("本次维修交机后写入"), "", "", "", "", ""])
    story.append(_table(rows, [width * 0.13, width * 0.22, width * 0.17, width * 0.24, width * 0.13, width * 0.11],
                        st))

    story.append(_p(_("七、签字"), st["h"]))
    story.append(_table([
        [_("维修工程师签字"), _signature(ro.technician_signature, st), _("客户签字"),
         _signature(ro.customer_signature, st)],
    ], [26 * mm, width / 2 - 26 * mm, 20 * mm, width / 2 - 20 * mm], st, header=False))

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=_("维修服务报告") + f" {ticket.number}", author=_("售后服务"))
    doc.build(story)
    return out.getvalue()


def service_report_download(request, token: str, pk: int):
    """The customer downloads the report of a finished job with the ticket's tracking token (no login)."""
    from django.http import Http404, HttpResponse

    order = (RepairOrder.objects.select_related("ticket")
             .filter(pk=pk, ticket__tracking_token=token, status__in=RepairOrder.FINAL_STATES).first())
    if order is None:
        raise Http404
    response = HttpResponse(service_report_pdf(repair_order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-report-{order.ticket.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
