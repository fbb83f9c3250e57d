"""What papers and licences share: dates as papers write them, masked identities, links."""

import datetime

from django.conf import settings
from django.urls import reverse

from accounts.identity import mask_id_number, mask_name
from accounts.models import IdentityKind
from cases.models import Case
from matters.models import Matter


def cn_date(day: datetime.date | None) -> str:
    """``2026年3月5日``; empty for no date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def holder_id_of(case: Case) -> str:
    """The identity a licence of the case is issued to: the applicant's."""
    return case.applicant_identity


def masked_identity(kind: str, value: str) -> str:
    """An ID number masked; a credit code as it is."""
    # A credit code is public (it is printed on the business licence); an ID number is not.
    return value if kind == IdentityKind.COMPANY else mask_id_number(value)


def masked_holder_name(kind: str, name: str) -> str:
    """A person's name masked; a company's as it is."""
    return name if kind == IdentityKind.COMPANY else mask_name(name)


def verification_url(code: str) -> str:
    """The public verification page of a licence."""
    return f"{settings.SITE_URL}{reverse('documents:licence-verify', args=[code])}"


def matters_of(case: Case) -> list[Matter]:
    """The case's matter, or its bundle's matters in order."""
    if case.matter_id:
        return [case.matter]
    return [item.matter for item in case.bundle.items.select_related("matter").order_by("order")]
