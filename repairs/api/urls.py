"""URLs of the technicians' API, mounted at /api/v1/ by config.api_urls."""

from __future__ import annotations

from django.urls import path

from . import auth, jobs, parts, qc, work

urlpatterns = [
    path("auth/login/", auth.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-all/", auth.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("jobs/", jobs.JobListApi.as_view(), name="jobs"),
    path("jobs/sync/", jobs.JobSyncApi.as_view(), name="jobs-sync"),
    path("jobs/<int:job_id>/", jobs.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:job_id>/start/", work.JobStartApi.as_view(), name="job-start"),
    path("jobs/<int:job_id>/wait-customer/", work.JobWaitCustomerApi.as_view(), name="job-wait-customer"),
    path("jobs/<int:job_id>/wait-parts/", work.JobWaitPartsApi.as_view(), name="job-wait-parts"),
    path("jobs/<int:job_id>/resume/", work.JobResumeApi.as_view(), name="job-resume"),
    path("jobs/<int:job_id>/submit-qc/", work.JobSubmitQcApi.as_view(), name="job-submit-qc"),
    path("jobs/<int:job_id>/finish/", work.JobFinishApi.as_view(), name="job-finish"),
    path("jobs/<int:job_id>/notes/", work.JobNoteApi.as_view(), name="job-notes"),
    path("jobs/<int:job_id>/attachments/", work.JobAttachmentApi.as_view(), name="job-attachments"),
    path("qc/queue/", qc.QcQueueApi.as_view(), name="qc-queue"),
    path("qc/<int:job_id>/pass/", qc.QcPassApi.as_view(), name="qc-pass"),
    path("qc/<int:job_id>/fail/", qc.QcFailApi.as_view(), name="qc-fail"),
    path("van/stock/", parts.VanStockApi.as_view(), name="van-stock"),
]
