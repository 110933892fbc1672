from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from tickets.admin_mixins import estimated_counts_everywhere

admin.site.site_header = _("售后工单系统")
admin.site.site_title = _("售后工单")
admin.site.index_title = _("服务后台")
estimated_counts_everywhere(admin.site)

urlpatterns = [
    path("", lambda request: HttpResponseRedirect("/admin/"), name="home"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("tickets.urls")),
    path("", include("knowledge.urls")),
    path("", include("surveys.urls")),
    path("", include("repairs.urls")),
    path("", include("repairs.payments.urls")),
    path("", include("repairs.logistics.urls")),
    path("", include("parts.urls")),
    path("api/", include("config.api_urls")),
    path("app/", include("repairs.app.urls")),
]
# No /media/ URL, not even with DEBUG: customers' uploads are served only by views that check access
# (tickets.files).
