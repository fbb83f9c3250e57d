"""The catalog document's format: sections and the fields each row carries."""

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from accounts.models import Department

from ..models import (
    Board,
    Bundle,
    DataItem,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Question,
    QuestionOption,
    Requirement,
)

FORMAT = "onetrip-catalog"
VERSION = 1
SECTIONS = (
    "departments",
    "licence_types",
    "data_items",
    "boards",
    "material_types",
    "matters",
    "bundles",
)
SECTION_LABELS = {
    "departments": gettext_lazy("部门"),
    "licence_types": gettext_lazy("电子证照类型"),
    "data_items": gettext_lazy("共享数据项"),
    "boards": gettext_lazy("板块"),
    "material_types": gettext_lazy("材料类型"),
    "matters": gettext_lazy("事项"),
    "bundles": gettext_lazy("一件事"),
    # Not a section: matters name the halls that take them in (``intake_halls``) by code,
    # halls already in the system (they are edited in the admin, not imported).
    "halls": gettext_lazy("网点"),
}


def _plain_fields(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The model's own editable, non-reference fields, in declaration order."""
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and not field.is_relation
        and field.name not in exclude
    )


# Plain fields of each row, in export order; references are added by name. Uploaded blank
# forms and samples stay out: a JSON document does not carry files.
DEPARTMENT_FIELDS = _plain_fields(Department)
LICENCE_TYPE_FIELDS = _plain_fields(LicenceType)
DATA_ITEM_FIELDS = _plain_fields(DataItem)
BOARD_FIELDS = _plain_fields(Board)
MATERIAL_TYPE_FIELDS = _plain_fields(MaterialType)
MATTER_FIELDS = _plain_fields(Matter)
STEP_FIELDS = _plain_fields(ProcessStep)
REQUIREMENT_FIELDS = _plain_fields(Requirement, exclude=("blank_form", "sample"))
BUNDLE_FIELDS = _plain_fields(Bundle)
# 情形引导: a matter's ``questions`` (each with its ``options``) and each requirement's
# ``selected_by`` (``[{"question": code, "value": value}]``), left out when empty.
QUESTION_FIELDS = _plain_fields(Question)
OPTION_FIELDS = _plain_fields(QuestionOption)
MATTER_REFERENCES = (
    "board",
    "lead_department",
    "reviewing_departments",
    "result_licence_type",
    "intake_halls",
    "steps",
    "requirements",
    "questions",
)


# --- export -----------------------------------------------------------------------------


def _plain(obj: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    row = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, Decimal):
            value = str(value.quantize(Decimal("0.01")))
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        row[name] = value
    return row


def _code(obj: models.Model | None) -> str | None:
    return obj.code if obj is not None else None
