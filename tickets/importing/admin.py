"""Import and export in the admin, for any model whose app declares an importer or an exporter.

``DataAdminMixin`` adds to a ModelAdmin: an import page (upload, template download), the job page
(the dry run's every error, the error file, the choice between all-or-nothing and valid rows only, a
progress bar with cancel for large files, the result report) and an export page (CSV UTF-8 with BOM,
CSV GB18030 or XLSX; streamed, or a background job for a large XLSX). Permissions come from the one
policy through the admin's ``has_import_permission`` / ``has_export_permission`` and ``get_queryset``
(the changelist's filters and the user's row scope).
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import exporting, policy
from ..exceptions import DomainError
from ..models import DataJob
from . import jobs
from .base import Importer
from .files import template_xlsx


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8、UTF-8 BOM、GB18030/GBK 均可）"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=DataJob.Mode.choices, initial=DataJob.Mode.ALL,
                             widget=forms.RadioSelect)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("格式"), choices=[(k, v[0]) for k, v in exporting.FORMATS.items()],
                               initial=exporting.CSV_UTF8, widget=forms.RadioSelect)


def attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


class DataAdminMixin:
    """Import/export pages for a ModelAdmin (put it after ``PolicyAdminMixin``)."""

    importer_class: ClassVar[type[Importer] | None] = None
    exporter_class: ClassVar[type[exporting.Exporter] | None] = None
    change_list_template = "admin/dataio/change_list.html"

    # --- permissions (PolicyAdminMixin supplies them from the policy) ------------------------------

    def has_import_permission(self, request) -> bool:
        return self.importer_class is not None and policy.can_import(request.user, self.model)

    def has_export_permission(self, request) -> bool:
        return self.exporter_class is not None and policy.can_export(request.user, self.model)

    def _name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=self._name("import")),
            path("import/template/", wrap(self.import_template_view), name=self._name("import_template")),
            path("jobs/<uuid:job>/", wrap(self.job_view), name=self._name("job")),
            path("jobs/<uuid:job>/file/", wrap(self.job_file_view), name=self._name("job_file")),
            path("export/", wrap(self.export_view), name=self._name("export")),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "dataio_import_url": reverse(f"admin:{self._name('import')}")
                         if self.has_import_permission(request) else "",
                         "dataio_export_url": reverse(f"admin:{self._name('export')}")
                         if self.has_export_permission(request) else ""}
        return super().changelist_view(request, extra_context)

    def _context(self, request, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title,
                "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
                **extra}

    # --- import -----------------------------------------------------------------------------------

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        importer = self.importer_class
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = jobs.import_job_create(target=importer.key, upload=form.cleaned_data["file"],
                                             by=request.user, mode=form.cleaned_data["mode"])
            except DomainError as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(reverse(f"admin:{self._name('job')}", args=[job.uuid]))
        recent = DataJob.objects.filter(kind=DataJob.Kind.IMPORT, target=importer.key,
                                        created_by=request.user)[:10]
        return TemplateResponse(request, "admin/dataio/import.html", self._context(
            request, gettext("导入%(what)s") % {"what": importer.title()}, form=form, importer=importer,
            columns=importer.columns, recent=recent, job_url_name=f"admin:{self._name('job')}",
            template_url=reverse(f"admin:{self._name('import_template')}"),
            background_rows=jobs.background_rows()))

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(template_xlsx(self.importer_class), content_type=exporting.FORMATS[exporting.XLSX][1])
        return attachment(response, gettext("%(what)s导入模板.xlsx") % {"what": self.importer_class.title()})

    def _job(self, request, job_uuid) -> DataJob:
        targets = {c.key for c in (self.importer_class, self.exporter_class) if c is not None}
        job = get_object_or_404(DataJob, uuid=job_uuid, target__in=targets)
        if not (request.user.is_superuser or job.created_by_id == request.user.pk):
            raise Http404
        allowed = (self.has_import_permission(request) if job.kind == DataJob.Kind.IMPORT
                   else self.has_export_permission(request))
        if not allowed:
            raise PermissionDenied
        return job

    def job_view(self, request, job):
        job = self._job(request, job)
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "cancel":
                    jobs.job_cancel(job=job, by=request.user)
                    self.message_user(request, gettext("已请求取消。"), messages.WARNING)
                elif action in DataJob.Mode.values:
                    job = jobs.import_job_confirm(job=job, by=request.user, mode=action)
                else:
                    raise PermissionDenied
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)
        report = job.report or {}
        return TemplateResponse(request, "admin/dataio/job.html", self._context(
            request, gettext("%(kind)s任务：%(name)s") % {"kind": job.get_kind_display(),
                                                     "name": job.original_name or self.opts.verbose_name},
            job=job, report=report, modes=DataJob.Mode, statuses=DataJob.Status,
            file_url=reverse(f"admin:{self._name('job_file')}", args=[job.uuid]) if job.result_file else "",
            import_url=reverse(f"admin:{self._name('import')}") if self.importer_class else ""))

    def job_file_view(self, request, job):
        job = self._job(request, job)
        if not job.result_file:
            raise Http404
        name = job.result_file.name.rsplit("/", 1)[-1]
        if job.kind == DataJob.Kind.IMPORT:
            stem = (job.original_name.rsplit(".", 1)[0] or "import")
            name = gettext("%(stem)s-错误行.%(ext)s") % {"stem": stem, "ext": name.rsplit(".", 1)[-1]}
        return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)

    # --- export -----------------------------------------------------------------------------------

    def export_queryset(self, request):
        """The changelist's rows as the user filtered them (and within their scope)."""
        changelist = self.get_changelist_instance(request)
        return changelist.get_queryset(request)

    def export_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        exporter = self.exporter_class(user=request.user)
        form = ExportForm(request.POST or None)
        filtered = self._filtered_request(request)
        queryset = exporter.base_queryset().filter(pk__in=self.export_queryset(filtered).values("pk"))
        if request.method == "POST" and form.is_valid():
            fmt = form.cleaned_data["format"]
            label, content_type, extension = exporting.FORMATS[fmt]
            name = exporting.filename(exporter.title(), extension)
            if fmt in (exporting.CSV_UTF8, exporting.CSV_GB18030):
                encoding = "gb18030" if fmt == exporting.CSV_GB18030 else "utf-8"
                response = StreamingHttpResponse(exporter.csv_chunks(queryset, encoding=encoding),
                                                 content_type=content_type)
                return attachment(response, name)
            if exporter.queryset(queryset).count() > jobs.export_background_rows():
                pks = None if not filtered.GET else list(queryset.values_list("pk", flat=True))
                job = jobs.export_job_create(target=exporter.key, fmt=fmt, by=request.user, pks=pks)
                return HttpResponseRedirect(reverse(f"admin:{self._name('job')}", args=[job.uuid]))
            import tempfile

            out = tempfile.TemporaryFile()
            exporter.write_xlsx(out, queryset)
            out.seek(0)
            return FileResponse(out, as_attachment=True, filename=name, content_type=content_type)
        return TemplateResponse(request, "admin/dataio/export.html", self._context(
            request, gettext("导出%(what)s") % {"what": exporter.title()}, form=form,
            count=exporter.queryset(queryset).count(), columns=[c.label for c in exporter.columns],
            masked=not policy.can_view_full_contact(request.user),
            query=request.GET.get("_changelist_filters", "")))

    def _filtered_request(self, request):
        """A copy of the request whose GET holds the changelist's filters (passed along as
        ``_changelist_filters``), for ``get_changelist_instance``."""
        from django.http import QueryDict

        filters = request.POST.get("_changelist_filters") or request.GET.get("_changelist_filters", "")
        clone = type(request).__new__(type(request))
        clone.__dict__ = {**request.__dict__, "GET": QueryDict(filters), "method": "GET"}
        return clone
