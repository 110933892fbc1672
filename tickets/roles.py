"""Staff roles as groups with model permissions. Applied by migrations and ``manage.py sync_roles``.

Later apps extend ROLE_PERMISSIONS and add a migration that calls ``roles_sync`` again.
Codenames that do not exist yet are skipped, so the mapping may name models of later migrations.
"""

from __future__ import annotations

from typing import Any

AGENT, DISPATCHER, MANAGER, TECHNICIAN, QC, WAREHOUSE, OPS = (
    "客服", "调度", "网点经理", "维修工程师", "质检", "仓管", "运营",
)
# receives fault-spike alerts and reads the fault analytics to feed design defects back to the maker
PRODUCT_QUALITY = "产品质量"
ROLES = [AGENT, DISPATCHER, MANAGER, TECHNICIAN, QC, WAREHOUSE, OPS, PRODUCT_QUALITY]

_view = lambda *models: [f"view_{m}" for m in models]  # noqa: E731
_crud = lambda *models: [f"{a}_{m}" for m in models for a in ("view", "add", "change")]  # noqa: E731

ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    AGENT: {
        "tickets": [*_crud("customer", "device", "ticket", "attachment"), *_view("productmodel", "faultcategory",
                    "ticketevent", "slaclock", "slaledgerentry", "outboxmessage", "invoicerequest",
                    "triagecorrection", "ticketassignment"), *_crud("phoneintake", "triageresult",
                    "triagequeueticket"), "triage_ticket", "close_ticket", "add_ticketevent", "view_full_contact"],
        "repairs": _view("servicecenter", "technician", "repairorder"),
        "knowledge": _view("article"),
        "surveys": _view("survey", "invitation", "response"),
    },
    DISPATCHER: {
        "tickets": [*_view("customer", "device", "productmodel", "faultcategory", "ticketevent", "attachment",
                           "slaclock", "slaledgerentry", "calendarday", "slapolicy"),
                    *_crud("ticketassignment", "dispatchqueueticket", "triagequeueticket", "triageresult"),
                    "view_ticket", "change_ticket", "triage_ticket", "assign_ticket", "view_all_centers",
                    "view_full_contact"],
        "repairs": [*_view("servicecenter", "repairorder"), "view_technician", "change_technician"],
        "parts": _view("part", "location", "stocklevel"),
    },
    MANAGER: {
        "tickets": [*_view("customer", "device", "productmodel", "faultcategory", "ticketevent", "attachment",
                           "slaclock", "slaledgerentry", "ticketassignment", "calendarday", "outboxmessage"),
                    "view_ticket", "change_ticket", "triage_ticket", "assign_ticket", "work_ticket", "qc_ticket",
                    "close_ticket", "view_full_contact"],
        "repairs": [*_view("servicecenter", "repairorder"), *_crud("technician")],
        "parts": _view("part", "location", "stocklevel", "stockmovement"),
        "surveys": _view("survey", "invitation", "response"),
        "knowledge": _view("article"),
    },
    TECHNICIAN: {
        "tickets": [*_view("customer", "device", "productmodel", "faultcategory", "ticket", "ticketevent"),
                    "add_attachment", "view_attachment", "work_ticket"],
        "repairs": _view("servicecenter", "repairorder"),
        "parts": _view("part", "stocklevel"),
        "knowledge": _view("article"),
    },
    QC: {
        "tickets": [*_view("customer", "device", "productmodel", "faultcategory", "ticket", "ticketevent",
                           "attachment"), "qc_ticket"],
        "repairs": _view("servicecenter", "technician", "repairorder"),
    },
    WAREHOUSE: {
        "tickets": _view("productmodel"),
        "parts": [*_crud("part", "location", "stocklevel"), "view_stockmovement"],
        "repairs": _view("servicecenter", "technician"),
    },
    OPS: {
        "tickets": [*_crud("customer", "device", "productmodel", "faultcategory", "calendarday", "slapolicy",
                           "messagetemplate", "webhookendpoint", "intakechannelkey", "invoicerequest"),
                    *_view("outboxmessage", "webhookdelivery", "slaclock", "slaledgerentry", "ticketassignment",
                           "triageresult", "triagecorrection", "classifiermodel", "intakerecord"),
                    "view_ticket", "view_ticketevent", "view_all_centers"],
        "repairs": _crud("servicecenter", "technician"),
        "parts": _crud("part", "location", "stocklevel"),
        "knowledge": _crud("article"),
        "surveys": [*_crud("survey"), "view_invitation", "view_response"],
    },
    PRODUCT_QUALITY: {
        "tickets": _view("ticket", "productmodel", "faultcategory", "ticketevent", "attachment"),
    },
}
# the analytics pages and their rollups: managers (their centres), dispatch, ops and product quality
for _role in (MANAGER, DISPATCHER, OPS, PRODUCT_QUALITY):
    ROLE_PERMISSIONS[_role]["tickets"] += [*_view("ticketdailyrollup", "faultspikealert"), "change_faultspikealert"]


def role_permissions() -> dict[str, dict[str, list[str]]]:
    """The hub's mapping merged with every app's own ``<app>/roles.py`` ``ROLE_PERMISSIONS``.

    Apps declare their own grants (``{"仓管": {"parts": ["add_transfer", ...]}}``) so that this hub
    never imports them; they are found by module name at run time.
    """
    import importlib

    from django.apps import apps as global_apps

    merged: dict[str, dict[str, list[str]]] = {role: {k: list(v) for k, v in by_app.items()}
                                               for role, by_app in ROLE_PERMISSIONS.items()}
    for config in global_apps.get_app_configs():
        if config.name == "tickets":
            continue
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, by_app in getattr(module, "ROLE_PERMISSIONS", {}).items():
            for app_label, codenames in by_app.items():
                merged.setdefault(role, {}).setdefault(app_label, []).extend(codenames)
    return merged


def roles_sync(apps: Any = None) -> None:
    """Create every role group and give it exactly the permissions that exist for its mapping."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    for app_config in (apps or global_apps).get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=registry)
    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    for role, by_app in role_permissions().items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for app_label, codenames in by_app.items():
            wanted += list(
                permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.set(wanted)
