"""seed_demo --history: a reproducible stretch of a hall's history the dashboard shows."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Case, CaseEvent, Rating, Visit
from hall.models import SupervisionSummaryState
from windows.models import Ticket

pytestmark = pytest.mark.django_db


def seed(days: int = 10, seed: int = 12) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        "--history",
        "--history-days",
        str(days),
        "--history-seed",
        str(seed),
        stdout=out,
    )
    return out.getvalue()


def test_history_fills_the_dashboard(client):
    output = seed()
    assert "历史数据" in output
    today = timezone.localdate()
    assert Case.objects.count() > 10
    assert not Case.objects.filter(submitted_at__date__gte=today).exists()
    assert Visit.objects.exists() and Rating.objects.exists() and Ticket.objects.exists()
    state = SupervisionSummaryState.objects.get()
    assert state.covered_to == today - datetime.timedelta(days=1)

    client.force_login(User.objects.get(username="supervisor1"))
    start = today - datetime.timedelta(days=10)
    response = client.get(f"/supervision/?start={start}&end={today}")
    assert response.status_code == 200
    total = response.context["dashboard"].total
    assert total.received > 10
    assert total.decided > 0
    assert total.promise_kept_rate and total.one_trip_rate
    assert total.mean_steps and total.mean_steps >= 1
    people = {table["name"]: table["rows"] for table in response.context["people_tables"]}
    assert people["window"] and people["staff"]
    assert "王芳" in response.content.decode() or "刘洋" in response.content.decode()


def test_history_online_cases_carry_the_answers_to_their_matters_questions():
    seed(days=20)
    asked = Case.objects.filter(channel="online", matter__questions__isnull=False).distinct()
    assert asked.exists()
    for case in asked.select_related("matter"):
        codes = set(case.matter.questions.values_list("code", flat=True))
        assert {answer["code"] for answer in case.answers} == codes, case.number


def cases() -> list[tuple]:
    return sorted(Case.objects.values_list("number", "matter__code", "applicant_name"))


def test_history_is_reproducible_and_not_added_twice():
    with transaction.atomic():
        seed(days=10)
        first = cases()
        transaction.set_rollback(True)  # (events are append-only: no delete)
    assert not Case.objects.exists()
    seed(days=10)
    assert first and cases() == first
    events = CaseEvent.objects.count()
    assert "0 个工作日" in seed(days=10)  # the days already have cases
    assert cases() == first and CaseEvent.objects.count() == events
