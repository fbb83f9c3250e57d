"""Celery tasks of documents: thin wrappers around ``documents.services``."""

from celery import shared_task

from .models import Document, DocumentStatus
from .services import document_render, document_render_failed, documents_due

MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
)
def render_document(self, document_id: int) -> str:
    """Render a pending document to PDF and store it (once; a second run does nothing)."""
    if not Document.objects.filter(pk=document_id, status=DocumentStatus.PENDING).exists():
        return "done"  # idempotency: rendered already, failed for good, or gone
    try:
        document = document_render(document_id=document_id)
    except OSError as error:  # storage hiccup: transient
        if self.request.retries >= MAX_RETRIES:
            document_render_failed(document_id=document_id, error=repr(error))
            return "failed"
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    except Exception as error:
        document_render_failed(document_id=document_id, error=repr(error))
        raise
    return document.status if document is not None else "missing"


@shared_task(acks_late=True, ignore_result=True, time_limit=600)
def render_pending_documents() -> int:
    """Render a bounded batch of papers nobody downloaded yet (catch-up, ``documents_due``);
    safe to run twice, and alongside downloads (each paper renders once, under its lock)."""
    done = 0
    for document_id in documents_due():
        render_document.apply(args=(document_id,))
        done += 1
    return done
