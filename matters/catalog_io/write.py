"""Write a checked catalog document: match rows by code, change only what differs."""

from collections import Counter

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import Department
from halls.models import Hall

from ..guide import guide_problems
from ..models import (
    Board,
    Bundle,
    BundleItem,
    CatalogStatus,
    DataItem,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Question,
    QuestionOption,
    Requirement,
)
from ..services import matter_version_keep
from .fields import BUNDLE_FIELDS, MATTER_FIELDS, SECTIONS
from .validation import _error, _validate


def _update(obj: models.Model, values: dict) -> bool:
    """Save the fields of ``obj`` that differ from ``values``; True if any did."""
    changed = []
    for name, value in values.items():
        field = obj._meta.get_field(name)
        current = getattr(obj, field.attname)
        wanted = value.pk if field.is_relation and value is not None else value
        if current != wanted:
            setattr(obj, name, value)
            changed.append(name)
    if not changed:
        return False
    if any(field.name == "updated_at" for field in obj._meta.fields):
        changed.append("updated_at")
    obj.save(update_fields=changed)
    return True


def _save(model: type[models.Model], code: str, values: dict) -> tuple[models.Model, str]:
    """Create the row or update what differs; outcome ``created``, ``updated`` or ``same``."""
    values = {name: value for name, value in values.items() if name != "code"}
    obj = model.objects.filter(code=code).first()
    if obj is None:
        return model.objects.create(code=code, **values), "created"
    return obj, "updated" if _update(obj, values) else "same"


def _sync_children(
    model: type[models.Model], parent: dict, key: str, rows: list[dict], existing, where: str
) -> bool:
    """Make a parent's children match ``rows``, matched on ``key``; True if anything changed.

    A child that cases still refer to (a requirement with materials filed against it) cannot
    be dropped: that is a problem of the file, not a crash.
    """
    field = model._meta.get_field(key)
    current = {getattr(child, field.attname): child for child in existing}
    wanted, changed = set(), False
    for row in rows:
        identity = row[key].pk if field.is_relation else row[key]
        wanted.add(identity)
        child = current.get(identity)
        if child is None:
            model.objects.create(**parent, **row)
            changed = True
        else:
            values = {name: value for name, value in row.items() if name != key}
            changed = _update(child, values) or changed
    stale = [child.pk for identity, child in current.items() if identity not in wanted]
    if stale:
        try:
            model.objects.filter(pk__in=stale).delete()
        except models.ProtectedError as exc:
            names = "、".join(sorted({str(child) for child in exc.protected_objects}))
            raise _error(
                [
                    _("%(w)s：%(m)s已被办件引用，不能从清单中删除（%(n)s）。")
                    % {"w": where, "m": model._meta.verbose_name, "n": names}
                ]
            ) from exc
        changed = True
    return changed


def _sync_questions(matter: Matter, row: dict, where: str) -> bool:
    """Make the matter's questions, their options and the requirements' ``selected_by``
    match the file (questions by code, options by value); True if anything changed."""
    changed = _sync_children(
        Question,
        {"matter": matter},
        "code",
        [{k: v for k, v in q.items() if k != "options"} for q in row["questions"]],
        matter.questions.all(),
        where,
    )
    questions = {question.code: question for question in matter.questions.all()}
    for wanted in row["questions"]:
        question = questions[wanted["code"]]
        changed = (
            _sync_children(
                QuestionOption,
                {"question": question},
                "value",
                wanted["options"],
                question.options.all(),
                where,
            )
            or changed
        )
    options = {
        (option.question.code, option.value): option.pk
        for option in QuestionOption.objects.filter(question__matter=matter).select_related(
            "question"
        )
    }
    for requirement in matter.requirements.select_related("material").prefetch_related(
        "selected_by"
    ):
        wanted = {
            options[selector] for selector in row["selectors"].get(requirement.material.code, [])
        }
        if {option.pk for option in requirement.selected_by.all()} != wanted:
            requirement.selected_by.set(wanted)
            changed = True
    return changed


