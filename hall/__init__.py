"""OneTrip project package: settings, URLs, the Celery app and the pages that sit on top."""

from .celery import app as celery_app

__all__ = ("celery_app",)
