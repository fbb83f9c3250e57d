"""Uploads that could hurt: a name that lies about the type, huge images, too many files,
oversized bodies, long 4-byte names; removing and replacing files; token downloads."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from cases import services
from cases.models import CaseMaterial, MaterialFile, MaterialStatus
from tests.factories import PASSWORD, UserFactory

from .conftest import PDF_BYTES, PNG_BYTES, requirement

pytestmark = pytest.mark.django_db

ID_CARD = "居民身份证"
TAX = "完税凭证"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` with a few bytes of image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real 8 × 8 JPEG whose frame header is rewritten to claim ``width`` × ``height``."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client, case, name: str, content: bytes, material: str = ID_CARD, **extra):
    return client.post(
        f"/api/v1/cases/{case.number}/materials/",
        {"requirement": requirement(case, material), "file": SimpleUploadedFile(name, content)},
        format="multipart",
        **extra,
    )


def files_of(case, material: str = ID_CARD):
    return list(
        MaterialFile.objects.filter(material__case=case, material__material_type__name=material)
    )


def download(client, stored: MaterialFile, **extra):
    response = client.get(f"/cases/{stored.material.case.number}/files/{stored.pk}/", **extra)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


# A name that lies ------------------------------------------------------------------------


def test_a_pdf_named_html_downloads_as_a_pdf(make_case, citizen):
    case = make_case("draft")

    response = upload(api_as(citizen), case, "poly.html", PDF_BYTES)

    assert response.status_code == 201
    (stored,) = files_of(case)
    assert stored.original_name == "poly.pdf"
    assert not stored.file.name.endswith(".html")
    file_json = response.json()["materials"][0]["files"][0]
    assert file_json["name"] == "poly.pdf"
    client = Client()
    client.force_login(citizen)
    answer, content = download(client, stored)
    assert answer.status_code == 200
    assert content == PDF_BYTES
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="poly.pdf"'
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_an_older_file_stored_under_a_lying_name_still_downloads_with_its_real_extension(
    make_case, citizen
):
    case = make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    stored = files_of(case)[0]
    MaterialFile.objects.filter(pk=stored.pk).update(original_name="invoice.html")
    client = Client()
    client.force_login(citizen)

    answer, _content = download(client, stored)

    assert answer["Content-Disposition"] == 'attachment; filename="invoice.pdf"'


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("photo.PNG.exe", PNG_BYTES, "photo.PNG.png"),
        ("id.jpeg", None, "id.jpg"),
        ("../../etc/passwd", PDF_BYTES, "passwd.pdf"),
        ("a\x00b.pdf", PDF_BYTES, "ab.pdf"),
        (".pdf", PDF_BYTES, f"{ID_CARD}.pdf"),
    ],
)
def test_shown_names_are_clean_with_the_sniffed_extension(make_case, citizen, name, content, shown):
    case = make_case("draft")
    content = content or jpeg_claiming(8, 8)

    response = upload(api_as(citizen), case, name, content)

    assert response.status_code == 201, response.json()
    assert files_of(case)[0].original_name == shown


# Long names of 4-byte characters ---------------------------------------------------------


@pytest.mark.parametrize("char", ["𠀀", "😀"])
def test_a_ninety_character_name_of_four_byte_characters_is_stored(make_case, citizen, char):
    case = make_case("draft")
    name = char * 90 + ".pdf"

    response = upload(api_as(citizen), case, name, PDF_BYTES)

    assert response.status_code == 201
    (stored,) = files_of(case)
    assert stored.original_name == name
    assert len(stored.file.name) <= 100
    assert stored.file.read() == PDF_BYTES
    client = Client()
    client.force_login(citizen)
    answer, content = download(client, stored)
    assert answer.status_code == 200
    assert content == PDF_BYTES
    assert "filename*=utf-8''" in answer["Content-Disposition"]


def test_a_name_longer_than_the_column_is_shortened_keeping_its_extension(make_case, citizen):
    case = make_case("draft")

    response = upload(api_as(citizen), case, "长" * 500 + ".pdf", PDF_BYTES)

    assert response.status_code == 201
    shown = files_of(case)[0].original_name
    assert shown.endswith(".pdf")
    assert len(shown) == 100


# Pixels ----------------------------------------------------------------------------------


def test_a_png_of_fifty_thousand_pixels_square_is_refused(make_case, citizen):
    case = make_case("draft")

    response = upload(api_as(citizen), case, "bomb.png", png_header(50_000, 50_000))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "image_too_large"
    assert "百万像素" in body["detail"]
    assert files_of(case) == []
    assert case.materials.get(material_type__name=ID_CARD).status == MaterialStatus.MISSING


def test_a_jpeg_claiming_huge_dimensions_is_refused(make_case, citizen):
    case = make_case("draft")

    response = upload(api_as(citizen), case, "bomb.jpg", jpeg_claiming(60_000, 60_000))

    assert response.status_code == 400
    assert response.json()["code"] == "image_too_large"


def test_the_pixel_limit_is_a_setting(make_case, citizen, settings):
    settings.MATERIAL_MAX_IMAGE_PIXELS = 100
    case = make_case("draft")
    client = api_as(citizen)

    refused = upload(client, case, "big.png", png_header(11, 10))
    accepted = upload(client, case, "small.png", png_header(10, 10))

    assert refused.status_code == 400
    assert refused.json()["code"] == "image_too_large"
    assert accepted.status_code == 201


def test_an_image_with_a_broken_header_is_refused_not_a_500(make_case, citizen):
    case = make_case("draft")
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 20

    response = upload(api_as(citizen), case, "broken.png", broken)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file"


def test_a_huge_image_on_the_page_gets_the_message_next_to_the_field(make_case, citizen):
    case = make_case("draft")
    client = Client()
    client.force_login(citizen)

    response = client.post(
        f"/my/cases/{case.number}/materials/",
        {
            "requirement": requirement(case, ID_CARD),
            "file": SimpleUploadedFile("bomb.png", png_header(50_000, 50_000)),
        },
    )

    assert response.status_code == 400
    assert "图片尺寸过大" in response.content.decode()


# How many files --------------------------------------------------------------------------


def test_a_material_takes_at_most_the_set_number_of_files(make_case, citizen, settings):
    settings.MATERIAL_MAX_FILES = 2
    case = make_case("draft")
    client = api_as(citizen)

    answers = [upload(client, case, f"page{n}.pdf", PDF_BYTES).status_code for n in range(3)]

    assert answers == [201, 201, 400]
    assert len(files_of(case)) == 2
    third = upload(client, case, "page3.pdf", PDF_BYTES)
    assert third.json()["code"] == "too_many_files"
    # Another material still takes files.
    assert upload(client, case, "tax.pdf", PDF_BYTES, material=TAX).status_code == 201


def test_the_default_limit_is_ten(settings):
    assert settings.MATERIAL_MAX_FILES == 10


# Oversized bodies ------------------------------------------------------------------------


def test_an_oversized_upload_is_refused_from_its_length_before_reading(make_case, citizen):
    case = make_case("draft")
    client = api_as(citizen)

    # The body is small but claims 10 GB: reading it would fail, so nothing may read it.
    response = client.post(
        f"/api/v1/cases/{case.number}/materials/",
        {"requirement": requirement(case, ID_CARD), "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        format="multipart",
        CONTENT_LENGTH=str(10 * 1024**3),
    )

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert files_of(case) == []


def test_an_upload_over_the_file_limit_is_a_413(make_case, citizen, settings):
    settings.MATERIAL_MAX_UPLOAD_BYTES = 1024
    case = make_case("draft")

    response = upload(api_as(citizen), case, "big.pdf", PDF_BYTES + b"0" * 200_000)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert "1.0\xa0KB" in response.json()["detail"]


def test_an_oversized_upload_on_the_page_gets_a_page_in_plain_words(make_case, citizen):
    case = make_case("draft")
    client = Client()
    client.force_login(citizen)

    response = client.post(
        f"/my/cases/{case.number}/materials/",
        {"requirement": requirement(case, ID_CARD), "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        CONTENT_LENGTH=str(10 * 1024**3),
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "文件过大" in response.content.decode()


# Removing and replacing ------------------------------------------------------------------


def delete(client, stored: MaterialFile):
    return client.delete(f"/api/v1/cases/{stored.material.case.number}/materials/{stored.pk}/")


def test_the_applicant_removes_a_draft_file_and_the_material_is_missing_again(
    make_case, citizen, settings, django_capture_on_commit_callbacks
):
    case = make_case("draft")
    client = api_as(citizen)
    upload(client, case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)
    path = settings.MEDIA_ROOT / stored.file.name
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = delete(client, stored)

    assert response.status_code == 200
    material = response.json()["materials"][0]
    assert material["files"] == []
    assert material["status"] == MaterialStatus.MISSING
    assert files_of(case) == []
    assert not path.exists()


def test_removing_one_of_two_files_leaves_the_material_in(make_case, citizen):
    case = make_case("draft")
    client = api_as(citizen)
    upload(client, case, "front.pdf", PDF_BYTES)
    upload(client, case, "back.pdf", PDF_BYTES)
    front, _back = files_of(case)

    response = delete(client, front)

    assert response.status_code == 200
    assert [f["name"] for f in response.json()["materials"][0]["files"]] == ["back.pdf"]
    assert case.materials.get(material_type__name=ID_CARD).status == MaterialStatus.RECEIVED


def test_replacing_is_removing_then_uploading(make_case, citizen):
    case = make_case("draft")
    client = api_as(citizen)
    upload(client, case, "blurred.pdf", PDF_BYTES)

    assert delete(client, files_of(case)[0]).status_code == 200
    assert upload(client, case, "sharp.pdf", PDF_BYTES).status_code == 201

    assert [stored.original_name for stored in files_of(case)] == ["sharp.pdf"]


@pytest.mark.parametrize("status", ["submitted", "in_review"])
def test_files_cannot_be_removed_once_handed_in(make_case, citizen, status):
    case = make_case(status)
    stored = files_of(case)[0]

    response = delete(api_as(citizen), stored)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


@pytest.fixture
def supplement_case(make_case, clerk):
    """A submitted case whose tax receipt the window asked for again (一次性告知)."""
    case = make_case("submitted")
    tax = requirement(case, TAX)
    services.case_request_supplement(
        case=case, by=clerk, missing=[tax], reasons={tax: "完税凭证模糊，请重新上传。"}
    )
    case.refresh_from_db()
    return case


def test_waiting_for_supplement_the_file_asked_for_can_be_removed_and_replaced(
    supplement_case, citizen
):
    client = api_as(citizen)
    (old,) = files_of(supplement_case, TAX)

    assert delete(client, old).status_code == 200
    assert upload(client, supplement_case, "clear.pdf", PDF_BYTES, material=TAX).status_code == 201
    (new,) = files_of(supplement_case, TAX)
    # A wrong pick is taken off again; the material is asked for again, reason and all.
    assert delete(client, new).status_code == 200
    material = CaseMaterial.objects.get(case=supplement_case, material_type__name=TAX)
    assert material.status == MaterialStatus.MISSING
    assert material.reason == "完税凭证模糊，请重新上传。"


def test_waiting_for_supplement_a_checked_file_stays(supplement_case, citizen):
    (checked,) = files_of(supplement_case, ID_CARD)

    response = delete(api_as(citizen), checked)

    assert response.status_code == 409
    assert "已经窗口核验" in response.json()["detail"]
    assert MaterialFile.objects.filter(pk=checked.pk).exists()


def test_a_file_uploaded_since_the_notice_can_be_removed(supplement_case, citizen):
    client = api_as(citizen)
    upload(client, supplement_case, "extra.pdf", PDF_BYTES, material=ID_CARD)
    first, extra = files_of(supplement_case, ID_CARD)

    assert delete(client, extra).status_code == 200
    assert delete(client, first).status_code == 409


# A clerk on an online draft is the "who may act for whom" slice's (404 there).
@pytest.mark.parametrize("who", ["other_citizen", "supervisor", "anonymous"])
def test_nobody_else_removes_the_applicants_file(make_case, citizen, clerk, who):
    case = make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)
    user = {
        "other_citizen": UserFactory(citizen=True),
        "clerk": clerk,
        "supervisor": UserFactory(supervisor=True),
        "anonymous": None,
    }[who]
    client = api_as(user) if user else APIClient()

    response = delete(client, stored)

    assert response.status_code in (401, 403, 404)
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


def test_a_file_is_removed_only_under_its_own_case(make_case, citizen):
    case, other = make_case("draft"), make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)

    response = api_as(citizen).delete(f"/api/v1/cases/{other.number}/materials/{stored.pk}/")

    assert response.status_code == 404
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


def test_the_materials_page_has_a_remove_button_that_works(make_case, citizen):
    case = make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)
    client = Client()
    client.force_login(citizen)
    page = f"/my/cases/{case.number}/materials/"
    action = f"/my/cases/{case.number}/files/{stored.pk}/remove/"

    html = client.get(page).content.decode()
    response = client.post(action, {"next": page}, follow=True)

    assert f'action="{action}"' in html
    assert response.redirect_chain[-1][0] == page
    assert "已删除文件：scan.pdf" in response.content.decode()
    assert files_of(case) == []


def test_the_remove_button_is_not_offered_once_handed_in(make_case, citizen):
    case = make_case("submitted")
    client = Client()
    client.force_login(citizen)

    html = client.get(f"/my/cases/{case.number}/").content.decode()

    assert "/remove/" not in html


def test_the_case_page_offers_removal_of_the_file_asked_for_only(supplement_case, citizen):
    client = Client()
    client.force_login(citizen)
    (tax_file,) = files_of(supplement_case, TAX)
    (id_file,) = files_of(supplement_case, ID_CARD)

    html = client.get(f"/my/cases/{supplement_case.number}/").content.decode()

    assert f"/files/{tax_file.pk}/remove/" in html
    assert f"/files/{id_file.pk}/remove/" not in html


def test_the_page_refuses_removal_after_hand_in_with_a_message(make_case, citizen):
    case = make_case("submitted")
    stored = files_of(case)[0]
    client = Client()
    client.force_login(citizen)

    response = client.post(f"/my/cases/{case.number}/files/{stored.pk}/remove/", follow=True)

    assert "不能执行此操作" in response.content.decode()
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


def test_another_citizen_cannot_remove_through_the_page(make_case, citizen):
    case = make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)
    client = Client()
    client.force_login(UserFactory(citizen=True))

    response = client.post(f"/my/cases/{case.number}/files/{stored.pk}/remove/")

    assert response.status_code == 404
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


def test_removal_is_a_post(make_case, citizen):
    case = make_case("draft")
    upload(api_as(citizen), case, "scan.pdf", PDF_BYTES)
    (stored,) = files_of(case)
    client = Client()
    client.force_login(citizen)

    response = client.get(f"/my/cases/{case.number}/files/{stored.pk}/remove/")

    assert response.status_code == 405
    assert MaterialFile.objects.filter(pk=stored.pk).exists()


# Token downloads -------------------------------------------------------------------------


def token_client(user) -> APIClient:
    client = APIClient()
    answer = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def test_a_file_url_from_the_api_downloads_with_the_same_token(make_case, citizen):
    case = make_case("submitted")
    client = token_client(citizen)

    detail = client.get(f"/api/v1/cases/{case.number}/").json()
    url = detail["materials"][0]["files"][0]["url"]
    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "no-store" in response["Cache-Control"]


def test_a_token_of_someone_who_may_not_see_the_case_gets_404(make_case, citizen):
    case = make_case("submitted")
    stored = files_of(case)[0]

    response, content = download(token_client(UserFactory(citizen=True)), stored)

    assert response.status_code == 404
    assert PDF_BYTES not in content


def test_a_clerk_token_downloads_like_the_clerk_session(make_case, clerk):
    case = make_case("submitted")
    stored = files_of(case)[0]

    response, content = download(token_client(clerk), stored)

    assert response.status_code == 200
    assert content == PDF_BYTES


def test_a_bad_token_is_a_401_not_a_login_page(make_case):
    case = make_case("submitted")
    stored = files_of(case)[0]

    response, _content = download(Client(), stored, HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_clerk_removes_a_file_of_a_case_taken_in_at_the_window(clerk, citizen, matter):
    from .conftest import applicant_of

    case = services.case_create(by=clerk, matter=matter, applicant=applicant_of(citizen))
    client = api_as(clerk)
    assert upload(client, case, "scan.pdf", PDF_BYTES).status_code == 201
    (stored,) = files_of(case)

    response = delete(client, stored)

    assert response.status_code == 200
    assert files_of(case) == []
