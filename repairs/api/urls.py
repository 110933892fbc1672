"""URLs of the technicians' API, mounted at /api/v1/ by config.api_urls.

Ids are matched as ``str`` and parsed by the views, so a malformed id gets the API's JSON 404
rather than Django's HTML page (the schema documents them as integers).
"""

from __future__ import annotations

from django.urls import path

from repairs.logistics.api import JobShipmentsApi
from repairs.payments.api import JobPaymentApi, JobPaymentRecordApi
from repairs.scheduling import api as scheduling

from . import auth, codes, job_parts, jobs, parts, qc, repair, tickets, work

urlpatterns = [
    path("auth/login/", auth.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-all/", auth.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("me/route/", scheduling.MeRouteApi.as_view(), name="me-route"),
    path("tickets/", tickets.TicketCreateApi.as_view(), name="tickets-create"),
    path("jobs/", jobs.JobListApi.as_view(), name="jobs"),
    path("jobs/sync/", jobs.JobSyncApi.as_view(), name="jobs-sync"),
    path("jobs/<str:job_id>/", jobs.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<str:job_id>/codes/", codes.JobCodesApi.as_view(), name="job-codes"),
    path("jobs/<str:job_id>/start/", work.JobStartApi.as_view(), name="job-start"),
    path("jobs/<str:job_id>/wait-customer/", work.JobWaitCustomerApi.as_view(), name="job-wait-customer"),
    path("jobs/<str:job_id>/wait-parts/", work.JobWaitPartsApi.as_view(), name="job-wait-parts"),
    path("jobs/<str:job_id>/resume/", work.JobResumeApi.as_view(), name="job-resume"),
    # Deprecated aliases of repair/submit-qc/ and repair/hand-back/, kept for one release.
    path("jobs/<str:job_id>/submit-qc/", work.JobSubmitQcAliasApi.as_view(), name="job-submit-qc"),
    path("jobs/<str:job_id>/finish/", work.JobFinishAliasApi.as_view(), name="job-finish"),
    path("jobs/<str:job_id>/notes/", work.JobNoteApi.as_view(), name="job-notes"),
    path("jobs/<str:job_id>/attachments/", work.JobAttachmentApi.as_view(), name="job-attachments"),
    path("jobs/<str:job_id>/accept/", work.JobAcceptApi.as_view(), name="job-accept"),
    path("jobs/<str:job_id>/decline/", work.JobDeclineApi.as_view(), name="job-decline"),
    path("jobs/<str:job_id>/depart/", work.JobDepartApi.as_view(), name="job-depart"),
    path("jobs/<str:job_id>/check-in/", work.JobCheckInApi.as_view(), name="job-check-in"),
    path("jobs/<str:job_id>/location/", scheduling.JobLocationApi.as_view(), name="job-location"),
    path("jobs/<str:job_id>/scan-part/", parts.JobScanPartApi.as_view(), name="job-scan-part"),
    path("jobs/<str:job_id>/reservations/", parts.JobReservePartApi.as_view(), name="job-reservations"),
    path("jobs/<str:job_id>/payment/", JobPaymentApi.as_view(), name="job-payment"),
    path("jobs/<str:job_id>/payment/record/", JobPaymentRecordApi.as_view(), name="job-payment-record"),
    path("jobs/<str:job_id>/shipments/", JobShipmentsApi.as_view(), name="job-shipments"),
    path("jobs/<str:job_id>/parts/requests/", job_parts.JobPartRequestApi.as_view(), name="job-parts-request"),
    path("jobs/<str:job_id>/parts/ledger/", job_parts.JobPartsLedgerApi.as_view(), name="job-parts-ledger"),
    path("jobs/<str:job_id>/parts/reconcile/", job_parts.JobPartsReconcileApi.as_view(),
         name="job-parts-reconcile"),
    path("jobs/<str:job_id>/repair/", repair.RepairDetailApi.as_view(), name="repair-detail"),
    path("jobs/<str:job_id>/repair/open/", repair.RepairOpenApi.as_view(), name="repair-open"),
    path("jobs/<str:job_id>/repair/diagnose/", repair.RepairDiagnoseApi.as_view(), name="repair-diagnose"),
    path("jobs/<str:job_id>/repair/warranty-decision/", repair.RepairWarrantyDecideApi.as_view(),
         name="repair-warranty-decide"),
    path("jobs/<str:job_id>/repair/quotes/", repair.QuoteCreateApi.as_view(), name="quote-create"),
    path("jobs/<str:job_id>/repair/quotes/<str:quote_id>/send/", repair.QuoteSendApi.as_view(), name="quote-send"),
    path("jobs/<str:job_id>/repair/quotes/<str:quote_id>/approve/", repair.QuoteApproveApi.as_view(),
         name="quote-approve"),
    path("jobs/<str:job_id>/repair/quotes/<str:quote_id>/decline/", repair.QuoteDeclineApi.as_view(),
         name="quote-decline"),
    path("jobs/<str:job_id>/repair/start/", repair.RepairStartApi.as_view(), name="repair-start"),
    path("jobs/<str:job_id>/repair/wait-parts/", repair.RepairWaitPartsApi.as_view(), name="repair-wait-parts"),
    path("jobs/<str:job_id>/repair/parts-arrived/", repair.RepairPartsArrivedApi.as_view(),
         name="repair-parts-arrived"),
    path("jobs/<str:job_id>/repair/fit-part/", repair.RepairFitPartApi.as_view(), name="repair-fit-part"),
    path("jobs/<str:job_id>/repair/submit-qc/", repair.RepairSubmitQcApi.as_view(), name="repair-submit-qc"),
    path("jobs/<str:job_id>/repair/hand-back/", repair.RepairHandBackApi.as_view(), name="repair-hand-back"),
    path("van/requests/", parts.PartRequestsApi.as_view(), name="part-requests"),
    path("qc/queue/", qc.QcQueueApi.as_view(), name="qc-queue"),
    path("qc/<str:job_id>/", qc.QcDetailApi.as_view(), name="qc-detail"),
    path("qc/<str:job_id>/pass/", qc.QcPassApi.as_view(), name="qc-pass"),
    path("qc/<str:job_id>/fail/", qc.QcFailApi.as_view(), name="qc-fail"),
    path("van/stock/", parts.VanStockApi.as_view(), name="van-stock"),
]
