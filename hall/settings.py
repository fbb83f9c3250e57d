"""OneTrip settings, driven by the environment (django-environ).

Embedded defaults run the portal on a bare machine: no ``DATABASE_URL`` means a SQLite file,
no ``REDIS_URL`` means Celery runs tasks eagerly in-process. Every variable is listed in
``.env.example``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from .schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "matters",
    "notices",
    "cases",
    "windows",
    "delivery",
    "documents",
    "hall",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            ],
        },
    },
]

WSGI_APPLICATION = "hall.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
# English follows once its translation exists (locale/en).
LANGUAGES = [("zh-hans", "简体中文")]
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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "hall.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hall.api.exceptions.exception_handler",
    # Scoped throttles only where guessing is the risk (public tracking); see cases.api.
    "DEFAULT_THROTTLE_RATES": {"track": env.str("TRACK_RATE", default="10/minute")},
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
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Uploaded materials: per-file limit (larger uploads are answered 413).
MATERIAL_MAX_UPLOAD_BYTES = env.int("MATERIAL_MAX_UPLOAD_MB", default=20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bad ratings: working days the responsible department has to follow up.
FOLLOW_UP_WORKING_DAYS = env.int("FOLLOW_UP_WORKING_DAYS", default=15)

# Notices: SMS gateway (logging by default), e-mail through Django, retries with backoff.
SMS_BACKEND = env.str("SMS_BACKEND", default="notices.backends.LoggingSmsBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@onetrip.example.gov.cn")
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=6)
NOTICE_RETRY_BASE_SECONDS = env.int("NOTICE_RETRY_BASE_SECONDS", default=30)
NOTICE_RETRY_MAX_SECONDS = env.int("NOTICE_RETRY_MAX_SECONDS", default=3600)

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

# E-licences are signed (HMAC-SHA256) with keys of their own, "kid:secret" entries newest
# first: new licences use the first, every listed key still verifies its licences, so
# rotating SECRET_KEY (or adding a newer licence key) leaves issued licences valid.
# Unset, a development key "dev", which the system checks refuse when DEBUG is off.
LICENCE_SIGNING_KEYS = env.list(
    "LICENCE_SIGNING_KEYS", default=["dev:dev-only-licence-signing-key-do-not-use-in-production"]
)
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# The hall's own settings.
HALL_NAME = env.str("HALL_NAME", default="OneTrip 政务服务中心")
HALL_PHONE = env.str("HALL_PHONE", default="0571-12345")
HALL_HOURS = env.str("HALL_HOURS", default="工作日 9:00-12:00、13:30-17:00")
# The portal's public address, for links in papers and notices (SMS, e-mail). Required with
# DEBUG off (system check): a link to 127.0.0.1 printed on a receipt helps nobody.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
