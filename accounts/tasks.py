"""Celery tasks of accounts: thin wrappers around ``accounts.services_auth``."""

from celery import shared_task

from .services_auth import credentials_purge_expired


@shared_task(acks_late=True, ignore_result=True)
def purge_expired_credentials() -> int:
    """Delete expired API tokens and spent reset codes."""
    # idempotency: a second run finds nothing expired left to delete.
    return credentials_purge_expired()