@transaction.atomic
def catalog_import(*, data: dict, by: AbstractBaseUser | None = None) -> dict[str, int]:
    """Import a catalog document; return how many rows of each section were created/updated.

    Raises ``CatalogImportError`` listing every problem, and then writes nothing.
    """
    plan = _validate(data)
    counts: Counter[str] = Counter()

    def tally(section: str, outcome: str) -> None:
        if outcome != "same":
            counts[f"{section}_{outcome}"] += 1

    departments = {d.code: d for d in Department.objects.all()}
    for row in plan["departments"]:
        parent = departments[row["parent"]] if row["parent"] else None
        obj, outcome = _save(Department, row["code"], {**row, "parent": parent})
        departments[obj.code] = obj
        tally("departments", outcome)

    licence_types = {t.code: t for t in LicenceType.objects.all()}
    for row in plan["licence_types"]:
        issuer = departments.get(row["issuing_department"])
        values = {**row, "issuing_department": issuer}
        obj, outcome = _save(LicenceType, row["code"], values)
        licence_types[obj.code] = obj
        tally("licence_types", outcome)

    data_items = {item.code: item for item in DataItem.objects.all()}
    for row in plan["data_items"]:
        values = {**row, "department": departments[row["department"]]}
        obj, outcome = _save(DataItem, row["code"], values)
        data_items[obj.code] = obj
        tally("data_items", outcome)

    for row in plan["boards"]:
        tally("boards", _save(Board, row["code"], row)[1])
    boards = {b.code: b for b in Board.objects.all()}

    for row in plan["material_types"]:
        values = {
            **row,
            "licence_type": licence_types.get(row["licence_type"]),
            "data_item": data_items.get(row["data_item"]),
        }
        tally("material_types", _save(MaterialType, row["code"], values)[1])
    materials = {m.code: m for m in MaterialType.objects.all()}

    published = []
    for row in plan["matters"]:
        scalars = {name: row[name] for name in MATTER_FIELDS}
        values = {
            **scalars,
            "board": boards[row["board"]],
            "lead_department": departments[row["lead_department"]],
            "result_licence_type": licence_types.get(row["result_licence_type"]),
        }
        matter, outcome = _save(Matter, row["code"], values)
        reviewing = {departments[code].pk for code in row["reviewing_departments"]}
        if set(matter.reviewing_departments.values_list("pk", flat=True)) != reviewing:
            matter.reviewing_departments.set(reviewing)
            outcome = outcome if outcome == "created" else "updated"
        intake_halls = set(row["intake_halls"])
        if set(matter.intake_halls.values_list("code", flat=True)) != intake_halls:
            matter.intake_halls.set(Hall.objects.filter(code__in=intake_halls))
            outcome = outcome if outcome == "created" else "updated"
        where = f"{_('事项')}“{matter.code}”"
        steps_changed = _sync_children(
            ProcessStep, {"matter": matter}, "order", row["steps"], matter.steps.all(), where
        )
        requirement_rows = [
            {**r, "material": materials[r["material"]]} for r in row["requirements"]
        ]
        requirements_changed = _sync_children(
            Requirement,
            {"matter": matter},
            "material",
            requirement_rows,
            matter.requirements.all(),
            where,
        )
        questions_changed = _sync_questions(matter, row, where)
        if outcome == "same" and (steps_changed or requirements_changed or questions_changed):
            outcome = "updated"
        tally("matters", outcome)
        if matter.status == CatalogStatus.PUBLISHED:
            published.append(matter)

    matters = {m.code: m for m in Matter.objects.all()}
    for row in plan["bundles"]:
        values = {name: row[name] for name in BUNDLE_FIELDS if name != "code"}
        bundle, outcome = _save(Bundle, row["code"], values)
        items = [
            {"matter": matters[code], "order": order} for order, code in enumerate(row["matters"])
        ]
        where = f"{_('一件事')}“{bundle.code}”"
        if _sync_children(
            BundleItem, {"bundle": bundle}, "matter", items, bundle.items.all(), where
        ):
            outcome = outcome if outcome == "created" else "updated"
        tally("bundles", outcome)

    # The same checks as ``matter_publish``, now on the saved rows; the pre-check above ran
    # them on the file, so this only catches what the file could not show.
    problems = [
        f"{_('事项')}“{matter.code}”：{problem}"
        for matter in published
        for problem in guide_problems(matter)
    ]
    if problems:
        raise _error(problems)
    for matter in published:
        matter_version_keep(matter=matter, by=by)
    return {
        f"{section}_{outcome}": counts[f"{section}_{outcome}"]
        for section in SECTIONS
        for outcome in ("created", "updated")
    }
