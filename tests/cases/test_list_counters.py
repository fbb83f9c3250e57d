"""The counters a case keeps for the lists (trips, materials in) equal a recount after every
kind of step that changes them."""

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from cases import services
from cases.models import IN_HAND, Case, MaterialFile, ReviewStatus
from matters.calendar import add_working_days
from matters.models import MaterialForm

from .conftest import applicant_of, drive_case, pdf, requirement

pytestmark = pytest.mark.django_db


def miscounted() -> list[tuple[str, int, int, int, int]]:
    """Cases whose counters differ from a recount: (number, trips, visits, in, in hand)."""
    rows = Case.objects.annotate(
        visits_n=Count("visits", distinct=True),
        in_hand=Count("materials", filter=Q(materials__status__in=IN_HAND), distinct=True),
    ).values_list("number", "trip_count", "visits_n", "materials_in", "in_hand")
    return [row for row in rows if (row[1], row[3]) != (row[2], row[4])]


def test_counters_equal_a_recount_through_a_case_life_online(
    citizen, clerk, matter, housing_approver, tax_approver
):
    approvers = {"housing": housing_approver, "tax": tax_approver}
    for status in ("draft", "submitted", "supplement_required", "in_review", "denied"):
        drive_case(status, owner=citizen, clerk=clerk, matter=matter, approvers=approvers)
    closed = drive_case("closed", owner=citizen, clerk=clerk, matter=matter, approvers=approvers)
    assert closed.trip_count == 1  # collected at the window
    assert closed.materials_in == 2

    # Deferred at acceptance, then brought to the window: a trip and a material in.
    deferred = drive_case(
        "in_review", owner=citizen, clerk=clerk, matter=matter, approvers=approvers, deferred=True
    )
    assert (deferred.trip_count, deferred.materials_in) == (0, 1)
    services.material_receive(
        case=deferred,
        by=clerk,
        requirement_id=requirement(deferred, "完税凭证"),
        form=MaterialForm.ORIGINAL,
        copies=1,
    )
    deferred.refresh_from_db()
    assert (deferred.trip_count, deferred.materials_in) == (1, 2)

    # A department returns a material: out of hand; the applicant uploads it again: in.
    returned = drive_case(
        "in_review", owner=citizen, clerk=clerk, matter=matter, approvers=approvers
    )
    services.review_decide(
        review=returned.reviews.get(department__code="housing"),
        by=housing_approver,
        decision="approve",
        opinion="同意。",
    )
    tax_review = returned.reviews.get(department__code="tax")
    services.review_decide(
        review=tax_review,
        by=tax_approver,
        decision="return",
        opinion="完税凭证印章不清。",
        missing=[requirement(returned, "完税凭证")],
    )
    returned.refresh_from_db()
    assert returned.materials_in == 1
    assert miscounted() == []
    services.material_upload(
        case=returned, by=citizen, requirement_id=requirement(returned, "完税凭证"), upload=pdf()
    )
    returned.refresh_from_db()
    assert returned.materials_in == 2
    services.case_resubmit(case=returned, by=citizen)
    assert returned.reviews.filter(status=ReviewStatus.PENDING).count() == 1

    # A draft's file taken off again: out of hand.
    draft = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    services.material_upload(
        case=draft, by=citizen, requirement_id=requirement(draft, "居民身份证"), upload=pdf()
    )
    assert Case.objects.get(pk=draft.pk).materials_in == 1
    stored = MaterialFile.objects.get(material__case=draft)
    services.material_file_remove(stored=stored, by=citizen)
    assert Case.objects.get(pk=draft.pk).materials_in == 0

    assert miscounted() == []


def test_counters_equal_a_recount_through_a_window_intake(citizen, clerk, matter):
    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    identity_card, tax_receipt = requirement(case, "居民身份证"), requirement(case, "完税凭证")
    for requirement_id in (identity_card, tax_receipt):
        services.material_receive(
            case=case, by=clerk, requirement_id=requirement_id, form=MaterialForm.COPY, copies=1
        )
    # Received twice in another form: still one material in.
    services.material_receive(
        case=case, by=clerk, requirement_id=identity_card, form=MaterialForm.ORIGINAL, copies=2
    )
    assert Case.objects.get(pk=case.pk).materials_in == 2
    services.material_mark_missing(case=case, by=clerk, requirement_id=tax_receipt, reason="模糊")
    assert Case.objects.get(pk=case.pk).materials_in == 1
    services.material_receive(
        case=case, by=clerk, requirement_id=tax_receipt, form=MaterialForm.ORIGINAL, copies=1
    )
    services.case_hand_in(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    # A second acceptance-day visit is the same trip.
    services.visit_record(case=case, by=clerk, kind="supplement", on=timezone.localdate())
    case.refresh_from_db()
    assert (case.trip_count, case.materials_in) == (1, 2)
    services.visit_record(
        case=case, by=clerk, kind="collect", on=add_working_days(timezone.localdate(), 1)
    )
    assert Case.objects.get(pk=case.pk).trip_count == 2
    assert miscounted() == []


def test_a_full_save_of_an_old_instance_keeps_the_counters(citizen, clerk, matter):
    case = drive_case("submitted", owner=citizen, clerk=clerk, matter=matter)
    stale = Case.objects.get(pk=case.pk)
    services.visit_record(case=case, by=clerk, kind="intake", on=timezone.localdate())
    stale.applicant_phone = "13900000000"
    stale.save()
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.trip_count, fresh.applicant_phone) == (1, "13900000000")
    assert miscounted() == []


def test_the_counters_migration_fills_existing_rows(citizen, clerk, matter):
    """What the data migration runs: counters of rows made before them equal a recount."""
    import importlib

    from django.db import connection

    case = drive_case("closed", owner=citizen, clerk=clerk, matter=matter)
    Case.objects.filter(pk=case.pk).update(trip_count=0, materials_in=0)
    assert miscounted() != []
    migration = importlib.import_module("cases.migrations.0007_h3_list_counters")
    fill = next(op for op in migration.Migration.operations if hasattr(op, "sql"))
    with connection.cursor() as cursor:
        cursor.execute(fill.sql)
    assert miscounted() == []
