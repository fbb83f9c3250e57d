"""The lists of issue 11 at a large size: the same queries as at a small one, and no query
reads a share of the cases that grows with the table (what keeps them flat at 1 M cases).

The cases come from the benches' SQL generator (bench/dashboard.py, bench/lists.py: the data
``bench/lists.py`` times at 1 k and 1 M), built here at 300 and at 20,000 cases. Each list is
requested as its user would, every query it runs is explained with ``EXPLAIN ANALYZE``, and
the rows each scan of a table that grows with the cases read are counted: a list that sorted or
counted the whole table (as the case list did before issue 11: ``COUNT(DISTINCT …)`` over every
case joined to its visits) reads all 20,000 somewhere and fails.
"""

import datetime
import sys

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.plans import explained, scans

_path = list(sys.path)
from bench import dashboard, lists  # noqa: E402  (they put bench/ on sys.path: put it back)

sys.path[:] = _path

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3_000, 20_000
# The most rows a scan of a table that grows with the cases may read at 20,000 cases: a page
# (50) and what a page legitimately reads around it (the inbox's 120 submitted cases and their
# materials, the queue counted up to its cap of 1,000), a tenth of the table at most.
MOST_ROWS = 2_000
GROWING = ("cases_", "documents_", "notices_", "delivery_", "locker_", "exchange_", "payments_")
# The benches' lists, and the review queue as a supervisor sees it: every department's.
LISTS = [*lists.LISTS, ("admin review queue: supervisor", "supervisor", "/admin/cases/review/")]


def _build(total: int) -> dict[str, Client]:
    with connection.cursor() as cursor:
        # The generator truncates the case tables: not with the last build's foreign key
        # checks still deferred to the end of the test's transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    dashboard.build_catalog()
    dashboard.build_cases(total, 24, datetime.date.today())
    lists.build_list_extras(total, vacuum=False)
    clients = {}
    for role, user in lists.users().items():
        if role == "supervisor":
            user.is_staff = True  # the admin's review queue
            user.save(update_fields=["is_staff"])
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _measure(clients: dict[str, Client]) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    """``{list: (queries, [(table, rows read)] of every SELECT it ran, the response)}``."""
    measured = {}
    for label, role, path in LISTS:
        client = clients[role]
        assert client.get(path).status_code == 200, label  # warm: session, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, label
        nodes = [
            (table, rows)
            for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith("SELECT")
            for table, rows in scans(explained(query["sql"]))
            if table.startswith(GROWING)
        ]
        measured[label] = (len(captured), nodes, response)
    return measured


def test_every_list_reads_a_page_not_the_table_at_20000_cases(settings):
    settings.ALLOWED_HOSTS = ["*"]
    small = _measure(_build(SMALL))
    large = _measure(_build(LARGE))

    from cases.models import Case

    assert Case.objects.count() == LARGE
    assert {label: queries for label, (queries, *_) in large.items()} == {
        label: queries for label, (queries, *_) in small.items()
    }
    too_many = {
        label: [(table, rows) for table, rows in scans if rows > MOST_ROWS]
        for label, (_queries, scans, _response) in large.items()
    }
    assert too_many == {label: [] for label, _role, _path in LISTS}
    # The measure saw the lists' tables: each list read some of the growing rows.
    assert all(scans for _queries, scans, _response in large.values())
    # The city's queue is counted up to its cap, and says so.
    queue = large["admin review queue: supervisor"][2]
    assert queue.context["cl"].result_count == 1_000
    assert "1000 条以上" in queue.content.decode()
