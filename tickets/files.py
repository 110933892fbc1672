"""Serving stored customer files: photos, videos, signatures and documents of a ticket.

Uploads hold customers' homes, faces, devices and signatures, so there is no public ``/media/`` URL:
every download goes through a view that first decides who asks (staff in scope, the job's technician,
the customer by their tracking link) and then hands the file over with ``attachment_response``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse

from .models import Attachment, Ticket, TicketAssignment
from .selectors import ticket_scope_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Shown in the browser (previews); anything else downloads, so a stored file can never run as a page.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime", "video/webm"}


def attachment_staff_url(attachment: Attachment) -> str:
    """The back-office address of a file (admin previews, the technicians' API)."""
    return reverse("attachment_file", args=[attachment.uuid])


def attachment_customer_url(attachment: Attachment, *, token: str) -> str:
    """The address of a customer-visible file under the customer's tracking link."""
    return reverse("progress:file", args=[token, attachment.uuid])


def attachments_for_user(*, user: AbstractBaseUser) -> QuerySet[Attachment]:
    """The files a signed-in user may open: staff with the ticket permission, within their scope, and
    technicians, for the jobs they lead or help on."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Attachment.objects.none()
    visible = Q(pk__in=[])
    if user.is_staff and user.has_perm("tickets.view_ticket"):
        visible |= Q(ticket__in=ticket_scope_for_user(qs=Ticket.objects.all(), user=user))
    helping = TicketAssignment.objects.filter(technician__user=user, status__in=TicketAssignment.ACTIVE_STATUSES)
    visible |= Q(ticket__technician__user=user) | Q(ticket_id__in=helping.values("ticket_id"))
    return Attachment.objects.filter(visible)


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file itself, private to the asker: never cached by proxies, never sniffed or run as a page."""
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
        raise Http404
    inline = attachment.content_type in INLINE_TYPES
    filename = attachment.original_name or os.path.basename(attachment.file.name)
    response = FileResponse(attachment.file.open("rb"), as_attachment=not inline, filename=filename,
                            content_type=attachment.content_type if inline else "application/octet-stream")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    response["Referrer-Policy"] = "same-origin"
    return response
