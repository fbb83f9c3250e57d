"""Settings of the test run: the project's own, as production reads them (DEBUG off).

Only what a test client speaking plain HTTP without a deployment needs is given here: a
secret key, a licence signing key and a site address of its own (exported, so that
subprocesses the tests start read the same), no redirect to HTTPS, and static files served
from the app folders (no collectstatic manifest).
"""

import os

# Production's defaults, whatever a developer's checkout says (``make install`` writes a
# development .make/dev.env); subprocesses the tests start inherit this too.
os.environ.setdefault("DEV_ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-run")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault(
    "LICENCE_SIGNING_KEYS", "tests:tests-only-licence-signing-key-never-used-elsewhere"
)
os.environ.setdefault("SITE_URL", "https://onetrip.test")
# The payment tests pay through the simulated gateway (a deployment refuses it: payments.E001).
os.environ.setdefault("PAYMENT_ALLOW_SIMULATED", "true")

from hall.settings import *  # noqa: F403
from hall.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Under pytest-xdist each worker has a database of its own (pytest-django adds the suffix);
# in the shared Redis database each worker's cache keys (throttle counters) get its prefix.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CACHES = {
        name: {**options, "KEY_PREFIX": f"xdist-{XDIST_WORKER}"}
        for name, options in CACHES.items()  # noqa: F405
    }
