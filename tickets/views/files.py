"""/files/<uuid>/: a stored file for the back office and the technicians' app, after an access check.

Staff come with their admin session, technicians with their API token. Someone else's file answers
404, exactly like a missing one, so a guessed id reveals nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBase
from knox.auth import TokenAuthentication
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.views import APIView

from ..files import attachment_response, attachments_for_user


class AttachmentFileView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []
    # a file download, not part of the technicians' JSON API: kept out of the OpenAPI schema
    schema = None

    def get(self, request: Request, uuid: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if request.META.get("HTTP_AUTHORIZATION"):
                raise Http404
            return redirect_to_login(request.get_full_path())
        attachment = attachments_for_user(user=request.user).filter(uuid=uuid).first()
        if attachment is None:
            raise Http404
        return attachment_response(attachment)
