"""The back office's admin site: the stock Django admin, with a home page per role and task navigation.

Every app keeps registering its ``ModelAdmin`` classes on ``django.contrib.admin.site`` as usual;
``BackOfficeAdminConfig`` (listed in ``INSTALLED_APPS`` instead of ``django.contrib.admin``) only makes that
default site an instance of ``BackOfficeSite``. The site adds:

- ``index``: the signed-in person's work for their role (panels registered in ``tickets.admin_home``
  by each app's ``admin_home`` module), with a tab per role they hold;
- ``get_app_list``: the side navigation grouped by task (receive, dispatch, workshop, parts, ...)
  instead of by Django app; an app's own index page keeps the stock listing;
- the analytics pages under ``/admin/analytics/``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

# task group -> the models it lists, in reading order (a model absent here goes to its app's group)
TASK_GROUPS: list[tuple[str, object, list[str]]] = [
    ("receive", _("受理与客服"), ["tickets.phoneintake", "tickets.ticket", "tickets.triagequeueticket",
                                  "tickets.customer", "tickets.device", "tickets.attachment", "tickets.ticketevent",
                                  "surveys.followup"]),
    ("dispatch", _("派工与现场"), ["tickets.dispatchqueueticket", "repairs.technician", "tickets.ticketassignment",
                                   "repairs.repairvisit", "repairs.appointment", "repairs.appointmentslot",
                                   "repairs.windowcapacity", "repairs.routeplan", "logistics.shipment",
                                   "repairs.privacybinding", "repairs.servicecenter"]),
    ("workshop", _("维修与质检"), ["repairs.repairorder", "repairs.qcqueueorder", "repairs.qcinspection",
                                   "repairs.quote", "repairs.quoteline", "repairs.fittedpart", "repairs.repairrecord",
                                   "repairs.repairstatuschange",
                                   "repairs.warrantycard", "knowledge.diagnosiswalk"]),
    ("parts", _("备件与库存"), ["parts.lowstockalert", "parts.stocklevel", "parts.transfer", "parts.reservation",
                                "parts.part", "parts.location", "parts.serialunit", "parts.stockmovement",
                                "parts.demandforecast", "parts.jobpartsreconciliation", "parts.defectivereturn",
                                "parts.supplierclaim"]),
    ("billing", _("收费与开票"), ["payments.payment", "payments.paymentdeferral", "tickets.invoicerequest",
                                 "payments.paymentnotification"]),
    ("quality", _("满意度与质量"), ["surveys.response", "surveys.technicianalert", "surveys.invitation",
                                   "surveys.survey", "tickets.faultspikealert"]),
    ("reports", _("报表分析"), ["tickets.ticketdailyrollup", "tickets.faultmonthlyrollup", "tickets.techniciandailyrollup",
                                "tickets.centredailyrollup", "tickets.centremonthlyrollup", "tickets.partdailyrollup",
                                "tickets.rollupstate"]),
    ("sla", _("时效与 SLA"), ["tickets.slaclock", "tickets.slaledgerentry", "tickets.slapolicy",
                               "tickets.calendarday"]),
    ("knowledge", _("知识库"), ["knowledge.article", "knowledge.diagnosistree", "knowledge.articleversion",
                               "knowledge.diagnosisnode", "knowledge.diagnosisanswer"]),
    ("data", _("基础数据与导入"), ["tickets.datajob", "tickets.productmodel", "tickets.faultcategory", "repairs.pricelistitem",
                                    "repairs.warrantyruleset", "repairs.depreciationrate", "repairs.reportbranding",
                                    "tickets.triageresult", "tickets.triagecorrection", "tickets.classifiermodel"]),
    ("messages", _("消息与集成"), ["tickets.outboxmessage", "tickets.messagetemplate", "tickets.webhookendpoint",
                                   "tickets.webhookdelivery", "tickets.intakechannelkey", "tickets.intakerecord",
                                   "tickets.shortlink", "tickets.onetimecode", "tickets.idempotencyrecord",
                                   "tickets.ticketsequence", "rest_framework_api_key.apikey"]),
    ("accounts", _("账号与权限"), ["auth.user", "auth.group", "knox.authtoken", "axes.accessattempt",
                                  "axes.accessfailurelog", "axes.accesslog"]),
]


def group_by_task(app_list: list[dict]) -> list[dict]:
    """The stock app list regrouped by task; models no task names stay under their app, after the tasks."""
    by_label = {}
    for app in app_list:
        for model in app["models"]:
            by_label[f"{app['app_label']}.{model['object_name'].lower()}"] = (app, model)
    taken: set[str] = set()
    grouped = []
    for key, name, labels in TASK_GROUPS:
        models = [by_label[label][1] for label in labels if label in by_label]
        if not models:
            continue
        taken.update(label for label in labels if label in by_label)
        first_app = by_label[next(label for label in labels if label in by_label)][0]
        grouped.append({"name": name, "app_label": f"task-{key}", "app_url": first_app["app_url"],
                        "has_module_perms": True, "models": models})
    for app in app_list:
        rest = [m for m in app["models"] if f"{app['app_label']}.{m['object_name'].lower()}" not in taken]
        if rest:
            grouped.append({**app, "models": rest})
    return grouped


def report_pages(request) -> list[dict]:
    """The analytics pages as navigation entries (shaped like the admin's model entries)."""
    from django.urls import reverse

    from tickets.analytics.views import PAGES, can_view

    if not can_view(request.user):
        return []
    return [{"name": label, "object_name": f"report_{key}", "admin_url": reverse(f"admin:analytics_{key}"),
             "add_url": None, "view_only": True, "perms": {"view": True}} for key, label in PAGES]


class BackOfficeSite(AdminSite):
    index_template = "admin/backoffice/home.html"

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        # (script prefix, URL configuration) -> (URL name, arguments) -> the reversed URL or None
        self._url_cache: dict[tuple, dict] = {}

    def _build_app_dict(self, request, label=None):
        """The stock app dictionary (same keys, same permission checks), built for the side navigation
        that every admin page shows: the names are translated once, in the request's language (the
        stock list sorts lazy names, translating both again on every comparison), and the change-list,
        add and app URLs, which depend only on the URL configuration, are reversed once per prefix
        instead of three reversals per model on every page."""
        urls = self._url_cache.setdefault((get_script_prefix(), get_urlconf()), {})
        app_dict: dict[str, dict] = {}
        for model, model_admin in self._registry.items():
            app_label = model._meta.app_label
            if label and app_label != label:
                continue
            has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue
            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue
            info = f"{app_label}_{model._meta.model_name}"
            model_dict = {"model": model, "name": capfirst(str(model._meta.verbose_name_plural)),
                          "object_name": model._meta.object_name, "perms": perms, "admin_url": None,
                          "add_url": None}
            if perms.get("change") or perms.get("view"):
                model_dict["view_only"] = not perms.get("change")
                model_dict["admin_url"] = self._reverse(urls, f"admin:{info}_changelist")
            if perms.get("add"):
                model_dict["add_url"] = self._reverse(urls, f"admin:{info}_add")
            if app_label in app_dict:
                app_dict[app_label]["models"].append(model_dict)
            else:
                app_dict[app_label] = {
                    "name": str(apps.get_app_config(app_label).verbose_name), "app_label": app_label,
                    "app_url": self._reverse(urls, "admin:app_list", app_label=app_label),
                    "has_module_perms": has_module_perms, "models": [model_dict]}
        return app_dict

    def _reverse(self, urls: dict, name: str, **kwargs) -> str | None:
        key = (name, *kwargs.values())
        if key not in urls:
            try:
                urls[key] = reverse(name, kwargs=kwargs or None, current_app=self.name)
            except NoReverseMatch:
                urls[key] = None
        return urls[key]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label:
            return apps
        grouped = group_by_task(apps)
        pages = report_pages(request)
        if pages:
            reports = next((g for g in grouped if g["app_label"] == "task-reports"), None)
            if reports is None:
                reports = {"name": _("报表分析"), "app_label": "task-reports", "app_url": pages[0]["admin_url"],
                           "has_module_perms": True, "models": []}
                grouped.append(reports)
            reports["models"] = pages + reports["models"]
        return grouped

    def index(self, request, extra_context=None):
        # the apps' panels register themselves when their module is imported
        import parts.admin_home  # noqa: F401
        import repairs.admin_home  # noqa: F401
        import surveys.admin_home  # noqa: F401
        from tickets.admin_home import home_context

        return super().index(request, {**home_context(request), **(extra_context or {})})

    def get_urls(self):
        from tickets.analytics.urls import admin_urls

        return admin_urls(self) + super().get_urls()


class BackOfficeAdminConfig(AdminConfig):
    default_site = "config.admin_site.BackOfficeSite"
