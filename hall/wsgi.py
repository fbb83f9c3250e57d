"""WSGI entry point (gunicorn hall.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

application = get_wsgi_application()

# Last: what the worker has loaded by now stays for its lifetime (hall/heap.py).
from hall.heap import settle  # noqa: E402

settle()
