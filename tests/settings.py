"""Settings of the test run: the project's own, as production reads them (DEBUG off).

Only what a test client speaking plain HTTP without a deployment needs is given here: a
secret key of its own (exported, so that subprocesses the tests start read the same), no
redirect to HTTPS, and static files served from the app folders (no collectstatic manifest).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-run")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from hall.settings import *  # noqa: F403
from hall.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
