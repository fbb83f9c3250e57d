"""Materials uploaded online are electronic copies received online: 已上传，待审核 until the
window takes them in, never "窗口收取：原件 1 份"; a material that does not apply reads 不涉及."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, MaterialStatus
from documents.models import Document
from documents.services import receipt_rows
from tests.cases.conftest import pdf, requirement

from .helpers import checklist_data, url

pytestmark = pytest.mark.django_db

KEY, TAX_PROOF, LETTER = "居民身份证", "完税凭证", "授权委托书"


def state_of(response, name: str) -> str:
    """The status badge of material ``name`` in the case page's full list."""
    html = response.content.decode()
    section = html[html.index('id="all-materials-title"') :]
    block = section[section.index(f'material__name">{name}<') :]
    block = block[: block.index("</li>")] if "</li>" in block else block
    start = block.index('class="material-status')
    return block[start : block.index("</span>", start)]


def test_an_online_upload_is_an_electronic_copy_awaiting_the_window(client, citizen, make_case):
    case = make_case("submitted")
    key = case.materials.get(material_type__name=KEY)
    assert (key.status, key.received_form, key.received_copies) == ("received", "electronic", 1)
    assert key.taken_in_at is None

    client.force_login(citizen)
    page = client.get(reverse("cases:case-detail", args=[case.number]))
    assert "已上传，待审核" in state_of(page, KEY)
    assert "已收取" not in state_of(page, KEY)
    assert "网上提交的电子材料 1 份，等待窗口审核" in page.content.decode()


def test_the_desk_takes_online_files_in_as_electronic_not_as_paper(
    client, clerk_client, citizen, make_case
):
    case = make_case("submitted", deferred=True)
    page = clerk_client.get(url("case-intake", case.number))
    html = page.content.decode()
    # The checklist offers (and preselects) the files sent online.
    prefix = f"m{requirement(case, KEY)}_form"
    select = html[html.index(f'name="{prefix}"') :]
    select = select[: select.index("</select>")]
    assert '<option value="electronic" selected>网上提交的电子材料</option>' in select

    data = checklist_data(
        case,
        "accept",
        {KEY: "received", TAX_PROOF: ("missing", "未提供"), LETTER: "none"},
    )
    data[prefix] = "electronic"
    # Without the tax proof (not deferred) the acceptance is refused; nothing half-done.
    assert clerk_client.post(url("case-intake", case.number), data).status_code == 400

    services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, TAX_PROOF), upload=pdf()
    )
    data = checklist_data(case, "accept", {KEY: "received", TAX_PROOF: "received", LETTER: "none"})
    data[prefix] = data[f"m{requirement(case, TAX_PROOF)}_form"] = "electronic"
    response = clerk_client.post(url("case-intake", case.number), data)
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    key = case.materials.get(material_type__name=KEY)
    assert (key.received_form, key.received_copies) == ("electronic", 1)
    assert key.taken_in_at is not None
    notes = list(case.events.filter(action="material_received").values_list("note", flat=True))
    assert notes and all("网上提交的电子材料" in note for note in notes)
    assert not any("原件" in note for note in notes)
    letter = case.materials.get(material_type__name=LETTER)
    assert letter.status == MaterialStatus.NOT_APPLICABLE

    # The desk's material table and the citizen's page say what happened.
    html = clerk_client.get(url("case-intake", case.number)).content.decode()
    assert "网上提交电子材料 1 份" in html
    assert "原件 1 份" not in html
    client.force_login(citizen)
    page = client.get(reverse("cases:case-detail", args=[case.number]))
    assert "已收取" in state_of(page, KEY)
    assert "不涉及" in state_of(page, LETTER)
    assert "material-status--missing" not in state_of(page, LETTER)

    # The receipt lists the materials as received online.
    receipt = Document.objects.get(case=case, kind="receipt")
    rows = {row["name"]: row["state"] for row in receipt_rows(receipt.context)}
    assert rows[KEY] == "网上提交电子材料，已收取"
    assert rows[TAX_PROOF] == "网上提交电子材料，已收取"


def test_paper_taken_at_the_window_stays_paper(clerk, make_case):
    case = make_case("submitted")
    services.material_receive(
        case=case, by=clerk, requirement_id=requirement(case, KEY), form="original", copies=2
    )
    key = case.materials.get(material_type__name=KEY)
    assert (key.received_form, key.received_copies) == ("original", 2)
    note = case.events.filter(action="material_received").last().note
    assert note == "窗口收取：居民身份证（原件 2 份）"


def test_electronic_intake_needs_files_and_not_applicable_never_a_required_material(
    clerk, make_case
):
    case = make_case("submitted", deferred=True)
    with pytest.raises(ValidationError) as caught:
        services.material_receive(
            case=case,
            by=clerk,
            requirement_id=requirement(case, TAX_PROOF),
            form="electronic",
            copies=1,
        )
    assert "没有网上提交的电子文件" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.material_mark_not_applicable(
            case=case, by=clerk, requirement_id=requirement(case, KEY)
        )
    assert "是必交材料，不能标为不涉及" in str(caught.value)
    assert case.materials.get(material_type__name=KEY).status == MaterialStatus.RECEIVED


def test_a_conditional_material_not_brought_reads_not_applicable_once_accepted(
    client, citizen, make_case
):
    case = make_case("in_review")
    client.force_login(citizen)
    page = client.get(reverse("cases:case-detail", args=[case.number]))
    assert "不涉及" in state_of(page, LETTER)
    # Accepted by the clerk: what was uploaded is taken in.
    assert "已收取" in state_of(page, KEY)


def test_removing_the_last_online_file_forgets_the_electronic_copy(citizen, make_case):
    case = make_case("draft")
    stored = services.material_upload(
        case=case, by=citizen, requirement_id=requirement(case, KEY), upload=pdf()
    )
    services.material_file_remove(stored=stored, by=citizen)
    key = case.materials.get(material_type__name=KEY)
    assert (key.status, key.received_form, key.received_copies) == ("missing", "", 0)
