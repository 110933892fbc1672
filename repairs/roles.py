"""Role grants of the workshop models (merged into tickets.roles by ``role_permissions``)."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "维修工程师": {"repairs": ["view_quote", "add_quote", "view_quoteline", "view_pricelistitem", "view_fittedpart",
                               "add_fittedpart", "view_repairvisit", "view_warrantycard", "view_repairrecord",
                               "view_qcinspection", "change_repairorder", "add_repairorder"]},
    "质检": {"repairs": ["view_quote", "view_quoteline", "view_fittedpart", "view_qcinspection", "add_qcinspection",
                         "view_warrantycard", "view_repairrecord", "view_qcqueueorder", "change_qcqueueorder"]},
    "网点经理": {"repairs": ["view_quote", "view_quoteline", "view_pricelistitem", "view_fittedpart",
                             "view_repairvisit", "view_warrantycard", "view_repairrecord", "view_qcinspection",
                             "view_repairstatuschange", "change_repairorder", "view_qcqueueorder",
                             "change_qcqueueorder", "view_warrantyruleset", "view_windowcapacity",
                             "add_windowcapacity", "change_windowcapacity", "view_appointment", "view_routeplan",
                             "view_privacybinding"]},
    "调度": {"repairs": ["view_appointment", "view_routeplan", "view_windowcapacity", "view_privacybinding"]},
    "客服": {"repairs": ["view_quote", "view_quoteline", "view_pricelistitem", "view_warrantycard",
                         "view_repairrecord", "view_appointment"]},
    "运营": {"repairs": ["view_pricelistitem", "add_pricelistitem", "change_pricelistitem", "view_warrantyruleset",
                         "add_warrantyruleset", "change_warrantyruleset", "view_repairorder", "view_quote",
                         "view_warrantycard", "view_repairrecord"]},
}
