"""Reads of documents and e-licences."""

from django.db.models import QuerySet

from accounts.models import User

from .models import Document, DocumentStatus, Licence


def document_for_download(number: str, kind: str) -> Document | None:
    """A case's document of ``kind``, rendered or still to render from its snapshot, with its
    case (for the permission check)."""
    return (
        Document.objects.select_related("case")
        .filter(case__number=number, kind=kind)
        .exclude(status=DocumentStatus.FAILED)
        .first()
    )


def licences_of_user(user: User) -> QuerySet[Licence]:
    """The e-licences a signed-in citizen holds: those issued to their own identity.

    Never by the case: a licence belongs to the applicant it names, not to whoever filed
    the case (an agent, a clerk, a family member).
    """
    if not user.is_authenticated:
        return Licence.objects.none()
    identities = [identity for identity in (user.id_number, user.credit_code) if identity]
    if not identities:
        return Licence.objects.none()
    return (
        Licence.objects.filter(holder_id__in=identities)
        .select_related("licence_type", "case", "document")
        .order_by("-issued_on", "-id")
    )
