"""The city as one hall, in a real Chromium, one browser session per person: a helper (代办员)
at a village point files for a resident who asked, the resident confirms the helper's
authorisation online, the city centre's clerk accepts at the desk and receives the paper
originals the village point sent (物料流转), the department's approver decides in the admin,
the result is issued and handed over at the town centre the resident chose (异地能办) — a
city-centre clerk may not hand it over — and the resident has made no trip at all."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from cases.models import Case, CaseStatus, MaterialTransfer
from halls.models import HallLevel
from halls.selectors import city_centre
from tests.browser.helpers import sign_in
from tests.browser.test_lifecycle import approve_in_admin, open_session  # noqa: F401
from tests.factories import (
    DepartmentFactory,
    HallFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASE_NUMBER = re.compile(r"\d{8}-\d{5}")


def make_network():
    """The city centre, a town centre with windows and a queue, and a village point under it
    with a helper's desk only."""
    centre = city_centre()
    town = HallFactory(code="qiaosi", name="乔司街道便民服务中心", address="乔司街道乔莫西路 1 号")
    village = HallFactory(
        code="fangjia",
        name="方家埭村代办点",
        level=HallLevel.VILLAGE,
        parent=town,
        has_windows=False,
        has_queue=False,
        address="方家埭村文化礼堂",
    )
    return centre, town, village


def make_matter(civil):
    """Every hall may take it in (全市通办); the ID card is a paper original."""
    matter = MatterFactory(
        code="household-cert",
        name="户籍证明开具",
        lead_department=civil,
        reviewing_departments=[civil],
        committed_days=3,
        legal_days=20,
        delivery_methods=["pickup"],
        intake_scope="all",
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=1)
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(name="居民身份证"),
        key=True,
        form="original",
        order=1,
    )
    return matter


