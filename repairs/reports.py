"""The service report (维修服务报告) as a Chinese PDF that draws the same on every viewer.

The PDF embeds its font: Noto Sans SC (SIL OFL 1.1, ``repairs/fonts``, TrueType outlines so reportlab
can embed it), as a subset holding only the glyphs the report uses, which keeps a report to tens of
kilobytes. A font that is only referenced (such as the Adobe CID font STSong-Light) is drawn by the
viewer's own fonts, and pdfium, poppler or a phone's built-in viewer without a Chinese system font
draws nothing.
"""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tickets.masking import mask_phone

from .models import RepairOrder
from .payments.selectors import payment_due
from .report_warranty import warranty_section
from .selectors import report_context, staff_display_name

FONT = "NotoSansSC-Report"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Report.ttf"
MISSING_GLYPH = "□"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        # TTFont embeds a subset of the glyphs used (reportlab's default for TrueType fonts).
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


@cache
def _drawable_codes() -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(_font()).face.charToGlyph)


def drawable(text: str) -> str:
    """``text`` with every character the embedded font cannot draw replaced by a visible box, so a
    stray emoji prints as □ rather than as an empty or undefined glyph."""
    codes = _drawable_codes()
    return "".join(ch if ord(ch) in codes or ch in "\n\r\t" else MISSING_GLYPH for ch in text)


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
        "brand": ParagraphStyle("brand", parent=base, fontSize=13, leading=17, textColor=colors.HexColor("#1f3b73")),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    text = drawable(str(text if text not in (None, "") else "—"))
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], st: dict, *, header: bool = True,
           grid: bool = True) -> Table:
    data = [[c if isinstance(c, (Paragraph, Image, Table)) else _p(c, st["cell"]) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    # the cell font too: reportlab's tables otherwise name Helvetica, a font no report embeds
    style = [("FONTNAME", (0, 0), (-1, -1), _font()), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if grid:
        style.append(("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")))
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    table.setStyle(TableStyle(style))
    return table


def _image(field_file, *, max_width: float, max_height: float) -> Image | None:
    """A stored picture (signature, logo, seal) scaled into the box, re-encoded small: a phone's
    full-size signature canvas would otherwise weigh more than the whole report."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as fh:
            picture = PILImage.open(io.BytesIO(fh.read()))
            picture.load()
    except (OSError, ValueError, UnidentifiedImageError):
        return None
    picture.thumbnail((600, 300))
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA")
    data = io.BytesIO()
    picture.save(data, format="PNG", optimize=True)
    data.seek(0)
    scale = min(max_width / picture.width, max_height / picture.height)
    return Image(data, width=picture.width * scale, height=picture.height * scale, mask="auto")


def _signature(attachment, name: str, st) -> Any:
    """The signature image (where one was captured) above the signer's name."""
    if attachment is None:
        mark = _p(_("（未签名）"), st["small"])
    else:
        mark = _image(attachment.file, max_width=45 * mm, max_height=18 * mm) or _p(_("（签名文件缺失）"), st["small"])
    cells = [[mark]]
    if name:
        cells.append([_p(name, st["small"])])
    return _table(cells, [50 * mm], st, header=False, grid=False)


def _header(branding, st, width: float) -> Table:
    logo = _image(branding.logo, max_width=28 * mm, max_height=16 * mm)
    lines = [_p(branding.provider_name, st["brand"])]
    detail = " · ".join(str(x) for x in (branding.brand_name, branding.service_phone and
                                         _("服务热线 %(phone)s") % {"phone": branding.service_phone},
                                         branding.address) if x)
    if detail:
        lines.append(_p(detail, st["small"]))
    logo_width = 32 * mm if logo is not None else 0
    text = _table([[line] for line in lines], [width - logo_width], st, header=False, grid=False)
    table = Table([[logo, text]] if logo is not None else [[text]],
                  colWidths=[logo_width, width - logo_width] if logo is not None else [width])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _font()), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1f3b73")),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


def _stamp(branding, st) -> Table:
    """服务单位（盖章）: the provider's name with the 服务专用章 image over it, where one is configured."""
    seal = _image(branding.seal, max_width=30 * mm, max_height=30 * mm)
    cells = [[_p(branding.provider_name, st["cell"])]]
    if seal is not None:
        cells.append([seal])
    table = _table(cells, [60 * mm], st, header=False, grid=False)
    return table


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _paid_rows(repair_order: RepairOrder) -> list[list[Any]]:
    """The paid line under the total: what was received, how and when (and any refund), or that the
    fee is still outstanding."""
    due = payment_due(ticket=repair_order.ticket, repair_order=repair_order)
    if due is None:
        return []
    paid = due.settled
    if paid is None:
        rows = [[_("已付"), "", "", "¥0.00", _("未付款")]]
        deferral = due.deferral
        if deferral is not None:
            rows.append([_("暂缓收款"), "", "", f"¥{deferral.amount}",
                         _("%(kind)s：%(reason)s（%(by)s，%(at)s）") % {
                             "kind": deferral.get_kind_display(), "reason": deferral.reason,
                             "by": staff_display_name(deferral.recorded_by) or "—",
                             "at": _when(deferral.created_at)}])
        return rows
    rows = [[_("已付"), "", "", f"¥{paid.amount}",
             _("%(method)s，%(at)s") % {"method": paid.get_method_display(), "at": _when(paid.paid_at)}]]
    if paid.refunded_amount:
        rows.append([_("已退款"), "", "", f"¥{paid.refunded_amount}", paid.get_status_display()])
    return rows


def service_report_pdf(*, repair_order: RepairOrder) -> bytes:
    """Render the service report of one repair order to PDF bytes (A4, Chinese, font embedded)."""
    ctx = report_context(repair_order_id=repair_order.pk)
    ro, ticket, branding = ctx["repair_order"], ctx["ticket"], ctx["branding"]
    st = _styles()
    device = ticket.device
    customer = ticket.customer
    width = A4[0] - 30 * mm
    technician_name = ro.technician.name if ro.technician else ""
    number = _("工单号 %(number)s") % {"number": ticket.number}
    if ctx["ordinal"] > 1:
        number += " · " + _("第 %(n)s 次维修") % {"n": ctx["ordinal"]}
    story: list[Any] = [
        _header(branding, st, width),
        Spacer(1, 5),
        _p(_("维修服务报告"), st["title"]),
        _p(number + " · " + _("打印时间 %(now)s") % {"now": _when(timezone.now())}, st["small"]),
        Spacer(1, 4),
    ]
    model = device.product_model if device else ticket.product_model
    story.append(_table([
        [_("客户"), customer.name, _("电话"), mask_phone(customer.phone)],
        [_("产品型号"), str(model or "—"), _("序列号/IMEI"), device.serial_number if device else "—"],
        [_("购买日期"), getattr(device, "purchase_date", None) or "—", _("发票号"),
         getattr(device, "invoice_number", "") or "—"],
        [_("服务网点"), ro.center.name if ro.center else "—", _("维修工程师"), technician_name or "—"],
        [_("送修时间"), _when(ro.received_at), _("交验时间"), _when(ro.returned_at)],
    ], [22 * mm, width / 2 - 22 * mm, 24 * mm, width / 2 - 24 * mm], st, header=False))

    story.append(_p(_("一、故障与处理"), st["h"]))
    story.append(_table([
        [_("报修描述"), ticket.description],
        [_("故障现象"), ro.fault_label or "—"],
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
                 _("报价第 %(v)s 版，%(who)s 于 %(at)s 签字确认") % {
                     "v": quote.version, "who": quote.signer_name, "at": _when(quote.approved_at)} if quote else ""])
    rows.extend(_paid_rows(ro))
    story.append(_table(rows, [width * 0.3, width * 0.08, width * 0.14, width * 0.18, width * 0.3], st))

    story.append(_p(_("四、三包判定"), st["h"]))
    story.extend(warranty_section(ro.warranty_decision, p=_p, table=_table, styles=st, width=width))

    story.append(_p(_("五、维修保修"), st["h"]))
    story.append(_p(_("本次维修自交验之日起保修 %(days)s 天（不少于 30 天）；同一故障在交验后 30 日内复发，免费修理。")
                    % {"days": ro.repair_warranty_days}, st["p"]))
    if ctx["inspections"]:
        last = ctx["inspections"][0]
        story.append(_p(_("质检：%(result)s（质检员 %(who)s，%(at)s；返工 %(n)s 次）") % {
            "result": last.get_result_display(), "who": staff_display_name(last.inspector) or "—",
            "at": _when(last.created_at), "n": ro.rework_count}, st["small"]))

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

    story.append(KeepTogether([_p(_("七、签字与盖章"), st["h"]), _table([
        [_("维修工程师签字"), _signature(ro.technician_signature, technician_name, st), _("客户签字"),
         _signature(ro.customer_signature, "", st)],
        [_("服务单位（盖章）"), _stamp(branding, st), _("日期"), _when(ro.returned_at or timezone.now())[:10]],
    ], [29 * mm, width / 2 - 29 * mm, 20 * mm, width / 2 - 20 * mm], st, header=False)]))
    if branding.footer:
        story += [Spacer(1, 4), _p(branding.footer, st["small"])]

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=14 * mm, title=_("维修服务报告") + f" {ticket.number}",
                            author=str(branding.provider_name),
                            # the canvas would otherwise open every page with Helvetica, a font that is
                            # referenced, not embedded
                            initialFontName=_font(), initialFontSize=9)
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
