"""Python's cyclic garbage collector in the long-running processes: the gunicorn workers and
Celery's worker processes (issue 11; measured in bench/README.md, "Eighth pass").

Under the HTTP bench a gunicorn worker spent ~9 % of its CPU in the collector. Its full
collections walked the ~400,000 objects loaded at start (Django, the apps, WeasyPrint and
the font configuration) 8-12 times per 200 lifecycles, 180-300 ms of CPU each, inside
whichever request triggered them; and the youngest generation was collected every 700 allocations,
each time walking the objects a request was still using (a paper's boxes) and promoting
them towards the generations collected more rarely and at greater cost.

A paper's render collects its own garbage as it ends (``documents.pdf.render_pdf``;
"Thirteenth pass"): two thirds of a web worker's cyclic garbage came from the layouts.
"""

import gc
import logging

from django.conf import settings

log = logging.getLogger(__name__)


def settle(*, papers: bool = True) -> None:
    """Call once, when a process has loaded what it keeps for its lifetime.

    With ``papers`` it first renders a paper (``documents.pdf.warm_up``), so WeasyPrint and
    the font are loaded now and not in someone's download. Then what is alive is frozen:
    Python's permanent generation, which no collection walks again (objects in it are still
    freed as usual when nothing refers to them). And the youngest generation is collected
    every ``GC_YOUNG_THRESHOLD`` allocations instead of 700.
    """
    if papers:
        from documents.pdf import warm_up

        try:
            warm_up()
        except Exception:  # a paper that cannot render fails its own download, not the start
            log.exception("Could not render the warm-up paper; the first download will try")
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(settings.GC_YOUNG_THRESHOLD, middle, oldest)
