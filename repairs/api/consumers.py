"""Live job updates for the technicians' app: ``/ws/jobs/<job_id>/?token=<knox token>``.

The app opens it while a job is on screen, so the technician sees the customer's answer to a quote
(approved with a signature, or declined) and every other timeline change the moment it commits.
Authenticates the API token, checks the job is the technician's own (the same queryset as the
REST endpoints), joins the ticket's group and relays; no writes here (STYLE R9).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets.realtime import LayerFailSafeMixin, ticket_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _job_id_for(*, token: str, job_id: int) -> int | None:
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    from .base import job_queryset

    try:
        user, _auth = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    return job_queryset(user).filter(pk=job_id).values_list("pk", flat=True).first()


class JobLiveConsumer(LayerFailSafeMixin, AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        if not token:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        found = await database_sync_to_async(_job_id_for)(token=token, job_id=job_id)
        if found is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = ticket_group(found)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "job_id": found})

    async def disconnect(self, code: int) -> None:
        try:
            if self.group:
                await self.channel_layer.group_discard(self.group, self.channel_name)
        finally:
            self.group = None

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def ticket_event(self, message: dict) -> None:
        payload = message.get("payload") or {}
        await self.send_json({"type": "job.event", "job_id": payload.get("ticket_id"),
                              "status": payload.get("status"), "status_label": payload.get("status_label"),
                              "event": payload.get("event") or {}})
