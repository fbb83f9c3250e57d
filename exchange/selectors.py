"""Reads of the data exchange's log: a person's own lookups, a case's, the paper's rows."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from cases.access import account_identity

from .models import DataLookup


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def data_check_items(lookups: list[DataLookup]) -> list[dict]:
    """The rows of a 数据核验单: each item found with what the exchange returned."""
    return [
        {
            "code": lookup.data_item.code,
            "name": lookup.data_item.name,
            "department": lookup.data_item.department.name,
            "proves": lookup.data_item.proves,
            "material": lookup.material.material_type.name if lookup.material else "",
            "fields": list(lookup.snapshot.get("fields", [])),
            "at": _local(lookup.at),
            "purpose": lookup.purpose,
        }
        for lookup in lookups
    ]


def _with_relations(queryset: QuerySet[DataLookup]) -> QuerySet[DataLookup]:
    return queryset.select_related(
        "data_item", "data_item__department", "department", "hall", "case"
    )


def lookups_of_person(user: User) -> QuerySet[DataLookup]:
    """The lookups of the signed-in person's own identity (ID number or credit code), newest
    first; nobody else's. A user without an identity has none."""
    kind, identity = account_identity(user)
    if not identity:
        return DataLookup.objects.none()
    return _with_relations(
        DataLookup.objects.filter(identity=identity, identity_kind=kind)
    ).order_by("-at", "-id")


def lookups_of_case(case) -> QuerySet[DataLookup]:
    """A case's lookups in the order they ran."""
    return _with_relations(DataLookup.objects.filter(case=case)).order_by("at", "id")
