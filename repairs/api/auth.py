"""Log in (one expiring knox token per device), log out (revoke it) and who am I."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response

from config.throttling import SimpleRateThrottle

from .base import ApiView, error_responses, is_qc_inspector, technician_of
from .sockets import sockets_close_for_revoked


class LoginIpThrottle(SimpleRateThrottle):
    """Login attempts per client IP (rate ``login``)."""

    scope = "login"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": "login-ip", "ident": self.get_ident(request)}


class LoginUsernameThrottle(SimpleRateThrottle):
    """Login attempts per username, whatever the IP (guessing one account from many addresses)."""

    scope = "login"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not username or not isinstance(username, str):
            return None
        # Whatever was typed (spaces, control characters, any script) counts against one account,
        # under a key every cache accepts: the digest of the name as the login matches it.
        ident = hashlib.sha256(username.strip().lower()[:150].encode()).hexdigest()
        return self.cache_format % {"scope": "login-user", "ident": ident}


class TechnicianOut(serializers.Serializer):
    id = serializers.IntegerField()
    employee_no = serializers.CharField()
    name = serializers.CharField()
    center_id = serializers.IntegerField()
    center_name = serializers.CharField(source="center.name")
    skills = serializers.ListField(child=serializers.CharField())
    level = serializers.IntegerField()
    on_duty = serializers.BooleanField()
    is_qc_inspector = serializers.BooleanField()


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    is_qc_inspector = serializers.BooleanField()
    technician = TechnicianOut(allow_null=True)


def me_data(user: Any) -> dict:
    """The user as MeOut expects it (objects, not yet serialized)."""
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "is_qc_inspector": is_qc_inspector(user),
        "technician": technician_of(user),
    }


class LoginApi(ApiView):
    """Exchange username and password for a token for this device."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginIpThrottle, LoginUsernameThrottle]
    idempotent = False  # anonymous; a replay would need the token stored in clear

    def get_authenticate_header(self, request: Request) -> str:
        # No authenticator runs here, but a failed login is still a 401 (DRF would turn it into 403).
        return "Token"

    class LoginIn(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)
        device = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                       help_text="A name for this device, e.g. 'Mate 60 of Zhang San'.")

    class LoginOut(serializers.Serializer):
        token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'.")
        expiry = serializers.DateTimeField(allow_null=True)
        device = serializers.CharField()
        user = MeOut()

    @extend_schema(
        operation_id="auth_login", tags=["auth"], request=LoginIn,
        responses={200: LoginOut, **error_responses("400", "401", "429")},
        description="One expiring token per device (TTL from REST_KNOX.TOKEN_TTL, refreshed on use). "
        "Throttled per IP and per username.",
    )
    def post(self, request: Request) -> Response:
        data = self.LoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("用户名或密码错误。"))
        instance, token = get_token_model().objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        return Response(self.LoginOut({
            "token": token, "expiry": instance.expiry, "device": data.validated_data["device"],
            "user": me_data(user),
        }).data)


class LogoutApi(ApiView):
    """Revoke the token this request was made with (this device only)."""

    idempotent = False  # a revoked token cannot replay anyway

    @extend_schema(operation_id="auth_logout", tags=["auth"], request=None,
                   responses={204: None, **error_responses("401")})
    def post(self, request: Request) -> Response:
        token = request.auth
        if isinstance(token, get_token_model()):
            digest = token.digest
            token.delete()
            sockets_close_for_revoked(user_id=request.user.pk, digest=digest)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(ApiView):
    """Revoke every token of this user (a lost phone)."""

    idempotent = False

    @extend_schema(operation_id="auth_logout_all", tags=["auth"], request=None,
                   responses={204: None, **error_responses("401")})
    def post(self, request: Request) -> Response:
        get_token_model().objects.filter(user=request.user).delete()
        sockets_close_for_revoked(user_id=request.user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(ApiView):
    @extend_schema(operation_id="me", tags=["auth"], responses={200: MeOut, **error_responses("401")})
    def get(self, request: Request) -> Response:
        return Response(MeOut(me_data(request.user)).data)

