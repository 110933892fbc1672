"""Move the flat fault categories onto the product line × fault family tree.

The earlier categories had no product line (``screen`` served phones, tablets and laptops) and one
node per appliance (``washer``). Each ticket's new leaf is chosen from the old code, the ticket's
product line (its product model) and, where one old node covered several families, the words of the
description. The old rows stay, deactivated, because price items, articles and survey answers of
other apps still point at them.
"""

from __future__ import annotations

import re

from django.db import migrations

# Old code -> family of the mobile lines (phone, tablet, laptop).
MOBILE_FAMILY = {
    "screen": "display", "battery": "battery", "charging": "charging", "no_power": "power_boot",
    "water_damage": "water_damage", "camera": "camera", "audio": "audio", "signal": "network",
    "buttons": "buttons_ports", "system": "software", "account": "software",
}
LEGACY_PREFIX = "legacy-"
LINE_OF_PRODUCT = {
    "phone": "phone", "wearable": "phone", "tablet": "tablet", "laptop": "laptop", "desktop": "laptop",
    "tv": "tv", "fridge": "fridge", "washer": "washer", "air_conditioner": "ac", "small_appliance": "other",
}
# Old appliance node -> [(pattern in the description, leaf)], the first match wins, the last is the default.
BY_WORDS = {
    "washer": [(r"排水|排不", "washer.draining"), (r"漏水|渗水", "washer.leaking"),
               (r"震|响|噪|跳", "washer.noise_vibration"), (r"", "washer.spinning")],
    "fridge_cooling": [(r"结冰|结霜|漏水|积水", "fridge.leak_ice"), (r"噪|响|嗡", "fridge.noise"),
                       (r"", "fridge.cooling")],
    "ac_cooling": [(r"[EeFfHhPp]\d|代码|故障码", "ac.error_code"), (r"噪|响", "ac.noise"),
                   (r"", "ac.cooling_heating")],
    "ac_leak": [(r"", "ac.leaking")],
    "tv_display": [(r"遥控", "tv.remote"), (r"投屏|联网|wifi|WiFi|app|APP|系统", "tv.smart_network"),
                   (r"条纹|竖线|横线|坏点|偏色|漏光|闪", "tv.display_defect"),
                   (r"没声音|无声音|杂音", "tv.sound"), (r"", "tv.no_picture")],
    "shipping": [(r"", "request.delivery")],
    "install": [(r"移机|搬家|拆", "request.relocation"), (r"", "request.installation")],
}


def new_code(old: str, product_category: str | None, text: str) -> str | None:
    """The leaf that a ticket of the old category ``old`` belongs to, or None for an unknown code."""
    if old in BY_WORDS:
        return next(leaf for pattern, leaf in BY_WORDS[old] if re.search(pattern, text or ""))
    family = MOBILE_FAMILY.get(old)
    if family is None:
        return None
    line = LINE_OF_PRODUCT.get(product_category or "", "phone")
    if line not in ("phone", "tablet", "laptop"):
        # A software or account issue of a smart TV; other appliances keep their one fault leaf.
        return "tv.smart_network" if line == "tv" and family == "software" else f"{line}.fault" if line == "other" else None
    if line == "laptop" and old == "buttons" and re.search(r"键盘|触控板|触摸板", text or ""):
        return "laptop.keyboard_touchpad"
    return f"{line}.{family}"


def remap(apps, schema_editor=None) -> None:
    from tickets.intake.taxonomy import taxonomy_upsert

    FaultCategory = apps.get_model("tickets", "FaultCategory")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    Ticket = apps.get_model("tickets", "Ticket")
    TriageResult = apps.get_model("tickets", "TriageResult")
    TriageCorrection = apps.get_model("tickets", "TriageCorrection")

    # The old single washer node has the code the new washer product line takes.
    FaultCategory.objects.filter(code="washer", parent__code="appliance").update(code=LEGACY_PREFIX + "washer")
    new = taxonomy_upsert(category_model=FaultCategory, policy_model=SlaPolicy)
    old = {c.pk: c for c in FaultCategory.objects.exclude(code__in=list(new))
           if c.code.removeprefix(LEGACY_PREFIX) in MOBILE_FAMILY or c.code.removeprefix(LEGACY_PREFIX) in BY_WORDS}
    if not old:
        return

    def target(category_id, product_category, text):
        category = old.get(category_id)
        code = new_code(category.code.removeprefix(LEGACY_PREFIX), product_category, text) if category else None
        return new[code].pk if code in new else None

    tickets = (Ticket.objects.filter(fault_category_id__in=list(old)) | Ticket.objects.filter(
        predicted_category_id__in=list(old))).values_list(
        "pk", "fault_category_id", "predicted_category_id", "product_model__category", "description")
    for pk, fault_id, predicted_id, product_category, text in tickets.iterator():
        updates = {}
        if fault_id in old:
            updates["fault_category_id"] = target(fault_id, product_category, text)
        if predicted_id in old:
            updates["predicted_category_id"] = target(predicted_id, product_category, text)
        updates = {k: v for k, v in updates.items() if v is not None}
        if updates:
            Ticket.objects.filter(pk=pk).update(**updates)
            if "predicted_category_id" in updates:
                TriageResult.objects.filter(ticket_id=pk).update(predicted_category_id=updates["predicted_category_id"])
    for correction in TriageCorrection.objects.filter(to_category_id__in=list(old)).select_related(
            "ticket__product_model").iterator():
        product_category = correction.ticket.product_model.category if correction.ticket.product_model_id else None
        to_id = target(correction.to_category_id, product_category, correction.ticket.description)
        if to_id is not None:
            TriageCorrection.objects.filter(pk=correction.pk).update(to_category_id=to_id)
    # The old nodes' SLA policies are replaced by the leaves' own.
    SlaPolicy.objects.filter(fault_category_id__in=list(old)).update(is_active=False)
    parents = {c.parent_id for c in old.values() if c.parent_id}
    FaultCategory.objects.filter(pk__in=[*old, *parents]).exclude(code__in=list(new)).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0027_service_taxonomy"),
    ]

    operations = [
        migrations.RunPython(remap, migrations.RunPython.noop),
    ]
