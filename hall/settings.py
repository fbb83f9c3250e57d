"""OneTrip settings, driven by the environment (django-environ).

Embedded defaults run the portal on a bare machine: no ``DATABASE_URL`` means a SQLite file,
no ``REDIS_URL`` means Celery runs tasks eagerly in-process. Every variable is listed in
``.env.example``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# A checkout set up by `make` is a development one: `make install` writes .make/dev.env
# (DEBUG=true) so that manage.py works there without flags. The environment and .env win over
# it; deployments never read it (the image leaves .make out) and the tests switch it off.
_DEV_ENV_FILE = env.str("DEV_ENV_FILE", default=str(BASE_DIR / ".make" / "dev.env"))
if _DEV_ENV_FILE and Path(_DEV_ENV_FILE).is_file():
    environ.Env.read_env(_DEV_ENV_FILE, overwrite=False)

# Off unless asked for: `make run` turns it on for the demo, production never does.
DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
# The development key and .env.example's placeholder are public: never sign anything real.
_PUBLIC_SECRET_KEYS = {_DEV_SECRET_KEY, "change-me-to-a-long-random-string"}
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY in _PUBLIC_SECRET_KEYS:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a secret value when DEBUG is off "
        "(for development run with DEBUG=true, as `make run` does)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form (stale page, no cookie) answers in Chinese in the portal's look, JSON under /api/.
CSRF_FAILURE_VIEW = "hall.errors.csrf_failure"

INSTALLED_APPS = [
    "hall.admin_site.HallAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "accounts",
    "matters",
    "halls",
    "notices",
    "cases",
    "windows",
    "delivery",
    "documents",
    "helpers",
    "payments",
    "exchange",
    "locker",
    "hall",
]

MIDDLEWARE = [
    # First: every commit of the request happens inside it (its jobs go to Celery once the
    # answer is sent).
    "accounts.enqueue.PublishAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "hall.middleware.NoStoreMiddleware",
    # Before the session, the user or any view reads them: NUL bytes in the URL or a header,
    # uploads over the limit (refused from Content-Length, the body unread).
    "hall.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Catalog history records who changed what.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hall.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "hall.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "hall.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Ten minutes: a new connection prepares and plans the hot reads again (``accounts.compiled``;
# ~40 ms of PostgreSQL's time in its first requests), which at 60 s every busy thread paid
# each minute.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
# A kept connection is checked (one round trip) before a request or a task first uses it: one
# the server dropped meanwhile (a restart, a failover) is opened again instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiles a plan whose estimated cost passes jit_above_cost: worth it for reports
    # over millions of rows, never for the portal's one-case reads, which it made 100-1000×
    # slower where the statistics are missing or stale (the case answer's estimate crosses the
    # threshold; bench/README.md, seventh pass).
    #
    # The hot reads prepared once per connection (``accounts.compiled``) take their one
    # parameter, a key: the generic plan is the custom one, and planning it again at each of
    # the first five executions (PostgreSQL's default) cost the case's answer ~3.5 ms a time
    # on every new connection.
    #
    # Added to any ``options`` the DATABASE_URL gives (``?options=-c%20statement_timeout%3D5000``);
    # a setting it gives itself wins.
    connection_options = DATABASES["default"].setdefault("OPTIONS", {})
    given = connection_options.get("options", "")
    ours = {
        "jit": "on" if env.bool("DATABASE_JIT", default=False) else "off",
        "plan_cache_mode": "force_generic_plan",
    }
    connection_options["options"] = " ".join(
        [given, *(f"-c {name}={value}" for name, value in ours.items() if f"{name}=" not in given)]
    ).strip()
    # A write nobody reads the answer of goes with the next statement (``accounts.carried``).
    from accounts.carried import Connection, Cursor

    connection_options.setdefault("connection_factory", Connection)
    connection_options.setdefault("cursor_factory", Cursor)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AddressLimitBackend",
    "accounts.backends.IdentityModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Sign-in lockout (django-axes): this many failures for one username lock it for the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# By username only: hall kiosks and government intranets put many citizens behind one NAT
# address, and locking by address would lock a whole service hall out (hence W006 silenced).
AXES_LOCKOUT_PARAMETERS = ["username"]
# One account, one count: its user name, ID number and credit code share the failures.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lockout (of the username, or of the address: accounts.backends) is
# not a new failure of that username: an address limit must not lock its owner out too.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# The client's address for every limit: the number of proxies in front of the web processes
# that append to X-Forwarded-For (nginx, a load balancer). 0 (the default): the header is never
# read, since anyone can write it; with 1, its right-most address is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
RATELIMIT_IP_META_KEY = "accounts.client_ip.client_ip"

# API tokens (django-rest-knox): hashed at rest, one per sign-in, expiring after this many days;
# revoked by sign-out, a password change and a password reset.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
}

# Forgotten passwords are reset with a code sent by SMS to the account's mobile.
PASSWORD_RESET_CODE_MINUTES = env.int("PASSWORD_RESET_CODE_MINUTES", default=10)
PASSWORD_RESET_CODE_ATTEMPTS = env.int("PASSWORD_RESET_CODE_ATTEMPTS", default=5)
# Codes sent to one account per hour; further requests are answered alike and send nothing.
PASSWORD_RESET_PER_ACCOUNT_HOUR = env.int("PASSWORD_RESET_PER_ACCOUNT_HOUR", default=3)

# Chinese is the default (and the source language in the code); English is chosen with the
# language switch (/i18n/setlang/, kept in the language cookie) or the browser's Accept-Language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The switch's choice is kept for a year (Django's default cookie ends with the browser).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Media is private: nothing under MEDIA_ROOT is served by URL; files go out through views
# that check permissions. MEDIA_URL stays unset on purpose.
STORAGES = {
    "default": {
        "BACKEND": env.str("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env.str("S3_BUCKET"),
        "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
        "default_acl": "private",
        "querystring_auth": True,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# kombu's Redis transport, mended so that a Redis outage does not stop the worker
# (hall/broker.py).
CELERY_BROKER_TRANSPORT = "hall.broker:Transport" if REDIS_URL else None
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
CELERY_TASK_ACKS_LATE = True
# A request must not hang on a broker that is down: the outbox and its sweeper send later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Above the longest countdown any task uses, so Redis never redelivers a waiting task early.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4 * 3600,
    # A broker host that drops packets must not hang a request (the outbox sends later).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Tasks are safe to run twice: on a lost connection, cancel and let them be redelivered.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Celery's Django fixup closes a worker's database connection before and after every task
# unless this is set (then every this many tasks): a new PostgreSQL backend per notice sent.
# The worker keeps its connection as the web does instead: ``hall.celery`` closes it around a
# task when it is older than CONN_MAX_AGE or an error left it unusable.
CELERY_DB_REUSE_MAX = 1000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "hall.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hall.api.exceptions.exception_handler",
    # A view's ``throttle_scope`` limits it per client address; views without one are free.
    "DEFAULT_THROTTLE_CLASSES": ["hall.api.throttling.ClientRateThrottle"],
    # Only the proxies we run may name the client (``accounts.client_ip``).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Per client address (``hall.api.throttling``), on the API and the pages alike
    # (``accounts.ratelimits``): where guessing, spraying or texting strangers is the risk.
    "DEFAULT_THROTTLE_RATES": {
        "track": env.str("TRACK_RATE", default="10/minute"),
        "tickets": env.str("TICKET_RATE", default="20/minute"),
        "verify": env.str("VERIFY_RATE", default="30/minute"),
        # The public self-check of a matter's questions (情形引导).
        "checklist": env.str("CHECKLIST_RATE", default="60/minute"),
        # Failed sign-ins from one address, whatever the usernames (password spraying).
        "login": env.str("LOGIN_ADDRESS_RATE", default="30/hour"),
        # "Already registered" answers of the sign-up page to one address.
        "signup": env.str("SIGNUP_EXISTS_RATE", default="10/hour"),
        "password_reset": env.str("PASSWORD_RESET_RATE", default="5/hour"),
        "password_reset_confirm": env.str("PASSWORD_RESET_CONFIRM_RATE", default="20/hour"),
        "password_change": env.str("PASSWORD_CHANGE_RATE", default="10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OneTrip API",
    "DESCRIPTION": "最多跑一次 · 政务服务大厅接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "ReviewStatusEnum": "cases.models.ReviewStatus",
        "CatalogStatusEnum": "matters.models.CatalogStatus",
        "CaseChannelEnum": "cases.models.Channel",
        "NoticeChannelEnum": "notices.models.Channel",
    },
}

# Security: strict whenever DEBUG is off (manage.py check --deploy passes with these).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Citizens stay signed in for two weeks; staff sessions end after a working day, counted from
# sign-in (hall.sessions), so a hall PC left signed in does not stay a clerk's for weeks.
SESSION_COOKIE_AGE = env.int("SESSION_DAYS", default=14) * 24 * 3600
STAFF_SESSION_AGE = env.int("STAFF_SESSION_HOURS", default=8) * 3600
# X-Forwarded-Proto is believed only from a proxy we run (the same count that lets the
# client's address come from X-Forwarded-For); without one, anyone could claim HTTPS.
if env.int("TRUSTED_PROXY_COUNT", default=0) > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): the pages' own scripts and styles only, no inline
# script or style anywhere (templates keep theirs in static/). `data:` images: the favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The API docs page (Swagger UI) carries a <style> block of its own; its script is a file.
API_DOCS_CSP_UPDATE = {"style-src": [UNSAFE_INLINE]}
# Permissions-Policy (django-permissions-policy): no page needs any of these devices.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request lines carry query strings (?id_last4=…): hall.log_filters redacts personal values.
    # The access loggers (runserver's, gunicorn's) get the same filter at start-up (hall.apps).
    "filters": {"personal_data": {"()": "hall.log_filters.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Uploaded materials: per-file limit (larger uploads are answered 413, from Content-Length,
# before the body is read), files per material, and pixels per image (read from its header).
MATERIAL_MAX_UPLOAD_BYTES = env.int("MATERIAL_MAX_UPLOAD_MB", default=20) * 1024 * 1024
MATERIAL_MAX_FILES = env.int("MATERIAL_MAX_FILES", default=10)
MATERIAL_MAX_IMAGE_PIXELS = env.int("MATERIAL_MAX_IMAGE_MEGAPIXELS", default=50) * 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bad ratings: working days the responsible department has to follow up.
FOLLOW_UP_WORKING_DAYS = env.int("FOLLOW_UP_WORKING_DAYS", default=15)
# How long a rating link (window screen, receipt QR) stays valid.
RATING_LINK_HOURS = env.int("RATING_LINK_HOURS", default=72)

# Notices: SMS gateway (logging by default), e-mail through Django, retries with backoff.
SMS_BACKEND = env.str("SMS_BACKEND", default="notices.backends.LoggingSmsBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@onetrip.example.gov.cn")
# E-mail addresses for notices: the confirmation link's lifetime, confirmation mails a day.
EMAIL_CONFIRM_MAX_AGE = env.int("EMAIL_CONFIRM_MAX_AGE", default=48 * 3600)
EMAIL_CONFIRM_DAILY_LIMIT = env.int("EMAIL_CONFIRM_DAILY_LIMIT", default=5)
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=6)
NOTICE_RETRY_BASE_SECONDS = env.int("NOTICE_RETRY_BASE_SECONDS", default=30)
NOTICE_RETRY_MAX_SECONDS = env.int("NOTICE_RETRY_MAX_SECONDS", default=3600)
# Queue reminders (SMS) to one mobile number per day, across tickets: the number is typed at a
# kiosk by whoever stands there.
TICKET_SMS_PER_MOBILE_PER_DAY = env.int("TICKET_SMS_PER_MOBILE_PER_DAY", default=3)

# Courier delivery (快递送达): the simulated courier by default; HTTP courier in production.
COURIER_BACKEND = env.str("COURIER_BACKEND", default="delivery.backends.SimulatedCourier")
COURIER_URL = env.str("COURIER_URL", default="")
COURIER_KEY = env.str("COURIER_KEY", default="")
COURIER_TIMEOUT = env.float("COURIER_TIMEOUT", default=10.0)
COURIER_MAX_ATTEMPTS = env.int("COURIER_MAX_ATTEMPTS", default=5)
COURIER_RETRY_BASE_SECONDS = env.int("COURIER_RETRY_BASE_SECONDS", default=30)
# Below the broker's visibility timeout, so a waiting retry is never redelivered early.
COURIER_RETRY_MAX_SECONDS = env.int("COURIER_RETRY_MAX_SECONDS", default=3600)
COURIER_REORDER_AFTER_SECONDS = env.int("COURIER_REORDER_AFTER_SECONDS", default=300)
COURIER_POLL_BATCH = env.int("COURIER_POLL_BATCH", default=200)
COURIER_SIM_STEP_SECONDS = env.int("COURIER_SIM_STEP_SECONDS", default=60)
COURIER_SIM_DELAY_SECONDS = env.float("COURIER_SIM_DELAY_SECONDS", default=0)
# Pushed tracking updates are signed (HMAC-SHA256); empty refuses every push.
COURIER_WEBHOOK_SECRET = env.str("COURIER_WEBHOOK_SECRET", default="")
COURIER_WEBHOOK_TOLERANCE = env.int("COURIER_WEBHOOK_TOLERANCE", default=300)

# The government data exchange (数据共享): the built-in simulated exchange by default
# (deterministic demo records); ``exchange.sources.HttpSource`` for the real platform. A lookup
# runs before the case's transaction, cut at DEADLINE. A source that is down leaves the
# materials to be brought; it never blocks the case.
DATA_EXCHANGE = {
    "BACKEND": env.str("DATA_EXCHANGE_BACKEND", default="exchange.sources.SimulatedSource"),
    "URL": env.str("DATA_EXCHANGE_URL", default=""),
    "KEY": env.str("DATA_EXCHANGE_KEY", default=""),
    "TIMEOUT": env.float("DATA_EXCHANGE_TIMEOUT", default=3.0),
    "RETRIES": env.int("DATA_EXCHANGE_RETRIES", default=1),
    # The whole call, retries included, ends by then (seconds; empty: TIMEOUT × (RETRIES + 1)).
    "DEADLINE": env.float("DATA_EXCHANGE_DEADLINE", default=0.0),
}

# 网上缴费: the payment gateway. The simulated one (a local page) by default; the HTTP gateway
# of the unified non-tax payment platform (统一公共支付平台) in production (docs/OPERATIONS.md).
PAYMENT_GATEWAY = {
    "BACKEND": env.str("PAYMENT_GATEWAY_BACKEND", default="payments.gateways.SimulatedGateway"),
    "URL": env.str("PAYMENT_GATEWAY_URL", default=""),
    "KEY": env.str("PAYMENT_GATEWAY_KEY", default=""),
    # Signs the gateway's callbacks (HMAC-SHA256); empty refuses every callback.
    "SECRET": env.str("PAYMENT_GATEWAY_SECRET", default=""),
    "TIMEOUT": env.float("PAYMENT_GATEWAY_TIMEOUT", default=10.0),
    # A callback signed longer ago than this (seconds) is refused as stale.
    "CALLBACK_MAX_AGE": env.int("PAYMENT_CALLBACK_MAX_AGE", default=300),
    # The reconciliation asks the gateway about orders still open after this many minutes.
    "RECONCILE_AFTER_MINUTES": env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=10),
    # Orders placed longer ago than this (days) are no longer asked about.
    "RECONCILE_MAX_AGE_DAYS": env.int("PAYMENT_RECONCILE_MAX_AGE_DAYS", default=7),
    # The simulated gateway lets the payer mark a fee paid: refused by the system checks
    # when DEBUG is off unless explicitly allowed (a demo or training deployment).
    "ALLOW_SIMULATED": env.bool("PAYMENT_ALLOW_SIMULATED", default=False),
}

# E-licences are signed (HMAC-SHA256) with keys of their own, "kid:secret" entries newest
# first: new licences use the first, every listed key still verifies its licences, so
# rotating SECRET_KEY (or adding a newer licence key) leaves issued licences valid.
# Unset, a development key "dev", which the system checks refuse when DEBUG is off.
LICENCE_SIGNING_KEYS = env.list(
    "LICENCE_SIGNING_KEYS", default=["dev:dev-only-licence-signing-key-do-not-use-in-production"]
)
# Allocations between two collections of Python's youngest generation in the gunicorn and
# Celery worker processes (hall/heap.py; Python's own default is 700).
GC_YOUNG_THRESHOLD = env.int("GC_YOUNG_THRESHOLD", default=10000)
if GC_YOUNG_THRESHOLD < 1:  # 0 would switch Python's automatic collection off altogether
    raise ImproperlyConfigured("GC_YOUNG_THRESHOLD must be 1 or more (Python's default: 700).")
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# The hall's own settings.
HALL_NAME = env.str("HALL_NAME", default="OneTrip 政务服务中心")
HALL_PHONE = env.str("HALL_PHONE", default="0571-12345")
HALL_HOURS = env.str("HALL_HOURS", default="工作日 9:00-12:00、13:30-17:00")
# What a government portal's footer carries (GB/T 31000-style site rules): the sponsor and
# operator, the hall's address, and the filing numbers, each shown only when set.
HALL_SPONSOR = env.str("HALL_SPONSOR", default="OneTrip 市人民政府办公室")
HALL_OPERATOR = env.str("HALL_OPERATOR", default="OneTrip 市政务服务管理办公室")
HALL_ADDRESS = env.str("HALL_ADDRESS", default="OneTrip 市民中心 1 号楼")
HALL_EMAIL = env.str("HALL_EMAIL", default="")
SITE_ICP_FILING = env.str("SITE_ICP_FILING", default="")
SITE_SECURITY_FILING = env.str("SITE_SECURITY_FILING", default="")
SITE_GOV_CODE = env.str("SITE_GOV_CODE", default="")
# The elderly-friendly mode (适老化): large text and high contrast, kept in this cookie.
CARE_MODE_COOKIE = "care_mode"
# The portal's public address, for links in papers and notices (SMS, e-mail). Required with
# DEBUG off (system check): a link to 127.0.0.1 printed on a receipt helps nobody.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
