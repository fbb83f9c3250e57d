"""The citizen's case pages: apply online (details → materials → review and submit), drafts,
my cases, supplement and resubmission, deferred materials, withdrawal, rating."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, MaterialFile, MaterialStatus, Rating, Visit
from matters.calendar import add_working_days
from tests.factories import (
    BundleFactory,
    LicenceTypeFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)

from .conftest import PNG_BYTES, applicant_of, pdf, requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def text_of(response) -> str:
    """The page's visible text, tags dropped and whitespace squeezed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def alert_text(response) -> str:
    """The text of the page's error summary (``#form-errors``)."""
    html = response.content.decode()
    match = re.search(r'<div class="alert[^"]*"[^>]*id="form-errors">(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1))))


def application_data(user, **changes) -> dict:
    data = {
        "applicant_kind": "person",
        "applicant_name": user.name,
        "applicant_id_number": user.id_number,
        "applicant_credit_code": "",
        "applicant_phone": user.phone,
        "agent_name": "",
        "agent_id_number": "",
        "agent_phone": "",
        "delivery_method": "pickup",
        "receiver": "",
        "receiver_phone": "",
        "province": "",
        "city": "",
        "district": "",
        "address": "",
        "next": "",
    }
    data.update(changes)
    return data


def upload(client, url: str, requirement_id: int, upload_file):
    return client.post(url, {"requirement": requirement_id, "file": upload_file})


def materials_url(case: Case) -> str:
    return reverse("cases:case-materials", args=[case.number])


def detail_url(case: Case) -> str:
    return reverse("cases:case-detail", args=[case.number])


# Apply ------------------------------------------------------------------------------------


def test_the_application_form_is_filled_from_the_profile(citizen_client, citizen, matter):
    response = citizen_client.get(reverse("cases:apply-matter", args=[matter.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{citizen.id_number}"' in html
    assert f'value="{citizen.phone}"' in html
    assert f'value="{citizen.name}"' in html
    # Only the delivery methods the matter allows are offered.
    assert 'value="pickup"' in html
    assert 'value="courier"' in html


def test_applying_makes_a_draft_with_the_applicant_and_goes_to_the_materials(
    citizen_client, citizen, matter
):
    response = citizen_client.post(
        reverse("cases:apply-matter", args=[matter.code]), application_data(citizen)
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == materials_url(case)
    assert case.status == "draft"
    assert case.owner == citizen
    assert case.channel == "online"
    assert (case.applicant_name, case.applicant_id_number, case.applicant_phone) == (
        citizen.name,
        citizen.id_number,
        citizen.phone,
    )


def test_a_company_applies_with_its_credit_code(client, company, matter):
    client.force_login(company)
    url = reverse("cases:apply-matter", args=[matter.code])
    html = client.get(url).content.decode()
    assert f'value="{company.credit_code}"' in html
    assert re.search(r'<input[^>]*value="company"[^>]*checked', html)
    data = application_data(
        company,
        applicant_kind="company",
        applicant_id_number="",
        applicant_credit_code=company.credit_code,
    )
    assert client.post(url, data).status_code == 302
    case = Case.objects.get()
    assert (case.applicant_kind, case.applicant_credit_code, case.applicant_id_number) == (
        "company",
        company.credit_code,
        "",
    )


def test_every_problem_of_the_application_is_shown_at_once(citizen_client, citizen, matter):
    response = citizen_client.post(
        reverse("cases:apply-matter", args=[matter.code]),
        application_data(
            citizen,
            applicant_id_number="110105194912310021",
            applicant_phone="12345",
            agent_name="王五",
            delivery_method="courier",
            receiver="李四",
            receiver_phone="13800000000",
        ),
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
    summary = alert_text(response)
    for label in ("身份证号码", "联系电话", "代办人身份证号码", "代办人手机号码", "省", "详细地址"):
        assert label in summary
    html = response.content.decode()
    # Each entry of the summary links to its field, and the field says it is invalid.
    assert 'href="#id_applicant_id_number"' in html
    assert 'href="#id_address"' in html
    assert re.search(r'<input[^>]*id="id_applicant_phone"[^>]*aria-invalid="true"', html) or (
        re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_applicant_phone"', html)
    )


def test_a_delivery_method_the_matter_does_not_allow_is_refused(citizen_client, citizen):
    pickup_only = MatterFactory(delivery_methods=["pickup"])
    url = reverse("cases:apply-matter", args=[pickup_only.code])
    assert 'value="courier"' not in citizen_client.get(url).content.decode()
    response = citizen_client.post(url, application_data(citizen, delivery_method="courier"))
    assert response.status_code == 400
    assert "该事项不支持所选的送达方式" in alert_text(response)


def test_courier_delivery_with_a_full_address(citizen_client, citizen, matter):
    citizen_client.post(
        reverse("cases:apply-matter", args=[matter.code]),
        application_data(
            citizen,
            delivery_method="courier",
            receiver="李四",
            receiver_phone="13800001111",
            province="浙江省",
            city="杭州市",
            district="西湖区",
            address="文三路100号3幢201室",
        ),
    )
    case = Case.objects.get()
    assert (case.delivery_method, case.city, case.address) == (
        "courier",
        "杭州市",
        "文三路100号3幢201室",
    )


def test_an_agent_is_recorded_and_the_authorisation_letter_is_asked_for(
    citizen_client, citizen, matter
):
    citizen_client.post(
        reverse("cases:apply-matter", args=[matter.code]),
        application_data(
            citizen,
            agent_name="王五",
            agent_id_number=UserFactory(citizen=True).id_number,
            agent_phone="13900002222",
        ),
    )
    case = Case.objects.get()
    assert case.agent_name == "王五"
    page = text_of(citizen_client.get(materials_url(case)))
    assert "授权委托书" in page
    assert "您填写了代办人，请上传申请人签署的授权委托书" in page


def test_applying_for_a_bundle(citizen_client, citizen, matter):
    water = MatterFactory(name="水电气过户")
    bundle = BundleFactory(name="二手房买卖一件事", matters=[matter, water])
    response = citizen_client.post(
        reverse("cases:apply-bundle", args=[bundle.code]), application_data(citizen)
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.bundle == bundle and case.matter is None
    assert case.materials.count() == 4  # three of the matter, one of the other, each once


def test_a_matter_without_online_application_says_so(citizen_client):
    guide_only = MatterFactory(online_level=2)
    response = citizen_client.get(reverse("cases:apply-matter", args=[guide_only.code]))
    assert "该事项暂不支持网上申请" in text_of(response)
    response = citizen_client.post(reverse("cases:apply-matter", args=[guide_only.code]), {})
    assert not Case.objects.exists()


def test_staff_are_sent_to_the_desk_and_visitors_to_sign_in(client, clerk, matter):
    url = reverse("cases:apply-matter", args=[matter.code])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.rstrip("/").endswith("/desk")


# Materials --------------------------------------------------------------------------------


def test_the_materials_step_shows_each_requirement(citizen_client, make_case, matter, settings):
    settings.MATERIAL_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(
            name="户口簿", licence_type=LicenceTypeFactory(name="居民户口簿")
        ),
        copies=2,
        order=4,
    )
    case = make_case()
    page = text_of(citizen_client.get(materials_url(case)))
    for expected in (
        "居民身份证",
        "主件",
        "辅件",
        "可容缺",
        "视情形提交",
        "委托代理人办理的",  # the condition of the conditional material
        "2 份",
        "可用有效的“居民户口簿”电子证照替代纸质材料",
        "20 MB",
        "未上传",
    ):
        assert expected in page, expected


def test_a_file_of_the_wrong_type_is_refused_with_the_services_message(citizen_client, make_case):
    case = make_case()
    fake = SimpleUploadedFile(
        "scan.pdf", b"just some text, not a PDF", content_type="application/pdf"
    )
    response = upload(citizen_client, materials_url(case), requirement(case, "居民身份证"), fake)
    assert response.status_code == 400
    assert "只接受 PDF、JPEG、PNG 文件" in alert_text(response)
    assert 'href="#file-' in response.content.decode()
    assert not MaterialFile.objects.exists()


def test_a_file_too_large_is_refused_with_the_limit(citizen_client, make_case, settings):
    settings.MATERIAL_MAX_UPLOAD_BYTES = 1024 * 1024
    case = make_case()
    big = SimpleUploadedFile("big.png", PNG_BYTES + b"\0" * (1024 * 1024), content_type="image/png")
    response = upload(citizen_client, materials_url(case), requirement(case, "居民身份证"), big)
    assert response.status_code == 413
    assert "文件过大：单个文件不能超过 1 MB" in alert_text(response)


def test_an_upload_without_a_file_asks_for_one(citizen_client, make_case):
    case = make_case()
    response = citizen_client.post(
        materials_url(case), {"requirement": requirement(case, "居民身份证")}
    )
    assert response.status_code == 400
    assert "请选择要上传的文件" in alert_text(response)


def test_a_good_file_is_accepted_and_listed_with_its_download_link(citizen_client, make_case):
    case = make_case()
    requirement_id = requirement(case, "居民身份证")
    response = upload(
        citizen_client,
        materials_url(case),
        requirement_id,
        SimpleUploadedFile("身份证.png", PNG_BYTES, content_type="image/png"),
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#material-{requirement_id}")
    stored = MaterialFile.objects.get()
    assert stored.content_type == "image/png"
    html = citizen_client.get(materials_url(case)).content.decode()
    assert reverse("cases:material-file", args=[case.number, stored.id]) in html
    assert "身份证.png" in html
    assert case.materials.get(requirement_id=requirement_id).status == MaterialStatus.RECEIVED


def test_a_draft_is_saved_and_resumed_from_my_cases(citizen_client, citizen, make_case):
    case = make_case()
    response = citizen_client.post(materials_url(case), {"save": ""})
    assert response.status_code == 302
    assert response.url == reverse("cases:case-list")
    listing = citizen_client.get(reverse("cases:case-list"))
    assert materials_url(case) in listing.content.decode()
    assert "草稿" in text_of(listing)
    # The saved details come back for editing, and a change is kept.
    edit_url = reverse("cases:case-edit", args=[case.number])
    assert f'value="{citizen.id_number}"' in citizen_client.get(edit_url).content.decode()
    response = citizen_client.post(
        edit_url, application_data(citizen, applicant_phone="13911112222", save="")
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.applicant_phone == "13911112222"
    assert case.status == "draft"


def test_submitting_with_materials_missing_names_every_one_and_keeps_the_draft(
    citizen_client, make_case, matter
):
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name="不动产买卖合同"), order=4)
    case = make_case()
    upload(
        citizen_client,
        materials_url(case),
        requirement(case, "授权委托书"),
        pdf("委托书.pdf"),
    )
    response = citizen_client.post(reverse("cases:case-review", args=[case.number]))
    assert response.status_code == 400
    summary = alert_text(response)
    assert "居民身份证" in summary
    assert "不动产买卖合同" in summary
    assert "完税凭证" not in summary  # deferrable: may be missing at submission
    case.refresh_from_db()
    assert case.status == "draft"
    assert MaterialFile.objects.filter(material__case=case).count() == 1


def test_submitting_a_complete_application(citizen_client, make_case):
    case = make_case()
    review_url = reverse("cases:case-review", args=[case.number])
    page = text_of(citizen_client.get(review_url))
    assert "以下必交材料尚未上传" in page
    upload(citizen_client, materials_url(case), requirement(case, "居民身份证"), pdf())
    page = text_of(citizen_client.get(review_url))
    assert "以下必交材料尚未上传" not in page
    assert case.applicant_name in page
    response = citizen_client.post(review_url)
    assert response.status_code == 302
    assert response.url == detail_url(case)
    case.refresh_from_db()
    assert case.status == "submitted"
    assert "申请已提交" in text_of(citizen_client.get(response.url))


# My cases ---------------------------------------------------------------------------------


def test_my_cases_lists_only_mine(citizen_client, make_case, matter):
    mine = make_case("submitted")
    other = UserFactory(citizen=True)
    theirs = services.case_create(by=other, matter=matter, applicant=applicant_of(other))
    page = citizen_client.get(reverse("cases:case-list")).content.decode()
    assert mine.number in page
    assert theirs.number not in page
    assert "已提交" in page


@pytest.mark.parametrize("count", [3, 30])
def test_my_cases_runs_a_constant_number_of_queries(
    client, citizen, matter, count, django_assert_max_num_queries
):
    for _ in range(count):
        services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    client.force_login(citizen)
    # Session, user, page count, page of cases (with matter, bundle and trips joined), the
    # navigation's unread messages.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cases:case-list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="status-tag') == min(count, 20)


def test_the_case_page_shows_the_timeline_without_internal_notes_or_staff_names(
    citizen_client, citizen, make_case, clerk
):
    case = make_case("in_review")
    CaseEvent.objects.create(
        case=case,
        action="note",
        actor=clerk,
        actor_role="clerk",
        note="内部备注：申请人很难缠",
        internal=True,
    )
    response = citizen_client.get(detail_url(case))
    page = text_of(response)
    assert response.status_code == 200
    assert "内部备注" not in page
    # Staff act under their role (王窗口 is not named in the timeline); only the first
    # responsible person (首接负责制, the clerk who accepted) is named, to be reached.
    assert page.count(clerk.name) == 1 and "首接责任人" in page
    assert "窗口人员" in page  # the role, instead
    for step in ("创建申请草稿", "提交申请", "受理"):
        assert step in page
    # One's own data is shown whole.
    assert citizen.id_number in page
    assert citizen.phone in page
    assert "审查中" in page


def test_trips_are_shown_with_the_one_trip_promise(citizen_client, make_case, clerk):
    case = make_case("in_review")
    assert "跑零次" in text_of(citizen_client.get(detail_url(case)))
    services.visit_record(case=case, by=clerk, kind="intake", on=timezone.localdate())
    page = text_of(citizen_client.get(detail_url(case)))
    assert "1 次" in page
    assert "已实现“最多跑一次”" in page
    Visit.objects.create(
        case=case, date=timezone.localdate() - datetime.timedelta(days=1), kind="supplement"
    )
    assert "超过一次" in text_of(citizen_client.get(detail_url(case)))


def test_another_citizens_case_is_not_found(client, make_case):
    case = make_case("submitted")
    client.force_login(UserFactory(citizen=True))
    for name in ("case-detail", "case-edit", "case-materials", "case-review", "case-withdraw"):
        assert client.get(reverse(f"cases:{name}", args=[case.number])).status_code == 404, name
    for name in ("case-resubmit", "case-rating", "case-withdraw", "case-detail"):
        url = reverse(
            f"cases:{name}" if name != "case-rating" else "cases:case-rate", args=[case.number]
        )
        assert client.post(url, {"reason": "x", "score": 5}).status_code == 404, name
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_non_draft_goes_to_its_case_page_from_the_application_steps(citizen_client, make_case):
    case = make_case("submitted")
    for name in ("case-edit", "case-materials", "case-review"):
        response = citizen_client.get(reverse(f"cases:{name}", args=[case.number]))
        assert response.status_code == 302
        assert response.url == detail_url(case)


# Supplement, deferred materials, withdrawal, decision ------------------------------------


def test_supplement_upload_and_resubmission(citizen_client, make_case, clerk):
    case = make_case("submitted")
    id_card = requirement(case, "居民身份证")
    services.case_request_supplement(
        case=case, by=clerk, missing=[id_card], reasons={id_card: "身份证复印件不清晰"}
    )
    page = text_of(citizen_client.get(detail_url(case)))
    assert "需要补正的材料" in page
    assert "身份证复印件不清晰" in page
    assert "重新提交" in page

    resubmit_url = reverse("cases:case-resubmit", args=[case.number])
    response = citizen_client.post(resubmit_url)
    assert response.status_code == 400
    assert "居民身份证" in alert_text(response)

    response = upload(citizen_client, detail_url(case), id_card, pdf("清晰的身份证.pdf"))
    assert response.status_code == 302
    response = citizen_client.post(resubmit_url)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    assert "补正后重新提交" in text_of(citizen_client.get(detail_url(case)))


def test_a_deferred_material_is_uploaded_while_outstanding(citizen_client, make_case):
    case = make_case("in_review", deferred=True)
    tax = requirement(case, "完税凭证")
    page = text_of(citizen_client.get(detail_url(case)))
    assert "容缺受理：待补交的材料" in page
    due = case.materials.get(requirement_id=tax).due_date
    assert f"请于 {due.year}年{due.month}月{due.day}日 前补交" in page
    response = upload(citizen_client, detail_url(case), tax, pdf("完税凭证.pdf"))
    assert response.status_code == 302
    assert case.materials.get(requirement_id=tax).status == MaterialStatus.RECEIVED
    assert "补交容缺材料" in text_of(citizen_client.get(detail_url(case)))


def test_a_deferrable_material_missing_at_submission_can_be_added_before_acceptance(
    citizen_client, citizen, make_case
):
    case = make_case()
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    services.case_submit(case=case, by=citizen)
    page = text_of(citizen_client.get(detail_url(case)))
    assert "受理前可补充上传的材料" in page
    assert "暂缺（可容缺）" in page
    tax = requirement(case, "完税凭证")
    response = upload(citizen_client, detail_url(case), tax, pdf("完税凭证.pdf"))
    assert response.status_code == 302
    assert case.materials.get(requirement_id=tax).status == MaterialStatus.RECEIVED
    assert "受理前可补充上传的材料" not in text_of(citizen_client.get(detail_url(case)))


def test_withdrawal_asks_for_confirmation_and_a_reason(citizen_client, make_case):
    case = make_case("submitted")
    url = reverse("cases:case-withdraw", args=[case.number])
    assert url in citizen_client.get(detail_url(case)).content.decode()
    confirm = citizen_client.get(url)
    assert "确认撤回申请" in text_of(confirm)
    response = citizen_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "请填写撤回原因" in alert_text(response)
    case.refresh_from_db()
    assert case.status == "submitted"
    response = citizen_client.post(url, {"reason": "材料准备不全，下次再办"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    assert CaseEvent.objects.get(case=case, action="withdraw").note == "材料准备不全，下次再办"
    page = text_of(citizen_client.get(detail_url(case)))
    assert "申请已撤回" in page
    assert url not in citizen_client.get(detail_url(case)).content.decode()


def test_a_case_under_review_cannot_be_withdrawn(citizen_client, make_case):
    case = make_case("in_review")
    url = reverse("cases:case-withdraw", args=[case.number])
    assert url not in citizen_client.get(detail_url(case)).content.decode()
    response = citizen_client.post(url, {"reason": "不想办了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_review"


def test_a_denied_case_shows_the_decision(
    citizen_client, make_case, housing_approver, tax_approver
):
    case = make_case("in_review")
    for review, approver in zip(
        case.reviews.order_by("department__code"), (housing_approver, tax_approver), strict=True
    ):
        decision = "deny" if approver is tax_approver else "approve"
        services.review_decide(
            review=review, by=approver, decision=decision, opinion="存在欠税，不符合条件"
        )
    case.refresh_from_db()
    assert case.status == "denied"
    page = text_of(citizen_client.get(detail_url(case)))
    assert "不予许可的决定意见" in page
    assert "存在欠税，不符合条件" in page


# Rating -----------------------------------------------------------------------------------


def test_rating_once_after_the_result_is_out(citizen_client, make_case, clerk):
    case = make_case("approved")
    page = text_of(citizen_client.get(detail_url(case)))
    assert "服务评价" not in page
    services.case_issue(case=case, by=clerk)
    page = text_of(citizen_client.get(detail_url(case)))
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in page
    rate_url = reverse("cases:case-rate", args=[case.number])
    response = citizen_client.post(rate_url, {"score": "2", "comment": ""})
    assert response.status_code == 400
    assert "请写明不满意的原因" in alert_text(response)
    response = citizen_client.post(rate_url, {"score": "4", "comment": "窗口很耐心"})
    assert response.status_code == 302
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.comment, rating.channel) == (4, "窗口很耐心", "online")
    response = citizen_client.post(rate_url, {"score": "1", "comment": "再评一次"}, follow=True)
    assert "该办件已经评价过了" in text_of(response)
    assert Rating.objects.filter(case=case).count() == 1
    page = text_of(citizen_client.get(detail_url(case)))
    assert "您的评价： 满意" in page or "您的评价：满意" in page
    assert 'name="score"' not in citizen_client.get(detail_url(case)).content.decode()


def test_courier_delivery_shows_the_waybill(citizen_client, citizen, matter, clerk):
    case = services.case_create(
        by=citizen,
        matter=matter,
        applicant=applicant_of(citizen),
        delivery=services.Delivery(
            method="courier",
            receiver="李四",
            phone="13800003333",
            province="浙江省",
            city="杭州市",
            district="上城区",
            address="解放路88号",
        ),
    )
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "居民身份证"), upload=pdf()
    )
    services.case_submit(case=case, by=citizen)
    due = add_working_days(timezone.localdate(), 5)
    services.case_commit_deferral(case=case, by=citizen, due_date=due)
    services.case_accept(
        case=case, by=clerk, deferred=[requirement(case, "完税凭证")], due_date=due
    )
    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, "完税凭证"), upload=pdf()
    )
    for review in case.reviews.all():
        approver = UserFactory(approver=True, department=review.department)
        services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
    services.case_issue(case=case, by=clerk)
    services.case_ship(case=case, by=clerk, waybill="EMS1234567890")
    page = text_of(citizen_client.get(detail_url(case)))
    assert "寄送中" in page
    assert "EMS1234567890" in page
    assert "浙江省杭州市上城区解放路88号" in page
