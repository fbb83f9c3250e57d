"""The 容缺 commitment an online applicant gives on their case page (and through the API):
only the applicant or their declared agent, only while the case awaits acceptance; the
window defers an online case's materials only on it. And the courier's tracking on the page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.exceptions import CasePermissionError, InvalidTransitionError
from cases.models import Case, DeferralCommitment
from delivery.services import shipment_record_update
from matters.calendar import add_working_days
from tests.factories import UserFactory

from .conftest import applicant_of, drive_case, pdf, requirement
from .test_who_acts import as_agent_of

pytestmark = pytest.mark.django_db


def due_in(days: int = 5) -> datetime.date:
    return add_working_days(timezone.localdate(), days)


def detail(case: Case) -> str:
    return reverse("cases:case-detail", args=[case.number])


def commit_url(case: Case) -> str:
    return reverse("cases:case-commit", args=[case.number])


def courier_case(citizen, clerk, matter) -> Case:
    """A case of ``citizen`` on its way by courier (a waybill, no tracking yet)."""
    courier = services.Delivery(
        method="courier",
        receiver="李四",
        phone="13800003333",
        province="浙江省",
        city="杭州市",
        district="上城区",
        address="解放路88号",
    )
    matter.delivery_methods = ["pickup", "courier"]
    matter.save()
    return drive_case("in_transit", owner=citizen, clerk=clerk, matter=matter, delivery=courier)


def test_the_applicant_reads_and_confirms_the_commitment_on_the_case_page(
    client, citizen, clerk, make_case
):
    case = make_case("submitted", deferred=True)
    client.force_login(citizen)
    page = client.get(detail(case)).content.decode()
    # Which material, by when: the words the applicant confirms.
    assert "容缺受理承诺" in page
    assert "暂缺材料：<strong>完税凭证</strong>" in page
    default = due_in()
    # Before a date is chosen the words name none: the picker may still change it.
    assert "本人承诺于所选补齐日期前补齐以下材料：完税凭证" in page
    assert f'value="{default.isoformat()}"' in page

    # Not ticked: refused, the error under the box, nothing recorded; the words now name the
    # date submitted, the one that will be recorded.
    later = due_in(7)
    response = client.post(commit_url(case), {"due_date": later.isoformat()})
    assert response.status_code == 400
    assert "请阅读承诺内容并勾选确认。" in response.content.decode()
    assert (
        f"本人承诺于{later.year}年{later.month}月{later.day}日前补齐" in response.content.decode()
    )
    assert not DeferralCommitment.objects.filter(case=case).exists()

    response = client.post(commit_url(case), {"due_date": default.isoformat(), "agree": "on"})
    assert response.status_code == 302
    commitment = DeferralCommitment.objects.get(case=case)
    assert commitment.given_by == citizen
    assert commitment.due_date == default
    assert commitment.requirement_ids == [requirement(case, "完税凭证")]
    event = case.events.get(action="deferral_committed")
    assert event.actor == citizen and "完税凭证" in event.note
    page = client.get(detail(case)).content.decode()
    assert "在线确认容缺承诺" in page

    # The desk sees it, and defers on it alone.
    client.force_login(clerk)
    desk = client.get(reverse("windows:case-intake", args=[case.number])).content.decode()
    assert "申请人已在线承诺" in desk
    assert 'name="commitment_signed"' not in desk
    services.case_accept(case=case, by=clerk, deferred=[requirement(case, "完税凭证")])
    material = case.materials.get(material_type__name="完税凭证")
    assert (material.status, material.due_date) == ("deferred", default)
    assert "在线确认容缺承诺" in case.events.get(action="accept").note


def test_a_date_that_is_not_a_working_day_is_refused_under_the_field(client, citizen, make_case):
    case = make_case("submitted", deferred=True)
    client.force_login(citizen)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(commit_url(case), {"due_date": past.isoformat(), "agree": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('id="id_due_date"') - 600 : html.index('id="id_due_date"')]
    assert "补齐日期须晚于今天。" in field
    assert not DeferralCommitment.objects.exists()


def test_without_a_commitment_the_window_cannot_defer_an_online_case(client, clerk, make_case):
    case = make_case("submitted", deferred=True)
    with pytest.raises(ValidationError) as caught:
        services.case_accept(
            case=case, by=clerk, deferred=[requirement(case, "完税凭证")], due_date=due_in()
        )
    assert "申请人尚未在线作出容缺承诺" in str(caught.value)
    assert Case.objects.get(pk=case.pk).status == "submitted"
    client.force_login(clerk)
    desk = client.get(reverse("windows:case-intake", args=[case.number])).content.decode()
    assert "申请人尚未在线作出容缺承诺" in desk


def test_the_declared_agent_may_commit(citizen, matter):
    stranger = UserFactory(citizen=True, name="周五")
    case = services.case_create(
        by=citizen, matter=matter, applicant=applicant_of(stranger), agent=as_agent_of(citizen)
    )
    for material in case.materials.all():
        if material.needed_at_submission or material.requirement is None:
            services.material_upload(
                case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
            )
    services.case_submit(case=case, by=citizen)
    commitment = services.case_commit_deferral(case=case, by=citizen, due_date=due_in())
    assert commitment.given_by == citizen


def test_who_may_not_commit_and_when_not(citizen, clerk, make_case, matter):
    case = make_case("submitted", deferred=True)
    for someone in (UserFactory(citizen=True), clerk, UserFactory(supervisor=True)):
        with pytest.raises(CasePermissionError):
            services.case_commit_deferral(case=case, by=someone, due_date=due_in())
    # A walk-in applicant signs the paper 承诺书 at the window: no online commitment.
    window = services.case_create(
        by=clerk,
        matter=matter,
        applicant=services.Applicant(
            kind="person", name="陈晓东", phone="13900001111", id_number="11010519491231002X"
        ),
    )
    with pytest.raises(CasePermissionError):
        services.case_commit_deferral(case=window, by=clerk, due_date=due_in())
    accepted = make_case("in_review", deferred=True)
    with pytest.raises(InvalidTransitionError):
        services.case_commit_deferral(case=accepted, by=citizen, due_date=due_in(6))
    complete = make_case("submitted")
    with pytest.raises(ValidationError) as caught:
        services.case_commit_deferral(case=complete, by=citizen, due_date=due_in())
    assert "没有可以容缺后补的材料" in str(caught.value)
    assert DeferralCommitment.objects.filter(case=accepted).count() == 1  # its own, kept
    assert not DeferralCommitment.objects.exclude(case=accepted).exists()


def test_the_api_refuses_others_clearly(citizen, clerk, make_case):
    case = make_case("submitted", deferred=True)
    path = f"/api/v1/cases/{case.number}/commitment/"
    stranger, desk = APIClient(), APIClient()
    stranger.force_authenticate(UserFactory(citizen=True))
    desk.force_authenticate(clerk)
    assert stranger.post(path, {"due_date": due_in().isoformat()}, format="json").status_code == 404
    refused = desk.post(path, {"due_date": due_in().isoformat()}, format="json")
    assert refused.status_code == 403
    assert "申请人本人或其委托的代办人" in refused.json()["detail"]
    owner = APIClient()
    owner.force_authenticate(citizen)
    missing = owner.post(path, {}, format="json")
    assert missing.status_code == 400 and "due_date" in missing.json()
    assert not DeferralCommitment.objects.exists()


def test_the_page_lists_the_courier_tracking_in_time_order_in_constant_queries(
    client, citizen, clerk, matter, django_assert_max_num_queries
):
    case = courier_case(citizen, clerk, matter)
    client.force_login(citizen)

    def add(n: int, status: str, note: str) -> None:
        shipment_record_update(
            waybill=case.waybill,
            status=status,
            at=timezone.now() + datetime.timedelta(hours=n),
            external_id=f"step-{n}",
            note=note,
        )

    add(2, "in_transit", "已到达杭州转运中心")
    add(1, "picked_up", "快递员已揽收")  # arrives late: still shown in its place
    with django_assert_max_num_queries(40) as few:
        page = client.get(detail(case)).content.decode()
    for n in range(3, 8):
        add(n, "in_transit", f"途经第{n}站")
    with django_assert_max_num_queries(len(few)):
        page = client.get(detail(case)).content.decode()
    section = page[page.index('id="tracking"') :]
    section = section[: section.index("</section>")]
    assert case.waybill in section
    order = [section.index(text) for text in ("快递员已揽收", "已到达杭州转运中心", "途经第7站")]
    assert order == sorted(order)


def test_the_commitment_paper_records_the_online_confirmation(citizen, clerk, make_case):
    from documents.models import Document
    from documents.services.papers import paper_pdf, with_pictures
    from tests.documents.conftest import pdf_text, squeeze

    case = make_case("in_review", deferred=True)
    paper = Document.objects.get(case=case, kind="commitment")
    assert paper.context["online_given_at"]
    text = squeeze(pdf_text(paper_pdf("commitment", with_pictures(paper.context))))
    assert "在网上办事大厅确认本承诺" in text
    assert "签字或盖章" not in text


def test_the_applicant_cannot_promise_beyond_the_longest_grace(citizen, make_case):
    case = make_case("submitted", deferred=True)
    owner = APIClient()
    owner.force_authenticate(citizen)
    path = f"/api/v1/cases/{case.number}/commitment/"
    far = owner.post(path, {"due_date": "9999-12-31"}, format="json")
    assert far.status_code == 400
    assert "补齐日期最晚为" in far.json()["due_date"][0]
    latest = due_in(services.LONGEST_COMMITMENT_DAYS)
    assert owner.post(path, {"due_date": latest.isoformat()}, format="json").status_code == 200
    assert DeferralCommitment.objects.get(case=case).due_date == latest


def test_the_applicant_reads_the_couriers_words_not_the_staffs_notes(
    client, citizen, clerk, matter
):
    from delivery.models import EventSource
    from delivery.services import shipment_record_update as record

    case = courier_case(citizen, clerk, matter)
    at = timezone.now() + datetime.timedelta(hours=1)
    record(waybill=case.waybill, status="in_transit", at=at, external_id="c1", note="已揽收")
    record(
        waybill=case.waybill,
        status="in_transit",
        at=at + datetime.timedelta(minutes=1),
        external_id="a1",
        note="未配置快递接口地址（COURIER_URL）",
        source=EventSource.ADMIN,
    )
    client.force_login(citizen)
    page = client.get(detail(case)).content.decode()
    assert "已揽收" in page and "COURIER_URL" not in page
    mine, desk = APIClient(), APIClient()
    mine.force_authenticate(citizen)
    desk.force_authenticate(clerk)
    notes = [
        s["note"] for s in mine.get(f"/api/v1/cases/{case.number}/").json()["shipment"]["history"]
    ]
    assert "已揽收" in notes and not any("COURIER_URL" in n for n in notes)
    staff = [
        s["note"] for s in desk.get(f"/api/v1/cases/{case.number}/").json()["shipment"]["history"]
    ]
    assert any("COURIER_URL" in n for n in staff)
