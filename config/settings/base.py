"""Settings shared by every environment, read from the environment (12-factor).

One ``environ.Env`` reads everything; ``local``, ``production`` and ``test`` adjust it.
Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# ------------------------------------------------------------------------------
# General
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The address the web process listens on, so links in messages follow it when SITE_URL is unset.
# honcho gives each Procfile process its own PORT (web +0, worker +100, mail +200), so the worker and
# the mail intake learn the web's port from WEB_PORT (`make run` exports it; the Procfile derives it).
PORT = env.int("WEB_PORT", default=env.int("PORT", default=8000))
MAIL_PORT = env.int("MAIL_PORT", default=8025)
BIND_HOST = env("BIND_HOST", default="127.0.0.1")
# The public address customers reach (e.g. https://service.example.com); empty means "this server".
SITE_URL = env("SITE_URL", default="")

# ------------------------------------------------------------------------------
# Databases: SQLite file by default, DATABASE_URL switches (e.g. PostgreSQL)
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the django-q2 worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from config.db import postgres_options, postgres_timeouts, process_role

    DB_TIMEOUTS = postgres_timeouts(env, role=process_role())
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} {postgres_options(DB_TIMEOUTS)}".strip()
    if process_role() == "web":
        # The web serves through ASGI, where Django runs each request's code in a thread of its own:
        # a persistent connection was never used again, so every request opened a PostgreSQL session
        # and left the previous one open until garbage collection, until the server refused clients.
        # So a web process never keeps one, pool or not (with DB_POOL=0, e.g. behind pgbouncer, each
        # request closes its own).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    if process_role() == "web" and env.bool("DB_POOL", default=True):
        # A pool per process is shared by those threads (Django returns the connection to it at the
        # end of each request).
        _options["pool"] = {"min_size": env.int("DB_POOL_MIN_SIZE", default=2),
                            "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
                            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# Apps
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "daphne",
    "config.admin_site.BackOfficeAdminConfig",  # the stock admin with role home pages (config/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "channels",
    "django_q",
    "rest_framework",
    "rest_framework_api_key",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
]
LOCAL_APPS = [
    "tickets",
    "repairs",
    "parts",
    "surveys",
    "knowledge",
    "repairs.payments",
    "repairs.logistics",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # before anything reads the body (the ASGI entry point applies the same ceiling earlier still)
    "config.body_limit.RequestBodyLimitMiddleware",
    "config.csp.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes must be last: it inspects failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
# Lock a user name from one address, not the address: a centre's staff share one NAT address, and a
# wrong password typed at one counter must not lock out the whole centre.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]

# ------------------------------------------------------------------------------
# Reverse proxies: X-Forwarded-For and X-Forwarded-Proto are set by whoever sends the request, so they
# are believed only when NUM_PROXIES says how many proxies of ours stand in front of Django. Behind one
# nginx that terminates TLS: NUM_PROXIES=1 (and nginx must overwrite both headers).
# ------------------------------------------------------------------------------
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NUM_PROXIES else None
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_ip"

# ------------------------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Styles allow 'unsafe-inline' because Django's admin templates and ours use style attributes; an
# injected style cannot run code. Images allow data: (signature pads, QR label sheets) and blob:
# (photo previews before upload). https://django-csp.readthedocs.io/en/latest/configuration.html
# ------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # paying by Alipay posts the choice here and is redirected on to Alipay's cashier
        "form-action": ["'self'", "https://openapi.alipay.com"],
        "frame-ancestors": ["'self'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ------------------------------------------------------------------------------
# Static and media (no CDN: everything is served from here)
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files over 1 MB go to temporary files while the form is parsed, not to memory; the
# non-file fields of a form may take 5 MB. https://docs.djangoproject.com/en/5.2/ref/settings/#file-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Attachments: images are checked with Pillow; videos by their container's signature and size.
ATTACHMENT_MAX_IMAGE_BYTES = env.int("ATTACHMENT_MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_VIDEO_BYTES = env.int("ATTACHMENT_MAX_VIDEO_BYTES", default=50 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = env.int("ATTACHMENT_MAX_PIXELS", default=40_000_000)
# What one customer may upload per day (all tickets, every channel without a staff user).
ATTACHMENT_CUSTOMER_DAILY_BYTES = env.int("ATTACHMENT_CUSTOMER_DAILY_BYTES", default=200 * 1024 * 1024)
# Ceiling of any request body, checked before it is read (config/body_limit.py); 0 = the largest
# attachment plus 1 MB of form.
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=0)
# Import uploads and export files are deleted this many days after their job (0 keeps them); the
# job's report stays. Daily schedule ``datajobs.purge_files`` (tickets/importing/retention.py).
DATA_JOB_FILE_RETENTION_DAYS = env.int("DATA_JOB_FILE_RETENTION_DAYS", default=30)

# ------------------------------------------------------------------------------
# Channels: in-memory layer unless REDIS_URL is set
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Short socket timeouts: with Redis down or unreachable a page must not wait on it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_connect_timeout": REDIS_SOCKET_TIMEOUT}],
                       "prefix": env("CHANNELS_PREFIX", default="shouhou")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# ------------------------------------------------------------------------------
# Cache (throttling, idempotency lookups): Redis when configured. While Redis is unreachable the
# cache falls back to process memory (config/cache.py) so that pages and the API keep working.
# ------------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", default="shouhou"),
            "OPTIONS": {"socket_connect_timeout": REDIS_SOCKET_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ------------------------------------------------------------------------------
# django-q2: ORM broker by default, Redis broker with REDIS_URL
# https://django-q2.readthedocs.io/en/master/configure.html
# ------------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "shouhou",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 5,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "任务队列",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # The stock Redis broker opens a new connection for every queued task (config/qbroker.py).
    Q_CLUSTER["broker_class"] = "config.qbroker.SharedPoolRedisBroker"
else:
    Q_CLUSTER["orm"] = "default"

# ------------------------------------------------------------------------------
# E-mail and SMS (console by default; the outbox keeps every message)
# ------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="config.masking.MaskedConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="售后服务 <service@example.com>")
# Mail to these addresses becomes tickets (``manage.py mail_intake`` runs the SMTP receiver).
INTAKE_MAILBOXES = env.list("INTAKE_MAILBOXES", default=["service@example.com"])
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
# WeChat: "console", "http" (a gateway like SMS) or "template" (Official Account template messages).
WECHAT_BACKEND = env("WECHAT_BACKEND", default="console")
WECHAT_GATEWAY_URL = env("WECHAT_GATEWAY_URL", default="")
WECHAT_GATEWAY_TOKEN = env("WECHAT_GATEWAY_TOKEN", default="")
WECHAT_API_BASE = env("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHAT_APP_ID = env("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env("WECHAT_APP_SECRET", default="")
WECHAT_TEMPLATE_IDS = env.json("WECHAT_TEMPLATE_IDS", default={})

# ------------------------------------------------------------------------------
# Django REST framework and the OpenAPI schema
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "repairs.api.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": "600/min", "anon": "60/min", "login": "10/min", "track": "10/min",
                                "submit": "20/hour"},
    "DEFAULT_PAGINATION_CLASS": "config.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    # Throttles identify anonymous clients by address: X-Forwarded-For only from our own proxies.
    "NUM_PROXIES": NUM_PROXIES,
}
REST_KNOX = {"TOKEN_TTL": __import__("datetime").timedelta(days=7), "AUTO_REFRESH": True}
SPECTACULAR_SETTINGS = {
    "TITLE": "售后工单 API",
    "DESCRIPTION": (
        "售后工单的维修工程师与接入接口。错误一律为 {\"code\", \"message\", \"extra\"}，按 Accept-Language 本地化；"
        "409 冲突时 extra.current 给出工单当前状态。所有 POST 可带 Idempotency-Key（重放返回第一次的结果）。"
        "实时推送：WebSocket /ws/jobs/<job_id>/?token=<API token>，消息 "
        '{"type": "job.event", "job_id", "status", "status_label", "event"}。\n\n'
        "一单上门维修的调用顺序（每个动作只有一条路径；详见 docs/technician-api.md）：\n"
        "1. auth/login/（每台设备一个 token）→ me/\n"
        "2. jobs/sync/（增量同步，保存 cursor）→ me/route/（今日路线：按行车顺序的上门点、计划到达时间、路程）"
        "→ jobs/{id}/ 与 jobs/{id}/codes/（故障代码、排除事由、价目）\n"
        "3. jobs/{id}/accept/ 或 decline/（附原因）→ depart/ → check-in/（GPS）\n"
        "4. repair/open/ → attachments/（purpose=before）→ repair/diagnose/\n"
        "5. repair/quotes/ → 远程：quotes/{q}/send/（客户在进度页签字）；现场：quotes/{q}/approve/（手机上手写签名）\n"
        "6. repair/start/ → scan-part/ → repair/fit-part/ → attachments/（purpose=after）→ repair/submit-qc/\n"
        "7. 质检员：qc/queue/ → qc/{id}/ → qc/{id}/pass/ 或 fail/\n"
        "8. repair/hand-back/（客户签字交机，工单解决）。无需维修单的现场处理：check-in/ → jobs/{id}/start/ → repair/hand-back/（须填写 resolution）\n"
        "已弃用的重复路径 jobs/{id}/submit-qc/ 与 jobs/{id}/finish/ 保留一个版本（至 2027-06-30），"
        "应答带 Deprecation、Sunset 与指向新路径的 Link 头。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Stable names for choice sets used by several serializers.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.core.Ticket.Status",
        "ServiceModeEnum": "tickets.models.core.ServiceMode",
        "QuoteLineKindEnum": "repairs.models.pricing.LineKind",
    },
}

# ------------------------------------------------------------------------------
# Domain settings
# ------------------------------------------------------------------------------
TICKET_NUMBER_PREFIX = "SR"
TICKET_DUPLICATE_WINDOW_DAYS = env.int("TICKET_DUPLICATE_WINDOW_DAYS", default=14)
# The classifier's probability at which a ticket is triaged and dispatched without an agent; chosen
# by cross-validation on the training corpus (tests/bench/bench_classifier.py --tune).
TRIAGE_MIN_CONFIDENCE = env.float("TRIAGE_MIN_CONFIDENCE", default=0.95)
# How long a process keeps product models, fault categories and the active classifier it read
# (tickets.reference); an edit reaches the other processes within this time.
REFERENCE_CACHE_SECONDS = env.int("REFERENCE_CACHE_SECONDS", default=30)
SURVEY_EXPIRY_DAYS = env.int("SURVEY_EXPIRY_DAYS", default=14)
SURVEY_REMINDER_AFTER_DAYS = env.int("SURVEY_REMINDER_AFTER_DAYS", default=3)
SURVEY_FOLLOW_UP_SLA_HOURS = env.int("SURVEY_FOLLOW_UP_SLA_HOURS", default=24)
SURVEY_COMPLAINT_ALERT_THRESHOLD = env.int("SURVEY_COMPLAINT_ALERT_THRESHOLD", default=3)
SURVEY_COMPLAINT_ALERT_DAYS = env.int("SURVEY_COMPLAINT_ALERT_DAYS", default=30)
TICKET_AUTO_CLOSE_DAYS = env.int("TICKET_AUTO_CLOSE_DAYS", default=7)
DEMO_PASSWORD = "demo-pass-2026"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Phones, e-mail addresses, link credentials and the customer names of message texts are masked.
    "filters": {"mask_personal_data": {"()": "config.masking.MaskPersonalData"},
                "not_a_queued_task_line": {"()": "config.logfilters.NotAQueuedTaskLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["mask_personal_data"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "django_q": {"level": "WARNING"},
                # django-q2's own logger name: no line per queued task
                "django-q": {"filters": ["not_a_queued_task_line"]}},
}

# ------------------------------------------------------------------------------
# Payment gateways (WeChat Pay API v3, Alipay open platform RSA2)
# "stub" speaks both protocols from this server with test keys generated at first run into
# PAYMENTS_STUB_KEYS_FILE (untracked); "live" talks to the real gateways with the keys below.
# https://pay.weixin.qq.com/doc/v3/merchant/4012365342  https://opendocs.alipay.com/common/02kf5q
# ------------------------------------------------------------------------------
PAYMENTS_BACKEND = env("PAYMENTS_BACKEND", default="stub")
PAYMENTS_STUB_KEYS_FILE = env("PAYMENTS_STUB_KEYS_FILE", default=str(BASE_DIR / ".payment-stub-keys.json"))
WECHATPAY = {
    "MCHID": env("WECHATPAY_MCHID", default=""),
    "APPID": env("WECHATPAY_APPID", default=""),
    "CERT_SERIAL_NO": env("WECHATPAY_CERT_SERIAL_NO", default=""),
    "PRIVATE_KEY": env("WECHATPAY_PRIVATE_KEY", default=""),
    "APIV3_KEY": env("WECHATPAY_APIV3_KEY", default=""),
    # the WeChat Pay platform public key (公钥模式): no certificate download at start
    "PUBLIC_KEY": env("WECHATPAY_PUBLIC_KEY", default=""),
    "PUBLIC_KEY_ID": env("WECHATPAY_PUBLIC_KEY_ID", default=""),
    "GATEWAY": env("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com"),
    # JSAPI payment inside WeChat: the payer's openid comes from web OAuth (snsapi_base) of the
    # official account whose APPID pays, so its AppSecret is needed; without it WeChat users get the QR code.
    # https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
    "APP_SECRET": env("WECHATPAY_APP_SECRET", default=""),
    "OAUTH_BASE": env("WECHATPAY_OAUTH_BASE", default="https://open.weixin.qq.com"),
    "API_BASE": env("WECHATPAY_API_BASE", default="https://api.weixin.qq.com"),
}
ALIPAY = {
    "APPID": env("ALIPAY_APPID", default=""),
    "APP_PRIVATE_KEY": env("ALIPAY_APP_PRIVATE_KEY", default=""),
    "ALIPAY_PUBLIC_KEY": env("ALIPAY_PUBLIC_KEY", default=""),
    "GATEWAY": env("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do"),
}

# ------------------------------------------------------------------------------
# Courier for mail-in repairs (SF Express open platform protocol)
# "stub" answers the protocol from this server with a check word generated at first use into
# CARRIER_STUB_KEYS_FILE (untracked); "live" calls SF with the account below.
# https://open.sf-express.com/Api/ApiDetails?apiServiceCode=EXP_RECE_CREATE_ORDER
# ------------------------------------------------------------------------------
CARRIER_BACKEND = env("CARRIER_BACKEND", default="stub")
CARRIER_STUB_KEYS_FILE = env("CARRIER_STUB_KEYS_FILE", default=str(BASE_DIR / ".carrier-stub-keys.json"))
SF_EXPRESS = {
    "PARTNER_ID": env("SF_PARTNER_ID", default=""),
    "CHECK_WORD": env("SF_CHECK_WORD", default=""),
    "MONTHLY_CARD": env("SF_MONTHLY_CARD", default=""),
    "ENDPOINT": env("SF_ENDPOINT", default="https://bspgw.sf-express.com/std/service"),
}
