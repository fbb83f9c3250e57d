"""The clerk desk at /desk/: permissions, window intake, decisions, hand-over, query counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.exceptions import CasePermissionError, InvalidTransitionError
from cases.models import Case, CaseEvent, FollowUp, MaterialFile, Rating, Review, Visit
from cases.services import material_receive
from matters.calendar import working_days_since
from matters.models import CalendarDay, MaterialType
from tests.cases.conftest import pdf
from tests.factories import (
    BundleFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)
from tests.pictures import scanned_svg
from windows.forms import ApplicantForm

from .helpers import applicant_data, checklist_data, url, working_day

pytestmark = pytest.mark.django_db

KEY, TAX_PROOF, LETTER = "居民身份证", "完税凭证", "授权委托书"
ALL_IN = {KEY: "received", TAX_PROOF: "received", LETTER: "none"}


@pytest.fixture
def window_case(clerk, matter):
    """A draft the clerk started at the window for a person at the counter."""

    def build(for_matter=None, **delivery) -> Case:
        return services.case_create(
            by=clerk,
            matter=for_matter or matter,
            applicant=services.Applicant(
                kind="person", name="陈晓东", phone="13900001111", id_number="11010519491231002X"
            ),
            delivery=services.Delivery(**delivery) if delivery else None,
        )

    return build


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Permissions --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(url("desk-home"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert "next=/desk/" in response["Location"]


@pytest.mark.parametrize("role", ["citizen", "approver", "supervisor"])
def test_only_clerks_use_the_desk(role, make_case, matter):
    case = make_case("approved")
    client = client_for(UserFactory(**{role: True}))
    for method, path in [
        ("get", url("desk-home")),
        ("post", url("desk-home")),
        ("get", url("case-new") + f"?matter={matter.code}"),
        ("get", url("case-intake", case.number)),
        ("post", url("case-intake", case.number)),
        ("post", url("case-issue", case.number)),
        ("post", url("case-collect", case.number)),
        ("post", url("case-approve-instant", case.number)),
    ]:
        assert getattr(client, method)(path).status_code == 403, path
    case.refresh_from_db()
    assert case.status == "approved"


# A new application at the window ------------------------------------------------------------------


def test_window_application_through_acceptance(clerk_client, matter):
    data = applicant_data(agent_name="", delivery_method="pickup")
    response = clerk_client.post(url("case-new") + f"?matter={matter.code}", data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("case-intake", case.number)
    assert (case.status, case.channel, case.owner_id) == ("draft", "window", None)
    assert case.applicant_id_number == data["id_number"]

    page = clerk_client.get(url("case-intake", case.number))
    assert page.status_code == 200
    for text in (KEY, TAX_PROOF, LETTER, "主件", "可容缺", "委托代理人办理的"):
        assert text in page.content.decode()

    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", ALL_IN)
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review"
    assert sorted(Review.objects.filter(case=case).values_list("department__code", flat=True)) == [
        "housing",
        "tax",
    ]
    assert list(case.visits.values_list("kind", flat=True)) == ["intake"]
    key = case.materials.get(material_type__name=KEY)
    assert (key.status, key.received_form, key.received_copies) == ("received", "original", 1)
    actions = list(case.events.values_list("action", flat=True))
    # The conditional letter marked 不涉及 is recorded as such.
    assert actions == [
        "create",
        "material_received",
        "material_received",
        "material_not_applicable",
        "submit",
        "accept",
    ]
    assert case.materials.get(material_type__name=LETTER).status == "not_applicable"
    assert case.events.get(action="material_received", note__contains=KEY).internal

    page = clerk_client.get(response["Location"]).content.decode()
    assert "审查中" in page
    assert "跑动 1 次" in page
    assert "已实现“最多跑一次”" in page


def test_invalid_id_number_is_shown_by_the_field_and_nothing_is_created(clerk_client, matter):
    data = applicant_data(name="陈晓东", id_number="110105194912310021")
    response = clerk_client.post(url("case-new") + f"?matter={matter.code}", data)
    assert response.status_code == 400
    assert not Case.objects.exists()
    form = response.context["form"]
    assert form.errors["id_number"] == ["身份证号码校验位不正确。"]
    page = response.content.decode()
    assert "身份证号码校验位不正确。" in page
    assert 'value="陈晓东"' in page  # nothing typed is lost
    assert f'value="{data["phone"]}"' in page


def test_every_applicant_error_is_shown_at_once(clerk_client, matter):
    data = applicant_data(
        id_number="123", phone="12345", delivery_method="courier", agent_phone="139"
    )
    response = clerk_client.post(url("case-new") + f"?matter={matter.code}", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"id_number", "phone", "agent_name", "agent_id_number", "agent_phone"} <= set(errors)
    assert {"province", "city", "district", "address"} <= set(errors)
    assert not Case.objects.exists()


def test_service_errors_land_next_to_their_fields(matter):
    form = ApplicantForm(applicant_data(), delivery_methods=["pickup"])
    assert form.is_valid()
    form.add_service_errors(
        ValidationError(
            {"applicant.id_number": ["身份证号码格式不正确。"], "delivery.address": ["过短"]}
        )
    )
    assert form.errors["id_number"] == ["身份证号码格式不正确。"]
    assert form.errors["address"] == ["过短"]


def test_only_the_delivery_methods_the_matter_allows_are_offered(clerk_client, matter):
    matter.delivery_methods = ["pickup"]
    matter.save()
    response = clerk_client.get(url("case-new") + f"?matter={matter.code}")
    assert [v for v, _label in response.context["form"].fields["delivery_method"].choices] == [
        "pickup"
    ]
    response = clerk_client.post(
        url("case-new") + f"?matter={matter.code}",
        applicant_data(delivery_method="courier", province="浙江省"),
    )
    assert response.status_code == 400
    assert "delivery_method" in response.context["form"].errors
    assert not Case.objects.exists()


def test_courier_application_with_an_agent(clerk_client, matter):
    data = applicant_data(
        agent_name="周代办",
        agent_id_number="11010519491231002X",
        agent_phone="13700001234",
        delivery_method="courier",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号2幢",
    )
    response = clerk_client.post(url("case-new") + f"?matter={matter.code}", data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.agent_name == "周代办"
    assert case.delivery_method == "courier"
    assert case.receiver == "陈晓东"  # the applicant, unless someone else is named
    assert case.receiver_phone == data["phone"]


# One-time notice, deferral, refusal ---------------------------------------------------------------


def test_one_time_notice_lists_every_missing_material_with_its_reason(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "received", TAX_PROOF: ("missing", "已过期"), LETTER: ("missing", "未提供")}
    response = clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "notice", marks, note="请补齐后再来。"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "supplement_required"
    reasons = dict(case.materials.values_list("material_type__name", "reason"))
    assert reasons[TAX_PROOF] == "已过期"
    assert reasons[LETTER] == "未提供"
    assert case.materials.get(material_type__name=KEY).status == "received"
    event = case.events.get(action="request_supplement")
    assert TAX_PROOF in event.note and LETTER in event.note
    assert case.visits.count() == 1


def test_a_notice_needs_a_reason_for_each_missing_material(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "received", TAX_PROOF: ("missing", ""), LETTER: "none"}
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "notice", marks)
    )
    assert response.status_code == 400
    assert "请填写缺少或需补正的原因。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"
    assert list(case.events.values_list("action", flat=True)) == ["create"]


def test_the_applicant_brings_the_supplement_to_the_window(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "received", TAX_PROOF: ("missing", "已过期"), LETTER: "none"}
    clerk_client.post(url("case-intake", case.number), checklist_data(case, "notice", marks))
    response = clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "resubmit", {**marks, TAX_PROOF: "received"}),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    clerk_client.post(url("case-intake", case.number), checklist_data(case, "accept", ALL_IN))
    case.refresh_from_db()
    assert case.status == "in_review"
    assert case.visits.count() == 1  # the same day counts once


def test_accepting_with_a_required_material_missing_names_it_and_changes_nothing(
    clerk_client, window_case
):
    case = window_case()
    marks = {KEY: ("missing", "未带"), TAX_PROOF: "received", LETTER: "none"}
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", marks)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "以下材料尚未提交：居民身份证。" in page
    assert 'value="未带"' in page  # what the clerk typed is still there
    case.refresh_from_db()
    assert case.status == "draft"
    assert case.materials.get(material_type__name=TAX_PROOF).status == "missing"
    assert not case.visits.exists()


def test_deferred_acceptance_on_the_applicants_commitment(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "received", TAX_PROOF: "deferred", LETTER: "none"}
    response = clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "defer", marks, due_date=working_day(5), commitment_signed="on"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review"
    deferred = case.materials.get(material_type__name=TAX_PROOF)
    assert deferred.status == "deferred"
    assert deferred.due_date.isoformat() == working_day(5)
    assert "承诺书" in case.events.get(action="accept").note


def test_a_key_material_cannot_be_deferred(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "deferred", TAX_PROOF: "received", LETTER: "none"}
    response = clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "defer", marks, due_date=working_day(5), commitment_signed="on"),
    )
    assert response.status_code == 400
    assert "主件“居民身份证”不能容缺。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"  # the hand-in was rolled back with the refusal
    assert not case.visits.exists()


def test_deferral_needs_the_signed_commitment_and_a_due_date(clerk_client, window_case):
    case = window_case()
    marks = {KEY: "received", TAX_PROOF: "deferred", LETTER: "none"}
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "defer", marks)
    )
    assert response.status_code == 400
    form = response.context["checklist"]
    assert form.errors["due_date"] == ["容缺受理须约定补齐日期。"]
    assert "commitment_signed" in form.errors
    case.refresh_from_db()
    assert case.status == "draft"


def test_refusal_needs_a_reason(clerk_client, window_case):
    case = window_case()
    response = clerk_client.post(url("case-intake", case.number), checklist_data(case, "reject"))
    assert response.status_code == 400
    assert "请填写不予受理的理由。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"

    response = clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "reject", reason="不属于本机关职权范围。"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "rejected"
    assert case.decision_note == "不属于本机关职权范围。"
    assert case.visits.count() == 1


def test_a_decided_case_refuses_the_checklist_with_409(clerk_client, make_case):
    case = make_case("in_review")
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", ALL_IN)
    )
    assert response.status_code == 409
    assert "不能再核对材料" in response.content.decode()


# Scans at the window ------------------------------------------------------------------------------


def test_a_scan_uploaded_at_the_window_marks_the_material_received(clerk_client, window_case):
    case = window_case()
    key = case.materials.get(material_type__name=KEY)
    data = checklist_data(case, "save")
    data[f"m{key.requirement_id}_file"] = pdf("id-card.pdf")
    response = clerk_client.post(url("case-intake", case.number), data)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.status == "received"
    assert MaterialFile.objects.get(material=key).original_name == "id-card.pdf"


def test_a_file_that_is_not_a_scan_is_refused_on_its_row(clerk_client, window_case):
    case = window_case()
    key = case.materials.get(material_type__name=KEY)
    data = checklist_data(case, "accept", ALL_IN)
    data[f"m{key.requirement_id}_file"] = SimpleUploadedFile("id.pdf", b"not a pdf at all")
    response = clerk_client.post(url("case-intake", case.number), data)
    assert response.status_code == 400
    assert "只接受 PDF、JPEG、PNG 文件" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "draft"
    assert not MaterialFile.objects.exists()


# Instant matters ----------------------------------------------------------------------------------


@pytest.fixture
def instant_case(window_case, instant_matter, clerk_client):
    case = window_case(for_matter=instant_matter)
    (material,) = case.materials.select_related("material_type")
    clerk_client.post(
        url("case-intake", case.number),
        checklist_data(case, "accept", {material.material_type.name: "received"}),
    )
    case.refresh_from_db()
    assert case.status == "in_review"
    return case


def test_an_authorised_clerk_decides_an_instant_matter_on_the_spot(clerk_client, instant_case):
    page = clerk_client.get(url("case-intake", instant_case.number)).content.decode()
    assert url("case-approve-instant", instant_case.number) in page
    response = clerk_client.post(url("case-approve-instant", instant_case.number))
    assert response.status_code == 302
    instant_case.refresh_from_db()
    assert instant_case.status == "approved"
    assert not Review.objects.filter(case=instant_case).exists()


def test_an_unauthorised_clerk_cannot_decide_an_instant_matter(instant_case):
    other = client_for(UserFactory(clerk=True, name="孙窗口"))
    page = other.get(url("case-intake", instant_case.number)).content.decode()
    assert url("case-approve-instant", instant_case.number) not in page
    assert "授权的窗口人员当场办结" in page
    response = other.post(url("case-approve-instant", instant_case.number))
    assert response.status_code == 403
    assert "您未获该部门授权" in response.content.decode()
    instant_case.refresh_from_db()
    assert instant_case.status == "in_review"


# Hand-over ----------------------------------------------------------------------------------------


def test_issue_is_refused_while_a_deferred_material_is_outstanding(clerk_client, make_case):
    case = make_case("approved", deferred=True)
    response = clerk_client.post(url("case-issue", case.number))
    assert response.status_code == 409
    assert "容缺材料尚未补齐，不能出件：完税凭证。" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "approved"

    tax_proof = case.materials.get(material_type__name=TAX_PROOF)
    response = clerk_client.post(
        url("material-receive", case.number, tax_proof.requirement_id),
        {"form": "original", "copies": "1"},
    )
    assert response.status_code == 302
    tax_proof.refresh_from_db()
    assert tax_proof.status == "received"
    assert case.events.filter(action="deferred_supplied").exists()
    assert case.visits.filter(kind="supplement").exists()

    assert clerk_client.post(url("case-issue", case.number)).status_code == 302
    case.refresh_from_db()
    assert case.status == "ready"


def test_collecting_at_the_window_is_a_trip_and_closes_the_case(clerk_client, make_case):
    case = make_case("approved")
    assert not case.visits.exists()  # applied and accepted online
    clerk_client.post(url("case-issue", case.number))
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert url("case-collect", case.number) in page
    response = clerk_client.post(url("case-collect", case.number))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    assert list(Visit.objects.filter(case=case).values_list("kind", flat=True)) == ["collect"]
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "跑动 1 次" in page


def test_the_applicant_rates_at_the_window(client, clerk_client, make_case, clerk):
    case = make_case("approved")
    services.case_issue(case=case, by=clerk)
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    # No rating form on the clerk's screen: the link (and its QR) the applicant opens.
    assert 'name="score"' not in page
    link = next(
        word.split('"')[0] for word in page.split('href="')[1:] if "/rate/" in word.split('"')[0]
    )
    # The code on the screen is the link.
    start = page.index("<svg", page.index('class="rating-qr"'))
    svg = page[start : page.index("</svg>", start) + len("</svg>")]
    [code] = scanned_svg(svg)
    assert code.text.endswith(link)
    refused = clerk_client.post(url("case-rating", case.number), {"score": "5"})
    assert refused.status_code == 403
    assert not Rating.objects.filter(case=case).exists()

    response = client.post(link, {"score": "2", "comment": "排队太久。", "about": "window"})
    assert response.status_code == 200
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.channel, rating.comment) == (2, "window", "排队太久。")
    follow_up = FollowUp.objects.get(rating=rating)
    assert (follow_up.about, follow_up.department) == ("window", None)
    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "/rate/" not in page


# Online cases from the inbox ----------------------------------------------------------------------


def test_an_online_case_is_taken_in_from_the_inbox(clerk_client, make_case):
    case = make_case("submitted")
    home = clerk_client.get(url("desk-home")).content.decode()
    assert case.number in home
    assert url("case-intake", case.number) in home
    assert case.applicant_id_number not in home  # masked in lists

    page = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert case.applicant_id_number in page  # full data on the case page
    assert "申请人在窗口" in page

    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", ALL_IN)
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review"
    assert not case.visits.exists()  # applied online: no trip
    assert case.number not in clerk_client.get(url("desk-home")).content.decode()


def test_an_online_applicant_at_the_window_counts_a_trip(clerk_client, make_case):
    case = make_case("submitted")
    response = clerk_client.post(
        url("case-intake", case.number), checklist_data(case, "accept", ALL_IN, in_person="on")
    )
    assert response.status_code == 302
    assert Visit.objects.filter(case=case, kind="intake").count() == 1


# Finding an applicant -----------------------------------------------------------------------------


def test_find_the_applicant_by_id_number(clerk_client, make_case, citizen, matter):
    case = make_case("submitted")
    response = clerk_client.post(url("desk-home"), {"find": citizen.id_number.lower()})
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page
    assert citizen.id_number not in page
    assert citizen.id_number[:3] + "*" * 11 + citizen.id_number[-4:] in page
    # The next new application is filled from the applicant's account (一表登记).
    form = clerk_client.get(url("case-new") + f"?matter={matter.code}").context["form"]
    assert form.initial["id_number"] == citizen.id_number
    assert form.initial["name"] == citizen.name


def test_find_by_case_number_opens_the_case(clerk_client, make_case):
    case = make_case("submitted")
    response = clerk_client.post(url("desk-home"), {"find": case.number})
    assert response.status_code == 302
    assert response["Location"] == url("case-intake", case.number)


def test_start_fresh_by_searching_the_catalog(clerk_client, matter):
    response = clerk_client.get(url("desk-home"), {"q": "不动产"})
    assert response.status_code == 200
    assert f"{url('case-new')}?matter={matter.code}" in response.content.decode()


# Query counts -------------------------------------------------------------------------------------


def _count_queries(client, method, path, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {})
    assert response.status_code == 200
    return len(queries)


def test_desk_lists_run_a_fixed_number_of_queries(
    clerk_client, make_case, citizen, clerk, django_assert_max_num_queries
):
    def add(n):
        # Other matters too, each with its own board and department, shown in every list.
        for i in range(n):
            other = MatterFactory(usage_count=100 + i) if i % 2 else None
            make_case("submitted", for_matter=other)
        for _ in range(max(1, n // 3)):
            services.case_issue(case=make_case("approved"), by=clerk)

    add(3)
    home = _count_queries(clerk_client, "get", url("desk-home"))
    search = _count_queries(clerk_client, "post", url("desk-home"), {"find": citizen.id_number})
    add(27)
    assert Case.objects.count() > 30
    with django_assert_max_num_queries(home):
        clerk_client.get(url("desk-home"))
    with django_assert_max_num_queries(search):
        clerk_client.post(url("desk-home"), {"find": citizen.id_number})


def test_the_case_page_runs_a_fixed_number_of_queries(clerk_client, make_case, matter):
    small = make_case("submitted")
    few = _count_queries(clerk_client, "get", url("case-intake", small.number))
    for order in range(10):
        RequirementFactory(
            matter=matter, material=MaterialTypeFactory(), required=False, order=10 + order
        )
    large = make_case("submitted")
    assert large.materials.count() == 13
    assert _count_queries(clerk_client, "get", url("case-intake", large.number)) <= few


# Window services ----------------------------------------------------------------------------------


def test_marking_received_is_for_clerks_and_open_statuses(window_case, clerk, citizen, make_case):
    case = window_case()
    key = case.materials.get(material_type__name=KEY)
    with pytest.raises(CasePermissionError):
        material_receive(
            case=case, by=citizen, requirement_id=key.requirement_id, form="original", copies=1
        )
    material_receive(case=case, by=clerk, requirement_id=key.requirement_id, form="copy", copies=2)
    material_receive(case=case, by=clerk, requirement_id=key.requirement_id, form="copy", copies=2)
    assert CaseEvent.objects.filter(case=case, action="material_received").count() == 1
    key.refresh_from_db()
    assert (key.status, key.received_form, key.received_copies) == ("received", "copy", 2)

    accepted = make_case("in_review")
    with pytest.raises(InvalidTransitionError):
        material_receive(
            case=accepted,
            by=clerk,
            requirement_id=accepted.materials.first().requirement_id,
            form="original",
            copies=1,
        )


# Bundles and the inbox clock ----------------------------------------------------------------------


def test_a_bundle_is_applied_for_at_the_window(clerk_client, matter, tax):
    water = MatterFactory(name="供水过户", delivery_methods=["pickup"], with_guide=False)
    id_card = MaterialType.objects.get(name=KEY)
    RequirementFactory(matter=water, material=id_card, key=True)
    RequirementFactory(matter=water, material=MaterialTypeFactory(name="水费户号"), order=2)
    bundle = BundleFactory(name="二手房过户及水电联办", matters=[matter, water])
    page = clerk_client.get(url("case-new") + f"?bundle={bundle.code}")
    assert [v for v, _label in page.context["form"].fields["delivery_method"].choices] == ["pickup"]
    response = clerk_client.post(url("case-new") + f"?bundle={bundle.code}", applicant_data())
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.bundle == bundle
    names = sorted(case.materials.values_list("material_type__name", flat=True))
    assert names == sorted([KEY, TAX_PROOF, LETTER, "水费户号"])  # the ID card asked once


def test_the_inbox_counts_working_days_across_weekends_and_holidays():
    friday = datetime.date(2026, 10, 30)
    CalendarDay.objects.create(date=datetime.date(2026, 11, 3), kind="holiday", name="测试")
    CalendarDay.objects.create(date=datetime.date(2026, 11, 1), kind="workday", name="调休")
    today = datetime.date(2026, 11, 5)  # Thursday
    counts = working_days_since([friday, today, datetime.date(2026, 11, 2)], today)
    # Sat off, Sun 11-01 worked, Mon on, Tue 11-03 holiday, Wed and Thu on.
    assert counts == {friday: 4, datetime.date(2026, 11, 2): 2, today: 0}
