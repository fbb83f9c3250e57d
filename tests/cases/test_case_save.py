"""A stored case's save writes the columns that changed since it was read, and no others: what
another step wrote meanwhile to another column stays, and a value set back is written back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case

from .conftest import drive_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(citizen, clerk, matter, housing_approver, tax_approver):
    approvers = {"housing": housing_approver, "tax": tax_approver}
    return drive_case("in_review", owner=citizen, clerk=clerk, matter=matter, approvers=approvers)


def _update_of(captured) -> str:
    (update,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    return update


def test_a_save_writes_what_changed_and_when(case):
    read = Case.objects.get(pk=case.pk)
    read.decision_note = "补正说明"
    with CaptureQueriesContext(connection) as captured:
        read.save()
    update = _update_of(captured)
    assert '"decision_note"' in update and '"updated_at"' in update
    assert '"applicant_name"' not in update and '"status"' not in update


def test_another_steps_write_to_another_column_is_kept(case):
    read = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(waybill="SF0001", applicant_phone="13900000000")
    read.decision_note = "补正说明"
    read.save()
    stored = Case.objects.get(pk=case.pk)
    assert (stored.waybill, stored.applicant_phone) == ("SF0001", "13900000000")
    assert stored.decision_note == "补正说明"


def test_a_value_set_back_after_a_save_is_written(case):
    read = Case.objects.get(pk=case.pk)
    original = read.decision_note
    read.decision_note = "第一次"
    read.save()
    read.decision_note = original
    read.save()
    assert Case.objects.get(pk=case.pk).decision_note == original


def test_answers_changed_in_place_are_written(case):
    Case.objects.filter(pk=case.pk).update(answers={"q1": "a"})
    read = Case.objects.get(pk=case.pk)
    read.answers["added"] = "yes"
    read.save()
    assert Case.objects.get(pk=case.pk).answers == {"q1": "a", "added": "yes"}


def test_a_refreshed_case_writes_what_it_now_holds(case):
    read = Case.objects.get(pk=case.pk)
    original = read.decision_note
    Case.objects.filter(pk=case.pk).update(decision_note="别处写的")
    read.refresh_from_db()
    read.decision_note = original  # back to what was first read: a change from the refresh
    read.save()
    assert Case.objects.get(pk=case.pk).decision_note == original
