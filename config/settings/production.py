"""Production: DEBUG off, secrets with no defaults, secure cookies and HSTS.

Start fails (ImproperlyConfigured) unless SECRET_KEY and ALLOWED_HOSTS are set. Behind a reverse proxy
that terminates TLS, set NUM_PROXIES (see base.py): only then is X-Forwarded-Proto believed.
https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DEMO_MODE = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 32 characters.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site serves.")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Payments and the courier: the real gateways for the accounts the shop holds. A gateway whose merchant
# number is set needs every other key (a missing one fails the start, not a payment); a gateway with no
# merchant number is simply not offered, since many repair shops take cash and use no courier contract.
PAYMENTS_BACKEND = "live"
if env("WECHATPAY_MCHID", default=""):  # noqa: F405
    WECHATPAY = {**WECHATPAY, **{k: env(f"WECHATPAY_{k}") for k in ("MCHID", "APPID", "CERT_SERIAL_NO",  # noqa: F405
                                                                      "PRIVATE_KEY", "APIV3_KEY", "PUBLIC_KEY",
                                                                      "PUBLIC_KEY_ID")}}
else:
    WECHATPAY = {**WECHATPAY, "MCHID": ""}  # noqa: F405
if env("ALIPAY_APPID", default=""):  # noqa: F405
    ALIPAY = {**ALIPAY, "APPID": env("ALIPAY_APPID"), "APP_PRIVATE_KEY": env("ALIPAY_APP_PRIVATE_KEY"),  # noqa: F405
              "ALIPAY_PUBLIC_KEY": env("ALIPAY_PUBLIC_KEY")}
else:
    ALIPAY = {**ALIPAY, "APPID": ""}  # noqa: F405
if env("SF_PARTNER_ID", default=""):  # noqa: F405
    CARRIER_BACKEND = "live"
    SF_EXPRESS = {**SF_EXPRESS, "PARTNER_ID": env("SF_PARTNER_ID"), "CHECK_WORD": env("SF_CHECK_WORD"),  # noqa: F405
                  "MONTHLY_CARD": env("SF_MONTHLY_CARD")}
else:
    CARRIER_BACKEND = "off"
