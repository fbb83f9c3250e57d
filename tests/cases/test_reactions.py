"""What follows case events (hall/reactions.py): the notices that the outbox records."""

import pytest
from django.db import transaction

from cases import services
from cases.exceptions import MissingMaterialsError
from notices.models import Notice
from tests.factories import DepartmentFactory, UserFactory

from .conftest import pdf, requirement

pytestmark = pytest.mark.django_db


def test_acceptance_tells_the_applicant_the_deadline_and_every_reviewing_department(
    make_case, housing_approver, tax_approver
):
    case = make_case("in_review")
    sms = Notice.objects.get(template="case_accepted", channel="sms")
    assert case.number in sms.text
    assert f"{case.deadline.year}年{case.deadline.month}月{case.deadline.day}日" in sms.text
    assigned = Notice.objects.filter(template="review_assigned", channel="inbox")
    assert {n.recipient for n in assigned} == {housing_approver, tax_approver}


def test_acceptance_tells_only_the_active_approvers_of_each_reviewing_department(
    make_case, housing, tax, housing_approver
):
    """The approvers are read with the reviewing departments: each review's notice goes to
    its own department's active approvers, by SMS too where they have a mobile."""
    on_call = UserFactory(approver=True, department=tax, phone="13900001111")
    UserFactory(approver=True, department=tax, phone="13900002222", is_active=False)
    UserFactory(clerk=True, department=tax, phone="13900003333")
    UserFactory(approver=True, department=DepartmentFactory(code="police"), phone="13900004444")
    case = make_case("in_review")
    review = {r.department_id: r.pk for r in case.reviews.all()}
    assigned = Notice.objects.filter(template="review_assigned")
    assert {(n.key, n.channel, n.recipient_id, n.address) for n in assigned} == {
        (f"review:{review[housing.pk]}:round:1", "inbox", housing_approver.pk, ""),
        (f"review:{review[tax.pk]}:round:1", "inbox", on_call.pk, ""),
        (f"review:{review[tax.pk]}:round:1", "sms", on_call.pk, "13900001111"),
    }


def test_a_return_tells_the_merged_list_and_resubmission_reopens_only_that_department(
    make_case, housing_approver, tax_approver, citizen
):
    case = make_case("in_review")
    tax_proof = requirement(case, "完税凭证")
    services.review_decide(
        review=case.reviews.get(department__code="housing"),
        by=housing_approver,
        decision="approve",
        opinion="同意。",
    )
    services.review_decide(
        review=case.reviews.get(department__code="tax"),
        by=tax_approver,
        decision="return",
        opinion="完税凭证缺少印章。",
        missing=[tax_proof],
    )
    notice = Notice.objects.get(template="case_supplement_required", channel="inbox")
    assert "完税凭证" in notice.text and "缺少印章" in notice.text
    services.material_upload(case=case, by=citizen, requirement_id=tax_proof, upload=pdf())
    services.case_resubmit(case=case, by=citizen)
    second_round = Notice.objects.filter(template="review_assigned", key__endswith=":round:2")
    assert {n.recipient for n in second_round} == {tax_approver}


class RollbackError(Exception):
    pass


def test_a_refused_change_leaves_no_notice(make_case, citizen):
    case = make_case("draft")
    with pytest.raises(MissingMaterialsError):
        services.case_submit(case=case, by=citizen)
    assert not Notice.objects.filter(template="case_submitted").exists()


def test_a_rolled_back_change_leaves_no_notice(make_case, citizen):
    case = make_case("draft")
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )

    # The submission and its notices are written, then the caller's transaction fails.
    with pytest.raises(RollbackError), transaction.atomic():
        services.case_submit(case=case, by=citizen)
        assert Notice.objects.filter(template="case_submitted").count() >= 2  # SMS and inbox
        raise RollbackError

    case.refresh_from_db()
    assert case.status == "draft"
    assert not Notice.objects.filter(template="case_submitted").exists()
