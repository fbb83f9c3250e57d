"""Settings of the HTTP bench's gunicorn and Celery worker (``bench/http_lifecycle.py``).

Production's settings (``hall.settings``, DEBUG off, read from the environment the bench
gives), with two bench-only additions that change nothing else:

- ``bench.http_middleware.StatementCountMiddleware`` (first in the chain) answers every
  request with the number of SQL statements it ran (``X-Statements``) and their time
  (``X-Statements-Ms``), without DEBUG;
- ``ROOT_URLCONF = "bench.http_urls"``: the project's URLs unchanged plus ``POST
  /bench/insert/``, the bare one-row INSERT through the same stack (the baseline).

Static files are served from the app folders, as in tests/settings.py (no collectstatic).
"""

import os

# Production's defaults, whatever the checkout says (``make install`` writes a development
# .make/dev.env that turns DEBUG on).
os.environ.setdefault("DEV_ENV_FILE", "")

from hall.settings import *  # noqa: F403
from hall.settings import MIDDLEWARE, STORAGES

ROOT_URLCONF = "bench.http_urls"
MIDDLEWARE = ["bench.http_middleware.StatementCountMiddleware", *MIDDLEWARE]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
