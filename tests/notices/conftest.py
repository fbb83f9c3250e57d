"""Case builders shared with tests/cases (real services all the way), and notice helpers.

The catalog and case fixtures of ``tests/cases/conftest.py`` (a matter reviewed by housing and
tax, the clerk authorised for housing, one approver per department, ``make_case``) are
re-exported here so the notices are those of the same cases the service tests drive.
"""

import pytest

from notices.models import Notice
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import PDF_BYTES, applicant_of, drive_case, pdf, requirement

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
instant_matter = cases_conftest.instant_matter
clerk = cases_conftest.clerk
housing_approver = cases_conftest.housing_approver
tax_approver = cases_conftest.tax_approver
make_case = cases_conftest.make_case

__all__ = ["PDF_BYTES", "applicant_of", "pdf", "requirement"]


def notices_of(template: str, **filters) -> list[Notice]:
    """Notices made from ``template``, oldest first."""
    return list(Notice.objects.filter(template=template, **filters).order_by("created_at", "id"))


def only_text(template: str, channel: str = "sms", **filters) -> str:
    """The text of the one notice of ``template`` on ``channel``."""
    found = notices_of(template, channel=channel, **filters)
    assert len(found) == 1, [(n.template, n.channel, n.recipient_key) for n in found]
    return found[0].text


@pytest.fixture
def test_sms(settings):
    """The SMS backend is ``tests.notices.backends.ScriptedSmsBackend``, reset for the test."""
    from .backends import ScriptedSmsBackend

    settings.SMS_BACKEND = "tests.notices.backends.ScriptedSmsBackend"
    ScriptedSmsBackend.reset()
    return ScriptedSmsBackend


def cn(day) -> str:
    """A date as notices write it: ``2026年3月5日``."""
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def courier_case(citizen, clerk, matter):
    """``courier_case("ready")``: a case delivered by courier, driven to ready (or approved)."""
    from cases import services

    def build(status: str = "ready"):
        return drive_case(
            status,
            owner=citizen,
            clerk=clerk,
            matter=matter,
            delivery=services.Delivery(
                method="courier",
                receiver="李四",
                phone="13900001111",
                province="浙江省",
                city="杭州市",
                district="西湖区",
                address="文三路100号3幢201室",
            ),
        )

    return build
