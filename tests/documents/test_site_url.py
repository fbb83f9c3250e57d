"""Links printed in papers and sent by SMS point at the portal's public address (SITE_URL)."""

import pytest

from documents.models import Licence
from notices.models import Notice

from .conftest import document_text, squeeze

pytestmark = pytest.mark.django_db
PUBLIC = "https://zwfw.example.gov.cn"


def test_papers_and_sms_link_to_site_url(
    settings, make_case, licence_matter, django_capture_on_commit_callbacks
):
    settings.SITE_URL = PUBLIC
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("approved", for_matter=licence_matter)
    receipt = squeeze(document_text(case, "receipt"))
    assert f"{PUBLIC}/track/?number={case.number}" in receipt
    licence = Licence.objects.get(case=case)
    certificate = squeeze(document_text(case, "licence"))
    assert f"{PUBLIC}/verify/{licence.verification_code}/" in certificate
    texts = [n.text for n in Notice.objects.filter(channel="sms") if "http" in n.text]
    assert texts and all(f"{PUBLIC}/track/?number={case.number}" in text for text in texts)
    for text in [receipt, certificate, *texts]:
        assert "127.0.0.1" not in text and "localhost" not in text