@pytest.mark.slow
def test_helper_files_at_a_village_point_city_decides_resident_collects_at_the_town_centre(
    page,
    open_session,  # noqa: F811 - the fixture of test_lifecycle
    screenshot,
    tmp_path,
):
    centre, town, village = make_network()
    civil = DepartmentFactory(code="civil", name="市公安局", short_name="公安")
    matter = make_matter(civil)
    helper = UserFactory(helper=True, hall=village, name="方代办", username="helper-fangjia")
    resident = UserFactory(citizen=True, name="方阿婆", username="resident")
    centre_clerk = UserFactory(clerk=True, hall=centre, name="市中心窗口")
    town_clerk = UserFactory(clerk=True, hall=town, name="乔司窗口")
    approver = UserFactory(approver=True, department=civil, name="公安审批")
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF_BYTES)

    # 1. The helper files for the resident at the village point's workbench.
    sign_in(page, helper)
    page.goto("/helper/")
    expect(page.get_by_role("heading", level=1)).to_have_text("代办工作台")
    expect(page.locator("main")).to_contain_text("所在网点：方家埭村代办点")
    page.get_by_label("申请人姓名").fill(resident.name)
    page.get_by_label("申请人身份证号码").fill(resident.id_number)
    page.get_by_label("申请人手机号码").fill(resident.phone)
    page.get_by_label("办理事项").select_option(value=str(matter.pk))
    # The village point has no windows: the result is offered at the town centre above it
    # (异地能办), which is where the resident wants to collect it.
    expect(page.get_by_label("领取网点")).to_have_value("qiaosi")
    screenshot(page, "01-helper-workbench")
    page.get_by_role("button", name="创建代办申请").click()
    expect(page.locator(".messages")).to_contain_text("已为申请人创建代办申请")
    number = CASE_NUMBER.search(page.locator(".messages").inner_text()).group(0)
    case = Case.objects.get(number=number)
    assert case.hall == village
    assert case.helper == helper
    assert case.owner == resident
    assert case.pickup_hall == town

    # The materials: the ID card scanned.
    page.goto(f"/my/cases/{number}/materials/")
    page.get_by_label("选择“居民身份证”文件").set_input_files(scan)
    page.get_by_role("button", name=re.compile(r"^上传\s*“居民身份证”$")).click()
    expect(page.locator(".messages")).to_contain_text("已上传“居民身份证”")
    screenshot(page, "02-helper-materials")

    # Not yet authorised: the submission is refused and says what is missing.
    page.goto(f"/my/cases/{number}/review/")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("main")).to_contain_text("代办须经申请人授权")
    screenshot(page, "03-helper-refused-unauthorised")

    # 2. The resident, at home, sees the case in 我的办件 and confirms the helper online.
    home = open_session()
    sign_in(home, resident)
    home.goto("/my/cases/")
    row = home.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("户籍证明开具")
    row.get_by_role("link", name=number, exact=True).click()
    helper_box = home.get_by_role("region", name="代办员")
    expect(helper_box).to_contain_text("方代办（方家埭村代办点）")
    first = home.get_by_role("region", name="首接责任人")
    expect(first).to_contain_text("方代办")
    expect(first).to_contain_text("方家埭村代办点")
    expect(first).to_contain_text(village.phone)
    expect(home.locator("[data-intake-hall]")).to_have_text("方家埭村代办点")
    expect(home.locator("[data-pickup-hall]")).to_have_text("乔司街道便民服务中心")
    home.get_by_role("button", name="确认委托代办员办理").click()
    expect(home.locator(".messages")).to_contain_text("已确认委托代办员办理")
    expect(home.get_by_role("region", name="代办员")).to_contain_text("在线确认代办授权")
    expect(home.locator("main")).not_to_contain_text("请上传申请人签署的授权委托书")
    screenshot(home, "04-resident-case-helper-first-responsible")

    # 3. The helper submits.
    page.goto(f"/my/cases/{number}/review/")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    expect(page.locator(".case-head")).to_contain_text("已提交")
    page.goto("/helper/")
    carried = (
        page.get_by_role("region", name="我代办的办件").get_by_role("row").filter(has_text=number)
    )
    expect(carried).to_contain_text("方阿婆")
    expect(carried).to_contain_text("已提交")
    screenshot(page, "05-helper-workbench-carried")

    # 4. A city-centre clerk accepts at the desk; the intake hall stays the village point and
    #    the paper original travels from it to the city centre.
    desk = open_session()
    sign_in(desk, centre_clerk)
    desk.goto("/desk/")
    inbox = desk.get_by_role("region", name=re.compile("网上申请待受理"))
    inbox.get_by_role("link", name=number, exact=True).click()
    id_card_check = desk.get_by_role("group", name="居民身份证核对结果")
    expect(id_card_check.get_by_label("已收取")).to_be_checked()
    # The helper holds the paper original at the village point: it is taken in as such.
    id_card = case.materials.get(material_type__name="居民身份证")
    desk.locator(f"#row-{id_card.requirement_id} .checklist__form select").select_option("original")
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("已受理")
    expect(desk.locator(".case-head")).to_contain_text("审查中")
    case.refresh_from_db()
    assert case.hall == village
    assert case.pickup_hall == town
    transfer = MaterialTransfer.objects.get(case=case)
    assert (transfer.from_hall, transfer.to_hall) == (village, centre)
    desk.goto("/desk/")
    arriving = desk.get_by_role("region", name=re.compile("待接收材料"))
    arriving_row = arriving.get_by_role("row").filter(has_text=number)
    expect(arriving_row).to_contain_text("方家埭村代办点")
    expect(arriving_row).to_contain_text("居民身份证")
    screenshot(desk, "06-desk-transfers")
    arriving_row.get_by_role("button", name="确认接收").click()
    expect(desk.locator(".messages")).to_be_visible()
    expect(arriving.get_by_role("row").filter(has_text=number)).to_have_count(0)
    transfer.refresh_from_db()
    assert transfer.received_by == centre_clerk

    # 5. The department's approver approves in the admin.
    approve_in_admin(
        open_session(),
        approver,
        number=number,
        department="市公安局",
        status_after="准予",
        screenshot=screenshot,
        shot="07-approver",
    )

    # 6. The city-centre clerk issues the result; it waits at the town centre, where only the
    #    town centre's clerks hand it over.
    desk.goto(f"/desk/cases/{number}/")
    desk.get_by_role("button", name="出件", exact=True).click()
    expect(desk.locator(".messages")).to_be_visible()
    handover = desk.get_by_role("region", name="交付结果")
    expect(handover.locator("[data-other-pickup-hall]")).to_contain_text("乔司街道便民服务中心")
    expect(handover.get_by_role("button", name="窗口领取")).to_have_count(0)
    screenshot(desk, "08-desk-city-centre-may-not-hand-over")
    # Nor through the desk's form posted by hand.
    other = Client()
    other.force_login(centre_clerk)
    refused = other.post(f"/desk/cases/{number}/collect/")
    assert refused.status_code == 403
    assert "只能由该网点的工作人员交付" in refused.content.decode()
    refused = other.post(f"/api/v1/cases/{number}/collect/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_pickup_hall"
    case.refresh_from_db()
    assert case.status == CaseStatus.READY

    town_desk = open_session()
    sign_in(town_desk, town_clerk)
    town_desk.goto("/desk/")
    waiting = town_desk.get_by_role("region", name=re.compile("待出件"))
    waiting.get_by_role("link", name=number, exact=True).click()
    town_desk.get_by_role("region", name="交付结果").get_by_role("button", name="窗口领取").click()
    expect(town_desk.locator(".messages")).to_be_visible()
    expect(town_desk.locator(".case-head")).to_contain_text("已办结")
    screenshot(town_desk, "09-town-desk-handed-over")

    # 7. The resident: closed, no trip of theirs (the helper carried it all).
    home.reload()
    expect(home.locator(".case-head")).to_contain_text("已办结")
    trips = home.locator(".facts__item").filter(has_text="跑动次数")
    expect(trips).to_contain_text("0 次")
    expect(trips).to_contain_text("跑零次")
    screenshot(home, "10-resident-case-closed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert not case.visits.exists()

    # The network as the public and the supervisor see it.
    home.goto("/halls/")
    expect(home.locator("main")).to_contain_text("方家埭村代办点")
    screenshot(home, "11-halls")
    home.goto("/halls/qiaosi/")
    expect(home.get_by_role("heading", level=1)).to_contain_text("乔司街道便民服务中心")
    screenshot(home, "12-hall-town-centre")
    watch = open_session()
    sign_in(watch, UserFactory(supervisor=True, name="督查"))
    watch.goto("/supervision/")
    # The per-hall table: the case counts at the village point that took it in.
    by_hall = watch.get_by_role("row").filter(has_text="方家埭村代办点").first
    expect(by_hall).to_contain_text("村（社区）级")
    screenshot(watch, "13-supervision")
