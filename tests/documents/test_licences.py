"""E-licences: issued on approval, signed, verifiable by anyone from the PDF's link."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.exceptions import LicenceError
from documents.models import Licence
from documents.services import licence_revoke, licence_signature_ok
from tests.factories import UserFactory

from .conftest import cn, document_text, squeeze

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(make_case, licence_matter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_case("approved", for_matter=licence_matter)


@pytest.fixture
def licence(approved) -> Licence:
    return Licence.objects.get(case=approved)


def test_approval_issues_a_signed_licence(approved, licence, citizen):
    today = timezone.localdate()
    assert licence.licence_type.code == "food"
    assert licence.holder_id == citizen.id_number and licence.holder_name == citizen.name
    assert licence.issuing_department == "市市场监督管理局"
    assert licence.issued_on == today
    assert licence.valid_until == today.replace(year=today.year + 5) - datetime.timedelta(days=1)
    assert licence.status == "valid" and licence_signature_ok(licence)
    assert len(licence.verification_code) >= 32
    assert licence.document.kind == "licence"
    decision = squeeze(document_text(approved, "decision"))
    assert "准予行政许可决定书" in decision and licence.number in decision


def test_licence_pdf_states_its_facts_and_its_link_verifies(approved, licence, client):
    text = squeeze(document_text(approved, "licence"))
    assert "食品经营许可证" in text
    assert licence.number in text
    assert "市市场监督管理局" in text
    assert cn(licence.issued_on) in text and cn(licence.valid_until) in text
    assert "食品经营许可" in text  # scope
    link = re.search(rf"核验网址：{re.escape(settings.SITE_URL)}/verify/([A-Za-z0-9_-]+)/", text)
    assert link is not None and link.group(1) == licence.verification_code
    page = client.get(f"/verify/{link.group(1)}/")
    assert page.status_code == 200
    assert "真实有效" in page.content.decode() and licence.number in page.content.decode()
    api = client.get(f"/api/v1/licences/verify/{link.group(1)}/")
    assert api.status_code == 200
    body = api.json()
    assert body["status"] == "valid" and body["number"] == licence.number
    assert body["valid_until"] == licence.valid_until.isoformat()
    assert body["holder_id"] != licence.holder_id  # masked for a person


def test_tampered_licence_fails_the_signature_check(licence, client):
    Licence.objects.filter(pk=licence.pk).update(scope="食品经营许可：含冷冻冷藏食品批发")
    api = client.get(f"/api/v1/licences/verify/{licence.verification_code}/")
    assert api.status_code == 409
    assert api.json()["status"] == "invalid" and api.json()["code"] == "licence_tampered"
    page = client.get(f"/verify/{licence.verification_code}/")
    assert page.status_code == 409 and "签名不符" in page.content.decode()


def test_revoked_licence_says_so(licence, client, supervisor):
    with pytest.raises(LicenceError):
        licence_revoke(licence=licence, by=supervisor, reason=" ")
    licence_revoke(licence=licence, by=supervisor, reason="以欺骗手段取得许可")
    body = client.get(f"/api/v1/licences/verify/{licence.verification_code}/").json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "以欺骗手段取得许可"
    page = client.get(f"/verify/{licence.verification_code}/").content.decode()
    assert "该证照已撤销" in page and "以欺骗手段取得许可" in page


def test_expired_licence_says_so(licence, client):
    Licence.objects.filter(pk=licence.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    # A changed date is a changed content: re-sign as an administrator's correction would.
    from documents.services import licence_sign

    licence.refresh_from_db()
    licence_sign(licence)
    licence.save(update_fields=["signature", "signature_key_id"])
    assert (
        client.get(f"/api/v1/licences/verify/{licence.verification_code}/").json()["status"]
        == "expired"
    )


def test_unknown_code_is_not_found(client, db):
    assert client.get("/api/v1/licences/verify/no-such-code/").status_code == 404
    assert client.get("/verify/no-such-code/").status_code == 404


def test_wallet_lists_own_licences_only(licence, citizen_api, client, citizen, other_citizen):
    results = citizen_api.get("/api/v1/licences/").json()["results"]
    assert results == [
        {
            "type": "食品经营许可证",
            "type_code": "food",
            "number": licence.number,
            "status": "valid",
            "issued_on": licence.issued_on.isoformat(),
            "valid_until": licence.valid_until.isoformat(),
            "verification_code": licence.verification_code,
            "url": f"/cases/{licence.case.number}/documents/licence.pdf",
        }
    ]
    client.force_login(other_citizen)
    assert client.get("/api/v1/licences/").json()["results"] == []
    assert licence.number not in client.get("/my/licences/").content.decode()
    client.force_login(citizen)
    page = client.get("/my/licences/").content.decode()
    assert "我的电子证照" in page and licence.number in page
    assert client.get(f"/cases/{licence.case.number}/documents/licence.pdf").status_code == 200


def test_no_licence_for_a_matter_without_a_licence_type(make_case):
    case = make_case("approved")
    assert not Licence.objects.filter(case=case).exists()


def test_another_citizens_licence_pdf_is_not_found(licence, client):
    client.force_login(UserFactory(citizen=True))
    assert client.get(f"/cases/{licence.case.number}/documents/licence.pdf").status_code == 404


def test_a_licence_is_never_deleted_only_revoked(licence, client, supervisor):
    from django.urls import reverse

    from documents.exceptions import LicenceDeleteError

    with pytest.raises(LicenceDeleteError):
        licence.delete()
    with pytest.raises(LicenceDeleteError):
        Licence.objects.filter(pk=licence.pk).delete()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    delete_page = reverse("admin:documents_licence_delete", args=[licence.pk])
    assert client.get(delete_page).status_code == 403
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:documents_licence_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "delete_selected" not in page.content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [licence.pk]})
    assert Licence.objects.filter(pk=licence.pk).exists()
    # Revoking through the admin is the way, and it keeps the row.
    change = reverse("admin:documents_licence_change", args=[licence.pk])
    assert client.post(change, {"revoke_with_reason": "以欺骗手段取得许可"}).status_code == 302
    licence.refresh_from_db()
    assert licence.status == "revoked" and licence.revoked_by == admin


def test_the_database_refuses_to_delete_a_licence_even_by_sql(licence):
    from django.db import IntegrityError, connection, transaction

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM documents_licence WHERE id = %s", [licence.pk])
    assert Licence.objects.filter(pk=licence.pk).exists()
    # Revoking is an update, and still works.
    licence_revoke(licence=licence, by=UserFactory(supervisor=True), reason="吊销")


def test_the_admin_keeps_papers_on_record(approved, client):
    from django.urls import reverse

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    document = approved.documents.get(kind="decision")
    delete_page = reverse("admin:documents_document_delete", args=[document.pk])
    assert client.post(delete_page, {"post": "yes"}).status_code == 403
    assert approved.documents.filter(pk=document.pk).exists()


def test_the_wallet_reads_a_constant_number_of_queries(
    make_case, licence_matter, citizen, client, citizen_api, django_capture_on_commit_callbacks
):
    def approve(count: int) -> None:
        for _ in range(count):
            with django_capture_on_commit_callbacks(execute=True):
                make_case("approved", for_matter=licence_matter)

    client.force_login(citizen)
    approve(1)
    with CaptureQueriesContext(connection) as api_few:
        assert len(citizen_api.get("/api/v1/licences/").json()["results"]) == 1
    with CaptureQueriesContext(connection) as page_few:
        assert client.get("/my/licences/").status_code == 200
    approve(3)

    with CaptureQueriesContext(connection) as api_many:
        results = citizen_api.get("/api/v1/licences/").json()["results"]
    with CaptureQueriesContext(connection) as page_many:
        page = client.get("/my/licences/").content.decode()

    assert len(results) == 4 and all(item["url"] for item in results)
    assert all(item["number"] in page for item in results)
    assert len(api_many) == len(api_few)
    assert len(page_many) == len(page_few)
