"""``Idempotency-Key`` for every POST of the API: safe retries on a bad network.

Protocol (close to the IETF httpapi idempotency-key draft and Stripe's API):

* the client sends ``Idempotency-Key: <any 1–100 printable characters, e.g. a UUID>`` with a POST;
* the first successful (2xx) response is stored per user and key, **in the same database
  transaction as the change itself** — either both are committed or neither, so a crash between
  them cannot happen and a restart loses nothing;
* a replay (same user, key, method, path and body) returns the stored status and body with the
  header ``Idempotent-Replayed: true`` and changes nothing;
* the same key with another request is refused with 422 ``idempotency_key_reused``;
* concurrent requests with one key run one at a time: each takes a lock on (user, key) inside its
  transaction (a PostgreSQL advisory lock; SQLite serialises writing transactions anyway), so a
  retry arriving while the first is still running waits for it and answers with its stored
  response. If the first is still running after ``IDEMPOTENCY_WAIT_SECONDS`` the retry gets 409
  ``idempotency_key_in_progress`` and may simply retry later;
* an error response is not stored: nothing changed, so retrying the key runs the request again.

Login is anonymous and is not covered (replaying it would need the token stored in clear).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.exceptions import DomainError
from tickets.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
WAIT_SECONDS = 10  # setting IDEMPOTENCY_WAIT_SECONDS: how long a retry waits for the first request
LOCK_NOT_AVAILABLE = "55P03"


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    status_code = 400


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = 422


class IdempotencyKeyInProgress(DomainError):
    code = "idempotency_key_in_progress"
    status_code = 409


def _hold_key(user_id: int, key: str) -> None:
    """Wait (bounded) until no other transaction works on this user's key, then hold it until ours
    ends. Raises IdempotencyKeyInProgress when the wait times out."""
    if connection.vendor != "postgresql":
        return  # SQLite: a writing transaction (BEGIN IMMEDIATE) already excludes every other one
    digest = hashlib.sha256(f"{user_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    wait_ms = int(float(getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", WAIT_SECONDS)) * 1000)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {max(wait_ms, 1)}")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise IdempotencyKeyInProgress(
            _("使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试。"), extra={"key": key},
        ) from exc


def _canonical(value: Any) -> Any:
    if hasattr(value, "chunks") and hasattr(value, "name"):  # an uploaded file: hash its content
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict (form or multipart): keep repeated keys
        return {k: [_canonical(v) for v in vs] for k, vs in sorted(value.lists())}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(request: Request) -> str:
    """SHA-256 of method, path and the parsed body (multipart boundaries differ between retries)."""
    body = _canonical(request.data)
    payload = json.dumps([request.method, request.path, body], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(_("Idempotency-Key 必须是 1–%(n)d 个可打印字符。") % {"n": MAX_KEY_LENGTH})
    return key


def has_stored_response(request: Request) -> bool:
    """Whether this POST carries a key that already has a stored response (a replay is coming).

    Views that load objects before the handler skip that step then: the object may have moved on
    (a declined job is no longer mine) but the replay must still return the first answer.
    """
    if request.method != "POST" or not getattr(request.user, "is_authenticated", False):
        return False
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return False
    return IdempotencyRecord.objects.filter(user=request.user, key=key).exists()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _("该 Idempotency-Key 已用于另一个请求，请为新请求生成新的键。"),
            extra={"key": record.key, "path": record.path},
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a view's ``post`` so that it honours ``Idempotency-Key`` (see the module docstring)."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key_of(request)
        user = request.user
        if key is None or not getattr(user, "is_authenticated", False) or getattr(request, "_idempotent", False):
            # No key, anonymous, or an outer wrapper (a subclass's ``post`` calling super) handles it.
            return handler(view, request, *args, **kwargs)
        request._idempotent = True
        fingerprint = request_fingerprint(request)
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is not None:
            return _replay(record, fingerprint)
        try:
            with transaction.atomic():
                _hold_key(user.pk, key)
                # A request with this key may have finished while we waited for it.
                record = IdempotencyRecord.objects.filter(user=user, key=key).first()
                if record is not None:
                    return _replay(record, fingerprint)
                response = handler(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    IdempotencyRecord.objects.create(
                        user=user, key=key, method=request.method, path=request.path[:300],
                        request_hash=fingerprint, status_code=response.status_code,
                        response_body=json.loads(JSONRenderer().render(response.data)),
                    )
        except IntegrityError:
            # A concurrent request with the same key committed first; our change was rolled back.
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is None:
                raise
            return _replay(record, fingerprint)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper
