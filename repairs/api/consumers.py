"""Live job updates for the technicians' app: ``/ws/jobs/<job_id>/?token=<knox token>``.

The app opens it while a job is on screen, so the technician sees the customer's answer to a quote
(approved with a signature, or declined) and every other timeline change the moment it commits.
Authenticates the API token, checks the job is the technician's own (the same queryset as the
REST endpoints), joins the ticket's group and relays; no writes here.

The token is checked again before every message either way, and a logout closes the socket at once
(``sockets.sockets_close_for_revoked``): a revoked token streams nothing more.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets.realtime import LayerFailSafeMixin, ticket_group

from .sockets import user_sockets_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _job_for(*, token: str, job_id: int) -> tuple[int, int, str] | None:
    """(job id, user id, token digest) when the token is valid and the job is the user's own."""
    from rest_framework.exceptions import AuthenticationFailed

    from .base import job_queryset
    from .tokens import TokenAuthentication

    try:
        user, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    found = job_queryset(user).filter(pk=job_id).values_list("pk", flat=True).first()
    return None if found is None else (found, user.pk, auth_token.digest)


def _token_alive(*, digest: str) -> bool:
    from django.db.models import Q
    from django.utils import timezone
    from knox.models import AuthToken

    return AuthToken.objects.filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()), digest=digest).exists()


class JobLiveConsumer(LayerFailSafeMixin, AsyncJsonWebsocketConsumer):
    group: str | None = None
    user_group: str | None = None
    digest: str | None = None

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        if not token:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        job = await database_sync_to_async(_job_for)(token=token, job_id=job_id)
        if job is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        found, user_id, self.digest = job
        self.group = ticket_group(found)
        self.user_group = user_sockets_group(user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "job_id": found})

    async def disconnect(self, code: int) -> None:
        try:
            for group in (self.group, self.user_group):
                if group:
                    await self.channel_layer.group_discard(group, self.channel_name)
        finally:
            self.group = self.user_group = None

    async def _still_authorised(self) -> bool:
        if self.digest and await database_sync_to_async(_token_alive)(digest=self.digest):
            return True
        await self.close(code=CLOSE_UNAUTHENTICATED)
        return False

    async def receive_json(self, content, **kwargs) -> None:
        if not await self._still_authorised():
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def auth_revoked(self, message: dict) -> None:
        if message.get("digest") in (None, self.digest):
            self.digest = None
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def ticket_event(self, message: dict) -> None:
        if not await self._still_authorised():
            return
        payload = message.get("payload") or {}
        await self.send_json({"type": "job.event", "job_id": payload.get("ticket_id"),
                              "status": payload.get("status"), "status_label": payload.get("status_label"),
                              "event": payload.get("event") or {}})
