"""``manage.py supervision_summary``: (re)build the dashboard's daily summary of closed days.

Backfills a new hall or a restored database, or rebuilds days after a correction of old cases;
the nightly Celery beat task (``hall.tasks.refresh_supervision_summary``) keeps the last days
up to date. Whole days are rebuilt, one chunk of days per transaction, newest first, so the
dashboard keeps reading the part already covered while an old range is being built.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hall.supervision.summary import supervision_summary_backfill


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Build the supervision dashboard's daily summary of closed days (default: all)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_date, help="last day (default: yesterday)")
        parser.add_argument("--chunk-days", type=int, default=31, help="days per transaction")

    def handle(self, *args, start=None, end=None, chunk_days=31, verbosity=1, **options):
        if chunk_days < 1:
            raise CommandError("--chunk-days must be at least 1")
        began = time.perf_counter()

        def progress(first: datetime.date, last: datetime.date, rows: int) -> None:
            if verbosity:
                self.stdout.write(f"  {first} .. {last}: {rows:,} rows")

        covered = supervision_summary_backfill(
            start=start, end=end, chunk_days=chunk_days, progress=progress
        )
        if covered is None:
            self.stdout.write("nothing to summarise")
            return
        self.stdout.write(
            f"summary covers {covered[0]} .. {covered[1]} "
            f"(built in {time.perf_counter() - began:.1f}s; today {timezone.localdate()} is read "
            "from the cases)"
        )
