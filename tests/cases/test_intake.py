"""Intake: create, upload, submit, accept (with deferrals), one-time notice, refuse."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.exceptions import (
    CasePermissionError,
    InvalidTransitionError,
    MaterialFileError,
    MaterialTooLargeError,
    MissingMaterialsError,
)
from cases.models import Case, CaseEvent, MaterialStatus, Visit
from matters.calendar import add_working_days
from tests.factories import BundleFactory, MaterialTypeFactory, MatterFactory, RequirementFactory

from .conftest import PNG_BYTES, applicant_of, pdf, requirement

pytestmark = pytest.mark.django_db


def test_a_new_case_is_a_numbered_draft_with_one_entry_per_requirement(make_case):
    first, second = make_case(), make_case()
    assert re.fullmatch(r"\d{8}-\d{5}", first.number)
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1
    assert first.status == "draft"
    names = list(first.materials.values_list("material_type__name", flat=True))
    assert names == ["居民身份证", "完税凭证", "授权委托书"]
    assert CaseEvent.objects.filter(case=first, action="create").count() == 1


def test_applicant_identity_is_validated(citizen, matter):
    with pytest.raises(ValidationError) as excinfo:
        services.case_create(
            by=citizen,
            matter=matter,
            applicant=services.Applicant(
                kind="person", name="李四", phone="12345", id_number="110105194912310021"
            ),
        )
    assert set(excinfo.value.message_dict) == {"applicant.id_number", "applicant.phone"}
    assert not Case.objects.exists()


def test_courier_needs_a_full_address_and_a_matter_that_allows_it(citizen, matter):
    with pytest.raises(ValidationError) as excinfo:
        services.case_create(
            by=citizen,
            matter=matter,
            applicant=applicant_of(citizen),
            delivery=services.Delivery(method="courier", receiver="李四", phone="13800000000"),
        )
    assert {"delivery.address", "delivery.province"} <= set(excinfo.value.message_dict)
    pickup_only = MatterFactory(delivery_methods=["pickup"])
    with pytest.raises(ValidationError) as excinfo:
        services.case_create(
            by=citizen,
            matter=pickup_only,
            applicant=applicant_of(citizen),
            delivery=services.Delivery(
                method="courier",
                receiver="李四",
                phone="13800000000",
                province="浙江省",
                city="杭州市",
                district="西湖区",
                address="文三路100号",
            ),
        )
    assert "delivery.method" in excinfo.value.message_dict


def test_a_bundle_case_asks_shared_materials_once(citizen, matter, tax):
    water = MatterFactory(name="供水过户", with_guide=False, reviewing_departments=[tax])
    RequirementFactory(matter=water, material=matter.requirements.get(key=True).material, key=True)
    RequirementFactory(matter=water, material=MaterialTypeFactory(name="水费缴清证明"))
    bundle = BundleFactory(matters=[matter, water])
    case = services.case_create(by=citizen, bundle=bundle, applicant=applicant_of(citizen))
    names = list(case.materials.values_list("material_type__name", flat=True))
    assert names.count("居民身份证") == 1
    assert "水费缴清证明" in names


def test_upload_is_recognised_by_content_not_name(make_case, citizen):
    case = make_case()
    id_card = requirement(case, "居民身份证")
    with pytest.raises(MaterialFileError):
        services.material_upload(
            case=case,
            by=citizen,
            requirement_id=id_card,
            upload=SimpleUploadedFile("id.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        )
    stored = services.material_upload(
        case=case,
        by=citizen,
        requirement_id=id_card,
        upload=SimpleUploadedFile("photo.bin", PNG_BYTES, "application/octet-stream"),
    )
    assert stored.content_type == "image/png"
    assert case.materials.get(requirement_id=id_card).status == MaterialStatus.RECEIVED


def test_oversized_upload_is_refused_with_413(make_case, citizen, settings):
    settings.MATERIAL_MAX_UPLOAD_BYTES = 1024
    case = make_case()
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf")
    with pytest.raises(MaterialTooLargeError) as excinfo:
        services.material_upload(
            case=case, by=citizen, requirement_id=requirement(case, "居民身份证"), upload=big
        )
    assert excinfo.value.status_code == 413
    assert "不能超过" in excinfo.value.detail


def test_someone_elses_case_is_not_theirs_to_touch(make_case):
    from tests.factories import UserFactory

    case = make_case()
    stranger = UserFactory(citizen=True)
    with pytest.raises(CasePermissionError):
        services.material_upload(
            case=case, by=stranger, requirement_id=requirement(case, "居民身份证"), upload=pdf()
        )
    with pytest.raises(CasePermissionError):
        services.case_submit(case=case, by=stranger)


def test_submit_names_every_missing_material_at_once_but_not_deferrable_ones(
    make_case, citizen, matter
):
    extra = RequirementFactory(matter=matter, material=MaterialTypeFactory(name="购房合同"))
    case = make_case()
    with pytest.raises(MissingMaterialsError) as excinfo:
        services.case_submit(case=case, by=citizen)
    missing = {item["name"] for item in excinfo.value.missing}
    assert missing == {"居民身份证", "购房合同"}  # 完税凭证 is deferrable, 委托书 conditional
    case.refresh_from_db()
    assert case.status == "draft"
    for requirement_id in (requirement(case, "居民身份证"), extra.id):
        services.material_upload(case=case, by=citizen, requirement_id=requirement_id, upload=pdf())
    services.case_submit(case=case, by=citizen)
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.submitted_at is not None


def test_accept_opens_one_review_per_department_at_once_and_sets_the_deadline(make_case, clerk):
    case = make_case("in_review")
    assert case.status == "in_review"
    assert sorted(case.reviews.values_list("department__code", flat=True)) == ["housing", "tax"]
    assert set(case.reviews.values_list("status", flat=True)) == {"pending"}
    assert case.accepted_on == timezone.localdate()
    assert case.deadline > case.accepted_on
    assert case.warning_on <= case.deadline
    # Applied online and accepted without the applicant: no trip.
    assert case.visits.count() == 0


def test_a_deferrable_material_not_in_must_be_deferred_or_asked_for(make_case, clerk):
    case = make_case("submitted", deferred=True)
    with pytest.raises(MissingMaterialsError) as excinfo:
        services.case_accept(case=case, by=clerk)
    assert [item["name"] for item in excinfo.value.missing] == ["完税凭证"]


def test_deferral_rules(make_case, clerk, citizen):
    case = make_case("submitted", deferred=True)
    due = add_working_days(timezone.localdate(), 5)
    services.case_commit_deferral(case=case, by=citizen, due_date=due)
    with pytest.raises(ValidationError) as excinfo:
        services.case_accept(
            case=case,
            by=clerk,
            deferred=[requirement(case, "居民身份证")],
            due_date=due + datetime.timedelta(days=1),
        )
    messages = excinfo.value.message_dict["deferred"]
    assert any("主件" in message for message in messages)
    assert any("补齐期限须为申请人承诺的" in message for message in messages)
    case.refresh_from_db()
    assert case.status == "submitted"
    services.case_accept(
        case=case, by=clerk, deferred=[requirement(case, "完税凭证")], due_date=due
    )
    material = case.materials.get(material_type__name="完税凭证")
    assert material.status == MaterialStatus.DEFERRED
    assert material.due_date == due
    assert "容缺受理" in case.events.get(action="accept").note


def test_accepting_twice_is_refused_and_changes_nothing(make_case, clerk):
    case = make_case("in_review")
    events = case.events.count()
    with pytest.raises(InvalidTransitionError) as excinfo:
        services.case_accept(case=case, by=clerk)
    assert excinfo.value.status_code == 409
    assert case.events.count() == events
    assert case.reviews.count() == 2


def test_only_a_clerk_accepts(make_case, citizen):
    case = make_case("submitted")
    with pytest.raises(CasePermissionError):
        services.case_accept(case=case, by=citizen)


def test_one_time_notice_lists_everything_and_resubmission_returns_to_submitted(
    make_case, clerk, citizen
):
    case = make_case("submitted")
    services.case_request_supplement(
        case=case,
        by=clerk,
        missing=[requirement(case, "居民身份证"), requirement(case, "完税凭证")],
        note="身份证复印件不清晰；完税凭证金额与合同不符。",
    )
    case.refresh_from_db()
    assert case.status == "supplement_required"
    event = case.events.get(action="request_supplement")
    assert "居民身份证" in event.note and "完税凭证" in event.note
    with pytest.raises(MissingMaterialsError) as excinfo:
        services.case_resubmit(case=case, by=citizen)
    assert len(excinfo.value.missing) == 2
    for name in ("居民身份证", "完税凭证"):
        services.material_upload(
            case=case, by=citizen, requirement_id=requirement(case, name), upload=pdf()
        )
    services.case_resubmit(case=case, by=citizen)
    case.refresh_from_db()
    assert case.status == "submitted"


def test_refusal_needs_a_reason(make_case, clerk):
    case = make_case("submitted")
    with pytest.raises(ValidationError):
        services.case_reject(case=case, by=clerk, reason="  ")
    services.case_reject(case=case, by=clerk, reason="不属于本机关职权范围。")
    case.refresh_from_db()
    assert case.status == "rejected"
    assert case.decision_note == "不属于本机关职权范围。"


def test_withdraw_from_draft_submitted_and_supplement_but_not_later(make_case, citizen):
    for status in ("draft", "submitted"):
        case = make_case(status)
        services.case_withdraw(case=case, by=citizen)
        case.refresh_from_db()
        assert case.status == "withdrawn"
    with pytest.raises(InvalidTransitionError):
        services.case_withdraw(case=make_case("in_review"), by=citizen)


def test_a_window_case_records_one_trip_per_day(clerk, matter, citizen):
    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    assert case.channel == "window"
    # The case belongs to the applicant's account (their 我的办件 and notices).
    assert case.owner == citizen
    for material in case.materials.filter(required=True):
        services.material_upload(
            case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    assert Visit.objects.filter(case=case).count() == 1


def test_deemed_acceptance_after_five_working_days(make_case, clerk):
    from django.utils import timezone

    old = make_case("submitted")
    fresh = make_case("submitted")
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=10))
    accepted = services.cases_deem_accepted()
    assert accepted == [old.number]
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "in_review"
    assert fresh.status == "submitted"
    event = old.events.get(action="accept")
    assert event.actor is None and event.actor_role == "system"
    assert "视为受理" in event.note
    assert old.reviews.count() == 2


def test_the_accepted_case_reads_its_materials_afresh_after_acceptance(make_case, clerk):
    """What acceptance handed its reactions is theirs alone: a paper asked for later of the
    same case object shows the materials as they are then."""
    from documents.services.papers import document_request

    case = make_case("submitted")
    accepted = services.case_accept(case=case, by=clerk)
    id_card = accepted.materials.get(material_type__name="居民身份证")
    id_card.status = MaterialStatus.MISSING
    id_card.reason = "印章不清。"
    id_card.save(update_fields=["status", "reason"])
    document = document_request(case=accepted, kind="supplement_notice")
    assert [row["name"] for row in document.context["missing"]] == ["居民身份证"]
