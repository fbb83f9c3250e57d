"""A matter's guide as data: the snapshot kept per published version, and the guide page
rebuilt from one.

The snapshot holds what the guide page shows, in JSON-native values (so that a snapshot read
back from the database compares equal to one just taken): the matter's guide fields, its
board, departments, steps and materials by name. Status, version, dates and usage are the
version's own facts, not its content.
"""

import datetime
from decimal import Decimal

from django.db.models import Prefetch

from accounts.models import Department

from .models import (
    Board,
    DataItem,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    QuestionOption,
    Requirement,
)

GUIDE_FIELDS = (
    "code",
    "name",
    "kind",
    "handling_type",
    "legal_days",
    "committed_days",
    "legal_extension_days",
    "max_trips",
    "trips_exception_reason",
    "online_level",
    "fee",
    "fee_basis",
    "conditions",
    "legal_basis",
    "deferral_scope",
    "delivery_methods",
    "places",
    "intake_scope",
    "intake_min_level",
    "consultation_phone",
    "result_name",
    "keywords",
)
STEP_FIELDS = ("order", "name", "description", "days")
REQUIREMENT_FIELDS = (
    "order",
    "key",
    "required",
    "condition",
    "form",
    "copies",
    "deferrable",
    "notes",
)

QUESTION_FIELDS = ("code", "text", "help", "order")
OPTION_FIELDS = ("value", "label", "order", "rules_out", "ruled_out_reason", "instead")


def _name(instance) -> str | None:
    return instance.name if instance is not None else None


def guide_snapshot(matter: Matter) -> dict:
    """Everything the guide page of ``matter`` shows, as JSON-native values."""
    data = {field: getattr(matter, field) for field in GUIDE_FIELDS}
    data["fee"] = str(Decimal(matter.fee).quantize(Decimal("0.01")))
    data["board"] = {"code": matter.board.code, "name": matter.board.name}
    data["lead_department"] = matter.lead_department.name
    data["reviewing_departments"] = sorted(d.name for d in matter.reviewing_departments.all())
    data["result_licence_type"] = _name(matter.result_licence_type)
    # Where it could be taken in, the named halls by code (a hall's name may change).
    data["intake_halls"] = sorted(hall.code for hall in matter.intake_halls.all())
    data["steps"] = [
        {field: getattr(step, field) for field in STEP_FIELDS}
        for step in sorted(matter.steps.all(), key=lambda step: step.order)
    ]
    data["requirements"] = [
        {
            "material": requirement.material.name,
            "material_licence_type": _name(requirement.material.licence_type),
            # Only when there is one: the guides kept before shared data stay the same.
            **(
                {"material_data_item": requirement.material.data_item.name}
                if requirement.material.data_item_id
                else {}
            ),
            **{field: getattr(requirement, field) for field in REQUIREMENT_FIELDS},
            "blank_form": requirement.blank_form.name or "",
            "sample": requirement.sample.name or "",
            # 情形引导: the answers that select it (only when any do, so that the versions
            # kept before questions existed still compare equal).
            **(
                {"selected_by": selectors}
                if (
                    selectors := [
                        {"question": option.question.code, "value": option.value}
                        for option in sorted(
                            requirement.selected_by.all(),
                            key=lambda o: (o.question.order, o.question_id, o.order, o.pk),
                        )
                    ]
                )
                else {}
            ),
        }
        for requirement in sorted(
            matter.requirements.select_related(
                "material__licence_type", "material__data_item"
            ).prefetch_related("selected_by__question"),
            key=lambda requirement: (requirement.order, requirement.pk),
        )
    ]
    questions = [
        {
            **{field: getattr(question, field) for field in QUESTION_FIELDS},
            "options": [
                {field: getattr(option, field) for field in OPTION_FIELDS}
                for option in question.options.all()
            ],
        }
        for question in matter.questions.order_by("order", "id").prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("order", "id"))
        )
    ]
    if questions:
        data["questions"] = questions
    return data


def guide_from_snapshot(guide: dict, *, version: int, effective_date: datetime.date | None) -> dict:
    """The guide page's context rebuilt from a snapshot: unsaved objects, never saved."""
    # Versions kept before the intake fields existed were taken in at every hall.
    defaults = {"intake_scope": "all", "intake_min_level": ""}
    matter = Matter(
        **{field: guide.get(field, defaults.get(field)) for field in GUIDE_FIELDS},
        version=version,
        effective_date=effective_date,
    )
    matter.fee = Decimal(guide["fee"])
    matter.board = Board(**guide["board"])
    matter.lead_department = Department(name=guide["lead_department"])
    if guide["result_licence_type"]:
        matter.result_licence_type = LicenceType(name=guide["result_licence_type"])
    steps = [ProcessStep(**step) for step in guide["steps"]]
    # The questions as they were asked (versions kept before questions existed have none).
    questions = guide.get("questions", [])
    labels = {
        (question["code"], option["value"]): f"{question['text']}：{option['label']}"
        for question in questions
        for option in question["options"]
    }
    requirements = []
    for row in guide["requirements"]:
        licence = row["material_licence_type"]
        data_item = row.get("material_data_item")
        material = MaterialType(
            name=row["material"],
            licence_type=LicenceType(name=licence) if licence else None,
            data_item=DataItem(name=data_item) if data_item else None,
        )
        requirement = Requirement(
            material=material, **{field: row[field] for field in REQUIREMENT_FIELDS}
        )
        requirement.blank_form.name = row["blank_form"] or None
        requirement.sample.name = row["sample"] or None
        requirement.selected_labels = [
            labels.get((selector["question"], selector["value"]), selector["value"])
            for selector in row.get("selected_by", [])
        ]
        requirements.append(requirement)
    return {
        "matter": matter,
        "questions": questions,
        "requirements": requirements,
        "steps": steps,
        "reviewing_departments": [Department(name=name) for name in guide["reviewing_departments"]],
        "intake_hall_codes": set(guide.get("intake_halls", [])),
    }
