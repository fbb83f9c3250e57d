"""Celery application wired to Django settings (namespace ``CELERY_``)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

app = Celery("hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def settle_worker_process(**_kwargs) -> None:
    """A prefork child, once started: its garbage collector settled as in the web processes
    (``hall.heap.settle``), without the paper warm-up. Celery gives a new child 4 s to report
    ready (``worker_proc_alive_timeout``), which loading WeasyPrint and the font could overrun
    on a busy box, and a worker renders only the papers nobody has downloaded yet."""
    from hall.heap import settle

    settle(papers=False)


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **_kwargs) -> None:
    """Around each task, what Django does around each request: a connection older than
    CONN_MAX_AGE, or one an error left unusable, is closed (the next query opens another).
    Celery's own closing of every connection at each task is off (``CELERY_DB_REUSE_MAX``).
    Not for a task run eagerly, inside its caller's request and transaction."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
