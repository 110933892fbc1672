"""The technician app's token check: knox's, in one query per request.

knox reads the token with its user, then every other token of that user, to delete the expired ones,
on every request. Here the token comes with its user and the user's technician profile (which every
technician endpoint reads next), and expired tokens are deleted by a daily task
(``auth_tokens_purge``) instead: an expired token is refused all the same, and deleted when it is
presented. Everything else is knox's (the digest, the comparison, the sliding expiry).

Mounted as the API's first authentication class (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``);
this module imports no views, because DRF imports it while defining ``APIView``.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        message = _("登录凭证无效或已过期，请重新登录。")
        token_text = token.decode("utf-8")
        candidates = (get_token_model().objects.filter(token_key=token_text[:CONSTANTS.TOKEN_KEY_LENGTH])
                      .select_related("user", "user__technician"))
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                continue
            try:
                digest = hash_token(token_text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message)
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)


class TokenScheme(KnoxTokenScheme):
    """The API schema describes this check as knox's: the same header, the same token."""

    target_class = "repairs.api.tokens.TokenAuthentication"


def auth_tokens_purge() -> int:
    """Delete the expired tokens of every device (scheduled daily); returns how many."""
    deleted, _rows = get_token_model().objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
