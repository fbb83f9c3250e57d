"""WSGI entry point (gunicorn hall.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

application = get_wsgi_application()
