"""Form data for the desk pages, written as a clerk would fill them in."""

import datetime

from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from matters.calendar import add_working_days
from tests.identities import make_id_number, make_mobile


def url(name: str, *args) -> str:
    return reverse(f"windows:{name}", args=args)


def applicant_data(**overrides) -> dict:
    data = {
        "kind": "person",
        "name": "陈晓东",
        "id_number": make_id_number(),
        "credit_code": "",
        "phone": make_mobile(),
        "agent_name": "",
        "agent_id_number": "",
        "agent_phone": "",
        "delivery_method": "pickup",
        "receiver": "",
        "receiver_phone": "",
        "province": "",
        "city": "",
        "district": "",
        "address": "",
    }
    data.update(overrides)
    return data


def checklist_data(case: Case, action: str, marks: dict | None = None, **extra) -> dict:
    """The checklist form: ``marks`` maps a material name to ``"received"``, ``"deferred"``,
    ``"none"`` or ``("missing", reason)``; materials not named are left unmarked."""
    marks = marks or {}
    data = {"action": action}
    for material in case.materials.select_related("material_type"):
        prefix = f"m{material.requirement_id}"
        mark = marks.get(material.material_type.name, "")
        state, reason = mark if isinstance(mark, tuple) else (mark, "")
        data.update(
            {
                f"{prefix}_state": state,
                f"{prefix}_form": "original",
                f"{prefix}_copies": str(material.copies),
                f"{prefix}_reason": reason,
            }
        )
    data.update(extra)
    return data


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def working_day(days: int) -> str:
    """The working day ``days`` working days from today (a due date the hall accepts)."""
    return add_working_days(timezone.localdate(), days).isoformat()
