"""Reads of the materials locker."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from cases.access import account_identity
from cases.models import MaterialFile

from .models import LockerItem


def locker_of(user: User) -> QuerySet[LockerItem]:
    """The items of the signed-in person's own locker (their ID number or credit code), newest
    first, with the material, the hall, the case and the files (constant queries)."""
    kind, identity = account_identity(user)
    if not identity:
        return LockerItem.objects.none()
    files = MaterialFile.objects.order_by("uploaded_at", "id")
    return (
        LockerItem.objects.current()
        .sound()
        .of_identity(kind, identity)
        .select_related("material_type", "hall", "source_case")
        .prefetch_related(Prefetch("source_material__files", queryset=files))
        .order_by("-verified_at", "-id")
    )
