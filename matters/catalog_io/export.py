"""Export the whole catalog as one JSON-ready document."""

from django.db import models

from accounts.models import Department

from ..models import (
    Board,
    Bundle,
    BundleItem,
    DataItem,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Question,
    QuestionOption,
    Requirement,
)
from .fields import (
    BOARD_FIELDS,
    BUNDLE_FIELDS,
    DATA_ITEM_FIELDS,
    DEPARTMENT_FIELDS,
    FORMAT,
    LICENCE_TYPE_FIELDS,
    MATERIAL_TYPE_FIELDS,
    MATTER_FIELDS,
    OPTION_FIELDS,
    QUESTION_FIELDS,
    REQUIREMENT_FIELDS,
    STEP_FIELDS,
    VERSION,
    _code,
    _plain,
)


def _selected_by(requirement: Requirement) -> dict:
    """``{"selected_by": [...]}`` when answers select the requirement, else nothing."""
    selectors = [
        {"question": option.question.code, "value": option.value}
        for option in requirement.selected_by.all()
    ]
    return {"selected_by": selectors} if selectors else {}


def catalog_export() -> dict:
    """The whole catalog as a JSON-ready dict, every list in a stable order (by code)."""
    departments = [
        {**_plain(d, DEPARTMENT_FIELDS), "parent": _code(d.parent)}
        for d in Department.objects.select_related("parent").order_by("code")
    ]
    licence_types = [
        {**_plain(t, LICENCE_TYPE_FIELDS), "issuing_department": _code(t.issuing_department)}
        for t in LicenceType.objects.select_related("issuing_department").order_by("code")
    ]
    data_items = [
        {**_plain(item, DATA_ITEM_FIELDS), "department": item.department.code}
        for item in DataItem.objects.select_related("department").order_by("code")
    ]
    boards = [_plain(b, BOARD_FIELDS) for b in Board.objects.order_by("code")]
    material_types = [
        {
            **_plain(m, MATERIAL_TYPE_FIELDS),
            "licence_type": _code(m.licence_type),
            "data_item": _code(m.data_item),
        }
        for m in MaterialType.objects.select_related("licence_type", "data_item").order_by("code")
    ]
    matters = []
    queryset = Matter.objects.select_related(
        "board", "lead_department", "result_licence_type"
    ).prefetch_related(
        "reviewing_departments",
        "intake_halls",
        models.Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
        models.Prefetch(
            "requirements",
            queryset=Requirement.objects.select_related("material")
            .prefetch_related(
                models.Prefetch(
                    "selected_by",
                    queryset=QuestionOption.objects.select_related("question").order_by(
                        "question__order", "question__code", "order", "value"
                    ),
                )
            )
            .order_by("order", "material__code"),
        ),
        models.Prefetch(
            "questions",
            queryset=Question.objects.order_by("order", "code").prefetch_related(
                models.Prefetch(
                    "options", queryset=QuestionOption.objects.order_by("order", "value")
                )
            ),
        ),
    )
    for matter in queryset.order_by("code"):
        row = _plain(matter, MATTER_FIELDS)
        row["board"] = matter.board.code
        row["lead_department"] = matter.lead_department.code
        row["reviewing_departments"] = sorted(d.code for d in matter.reviewing_departments.all())
        row["result_licence_type"] = _code(matter.result_licence_type)
        row["intake_halls"] = sorted(hall.code for hall in matter.intake_halls.all())
        row["steps"] = [_plain(step, STEP_FIELDS) for step in matter.steps.all()]
        row["requirements"] = [
            {"material": r.material.code, **_plain(r, REQUIREMENT_FIELDS), **_selected_by(r)}
            for r in matter.requirements.all()
        ]
        questions = [
            {
                **_plain(question, QUESTION_FIELDS),
                "options": [_plain(option, OPTION_FIELDS) for option in question.options.all()],
            }
            for question in matter.questions.all()
        ]
        if questions:
            row["questions"] = questions
        matters.append(row)
    bundles = [
        {
            **_plain(bundle, BUNDLE_FIELDS),
            "matters": [item.matter.code for item in bundle.items.all()],
        }
        for bundle in Bundle.objects.prefetch_related(
            models.Prefetch(
                "items", queryset=BundleItem.objects.select_related("matter").order_by("order")
            )
        ).order_by("code")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "departments": departments,
        "licence_types": licence_types,
        "data_items": data_items,
        "boards": boards,
        "material_types": material_types,
        "matters": matters,
        "bundles": bundles,
    }


# --- validation -------------------------------------------------------------------------
