"""Reads of documents and e-licences."""

from django.db.models import Q, QuerySet

from accounts.models import User

from .models import Document, DocumentStatus, Licence


def document_for_download(number: str, kind: str) -> Document | None:
    """A case's rendered document of ``kind``, with its case (for the permission check)."""
    return (
        Document.objects.select_related("case")
        .filter(case__number=number, kind=kind, status=DocumentStatus.READY)
        .first()
    )


def licences_of_user(user: User) -> QuerySet[Licence]:
    """The e-licences a signed-in citizen holds: by their verified identity or their cases."""
    if not user.is_authenticated:
        return Licence.objects.none()
    condition = Q(case__owner=user)
    for identity in (user.id_number, user.credit_code):
        if identity:
            condition |= Q(holder_id=identity)
    return (
        Licence.objects.filter(condition)
        .select_related("licence_type", "case", "document")
        .order_by("-issued_on", "-id")
        .distinct()
    )
