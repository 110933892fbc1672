"""Write services of the workshop. Import from here: ``repairs.services.quote_approve``."""

from __future__ import annotations

from .branding import report_branding_update
from .cards import job_sign_off, repair_hand_back, repair_record_write, warranty_card_for, warranty_card_issue
from .centers import service_center_save, service_centers_locate
from .diagnosis import (
    repair_diagnose,
    repair_order_open,
    repair_photos_add,
    repair_warranty_decide,
    visit_check_in,
    visit_check_out,
    visit_depart,
)
from .pricing import price_item_upsert, ticket_estimate
from .quotes import quote_approve, quote_create, quote_decline, quote_send
from .warranty import depreciation_rate_save, warranty_evaluate, warranty_preview
from .watch import repair_delay_watch
from .work import (
    qc_checklist_for,
    qc_fail,
    qc_gate_problems,
    qc_pass,
    repair_fit_part,
    repair_mark_unrepairable,
    repair_parts_arrived,
    repair_refund,
    repair_replace,
    repair_start,
    repair_submit_qc,
    repair_wait_parts,
)

__all__ = [
    "service_center_save",
    "service_centers_locate",
    "depreciation_rate_save", "repair_warranty_decide", "price_item_upsert", "qc_checklist_for", "qc_fail", "qc_gate_problems", "qc_pass", "quote_approve",
    "quote_create", "quote_decline", "quote_send", "repair_delay_watch", "report_branding_update", "repair_diagnose", "repair_fit_part",
    "job_sign_off", "repair_hand_back", "repair_mark_unrepairable", "repair_order_open", "repair_parts_arrived",
    "repair_photos_add", "repair_record_write", "repair_refund", "repair_replace", "repair_start",
    "repair_submit_qc", "repair_wait_parts", "ticket_estimate", "visit_check_in", "visit_check_out",
    "visit_depart", "warranty_card_for", "warranty_card_issue", "warranty_evaluate", "warranty_preview",
]
