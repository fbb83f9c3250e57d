"""The acceptance receipt is one A4 sheet, however many materials the case has."""

import io

import pytest
from PIL import Image

from cases import services
from matters.calendar import add_working_days
from tests.factories import MaterialTypeFactory, MatterFactory, RequirementFactory
from tests.pictures import pages_in_grey

from .conftest import applicant_of, document_bytes, pdf, pdf_pages, pdf_text, squeeze

pytestmark = pytest.mark.django_db


def case_with_materials(count, citizen, clerk, housing, *, deferred=0):
    matter = MatterFactory(name="企业投资项目联合审批", lead_department=housing, with_guide=False)
    for index in range(count):
        RequirementFactory(
            matter=matter,
            material=MaterialTypeFactory(
                name=f"第{index + 1}号申请材料：项目单位盖章的可行性研究报告及附件复印件"
            ),
            key=index == 0,
            deferrable=index >= count - deferred,
            order=index,
        )
    case = services.case_create(by=citizen, matter=matter, applicant=applicant_of(citizen))
    for material in case.materials.filter(required=True, deferrable=False):
        services.material_upload(
            case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=citizen)
    if deferred:
        from django.utils import timezone

        # A working day whatever today is (a week ahead may fall on a weekend).
        due = add_working_days(timezone.localdate(), 5)
        services.case_commit_deferral(case=case, by=citizen, due_date=due)
        services.case_accept(
            case=case,
            by=clerk,
            deferred=[m.requirement_id for m in case.materials.filter(deferrable=True)],
            due_date=due,
        )
    else:
        services.case_accept(case=case, by=clerk)
    return case


@pytest.mark.parametrize(("count", "deferred"), [(3, 0), (12, 2), (40, 5), (80, 0)])
def test_the_receipt_is_one_page_and_names_every_material(
    count, deferred, citizen, clerk, housing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_with_materials(count, citizen, clerk, housing, deferred=deferred)
    data = document_bytes(case, "receipt")
    assert pdf_pages(data) == 1
    text = squeeze(pdf_text(data))
    assert f"申请材料（共{count}项）" in text
    for index in range(count):
        # Its number before its name, in the table (up to ~20 materials) as in the list in
        # columns,
        assert f"{index + 1}.第{index + 1}号申请材料：" in text
    # and its kind and copies after it ("（主件·1份）"; the text read off the page may break
    # such a line anywhere but after an opening or before a closing bracket).
    assert text.count("（主") == 1 and text.count("（辅") == count - 1
    assert text.count("份）") == count
    assert f"/track/?number={case.number}" in text and "盖章" in text


@pytest.mark.parametrize("kind", ["licensing", "public_service"])
def test_a_deemed_acceptance_receipt_dates_from_submission_and_says_why(
    kind, make_case, housing, django_capture_on_commit_callbacks
):
    import datetime
    import zoneinfo

    from django.utils import timezone

    from cases.models import Case

    from .conftest import cn

    matter = MatterFactory(name="某项服务", kind=kind, lead_department=housing, with_guide=False)
    case = make_case("submitted", for_matter=matter)
    day = timezone.localdate() - datetime.timedelta(days=14)
    at = datetime.datetime.combine(day, datetime.time(9), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    Case.objects.filter(pk=case.pk).update(submitted_at=at)
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_deem_accepted()
    case.refresh_from_db()
    text = squeeze(pdf_text(document_bytes(case, "receipt")))
    assert f"本中心于{cn(day)}收到申请材料" in text
    assert "自收到申请材料之日起即为受理" in text
    # The licensing law speaks for licences only.
    assert ("行政许可法》第三十二条" in text) == (kind == "licensing")
    assert cn(case.deadline) in text


def page_in_grey(data: bytes, dpi: int = 100) -> Image.Image:
    """The first page as poppler prints it, in grey levels (0 black, 255 white)."""
    return Image.open(io.BytesIO(pages_in_grey(data, dpi=dpi)[0])).convert("L")


def horizontal_rules(page) -> int:
    """Lines across at least half the page's width (a table's rows, a heading's underline);
    a line one or two pixels thick counts once."""
    width, height = page.size
    pixels = page.load()
    rules, previous = 0, False
    for y in range(height):
        longest = run = 0
        for x in range(width):
            run = run + 1 if pixels[x, y] < 200 else 0
            longest = max(longest, run)
        ruled = longest >= width // 2
        rules += ruled and not previous
        previous = ruled
    return rules


def test_the_receipts_tables_keep_inside_the_page_margins(
    citizen, clerk, housing, django_capture_on_commit_callbacks
):
    """Its four-column fact tables once had a width on every column, and ran 13 mm into the
    right margin, to 3 mm from the paper's edge."""
    with django_capture_on_commit_callbacks(execute=True):
        case = case_with_materials(3, citizen, clerk, housing)
    page = page_in_grey(document_bytes(case, "receipt"))
    width, height = page.size
    margin = round(16 / 25.4 * 100)  # the receipt's right margin, 16 mm
    strip = page.crop((width - margin + 3, 0, width, height))
    assert strip.getextrema()[0] > 200, "ink in the right margin"


def test_the_receipt_draws_every_line_of_its_tables_and_none_around_its_foot(
    citizen, clerk, housing, django_capture_on_commit_callbacks
):
    """Cells draw half of each line between them (tests the lines are all there, and still
    single lines at screen resolution); the foot (QR code, link, stamp) is a table without
    lines (``unruled``)."""
    with django_capture_on_commit_callbacks(execute=True):
        case = case_with_materials(3, citizen, clerk, housing)
    page = page_in_grey(document_bytes(case, "receipt"))
    # Facts: 4 rows, 5 lines; two headings' underlines; materials: a head row and 3 rows,
    # 5 lines; the time limit and delivery: 2 rows, 3 lines.
    assert horizontal_rules(page) == 5 + 2 + 5 + 3
