"""Material files are served only through the permission-checked view, never by a media URL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services
from cases.models import MaterialFile
from tests.factories import DepartmentFactory, UserFactory

from .conftest import PDF_BYTES, PNG_BYTES, requirement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def file_url(stored: MaterialFile, number: str | None = None) -> str:
    return f"/cases/{number or stored.material.case.number}/files/{stored.pk}/"


def client_as(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def download(user, stored: MaterialFile, number: str | None = None):
    response = client_as(user).get(file_url(stored, number))
    # Reading the stream closes the file (the test client wraps it); no close() of our own.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


@pytest.fixture
def stored(make_case):
    """The ID card scan of a case under review by housing and tax."""
    case = make_case("in_review")
    return MaterialFile.objects.get(material__case=case, material__material_type__name="居民身份证")


@pytest.mark.parametrize("who", ["owner", "clerk", "reviewing_approver", "supervisor"])
def test_people_who_may_see_the_case_download_its_files(
    stored, citizen, clerk, housing_approver, who
):
    user = {
        "owner": citizen,
        "clerk": clerk,
        "reviewing_approver": housing_approver,
        "supervisor": UserFactory(supervisor=True),
    }[who]

    response, content = download(user, stored)

    assert response.status_code == 200
    assert content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_another_citizen_gets_404(stored):
    response, content = download(UserFactory(citizen=True), stored)

    assert response.status_code == 404
    assert PDF_BYTES not in content


def test_an_approver_of_a_department_without_a_review_gets_404(stored):
    police = UserFactory(approver=True, department=DepartmentFactory(code="police"))

    response, _content = download(police, stored)

    assert response.status_code == 404


def test_an_approver_sees_nothing_before_the_department_reviews_the_case(
    make_case, housing_approver
):
    case = make_case("submitted")
    stored = MaterialFile.objects.filter(material__case=case).first()

    response, _content = download(housing_approver, stored)

    assert response.status_code == 404


def test_anonymous_is_sent_to_sign_in(stored):
    response = client_as(None).get(file_url(stored))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert file_url(stored) in response["Location"].replace("%2F", "/")


def test_a_file_is_reached_only_under_its_own_case(make_case, stored, citizen, clerk):
    other_case = make_case("draft")

    for user in (citizen, clerk):
        response, _content = download(user, stored, number=other_case.number)
        assert response.status_code == 404
    response, _content = download(citizen, stored, number="20000101-99999")
    assert response.status_code == 404


def test_an_image_is_shown_inline(make_case, citizen):
    case = make_case("draft")
    services.material_upload(
        case=case,
        by=citizen,
        requirement_id=requirement(case, "居民身份证"),
        upload=SimpleUploadedFile("id.png", PNG_BYTES, content_type="image/png"),
    )
    stored = MaterialFile.objects.get(material__case=case)

    response, content = download(citizen, stored)

    assert response.status_code == 200
    assert content == PNG_BYTES
    assert response["Content-Type"] == "image/png"
    assert not response["Content-Disposition"].startswith("attachment")


def test_no_media_url_serves_the_file(stored, citizen, settings):
    name = stored.file.name
    assert (settings.MEDIA_ROOT / name).read_bytes() == PDF_BYTES

    for user in (None, citizen):
        client = client_as(user)
        for path in (f"/media/{name}", f"/{name}", f"/media/{name.rsplit('/', 1)[-1]}"):
            response = client.get(path)
            assert response.status_code == 404, path
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert PDF_BYTES not in body
