"""Export and import of the whole catalog as one JSON document (事项清单导入导出).

The document is ``{"format": "onetrip-catalog", "version": 1, "departments": [...],
"licence_types": [...], "boards": [...], "material_types": [...], "matters": [...],
"bundles": [...]}``; rows refer to each other by code, and a reference may name a row in the
file or one already in the database.

An import is checked in full before anything is written, and every problem is reported at
once. Published matters must pass the same guide checks as ``matter_publish``. Rows are
matched by code and updated only where they differ, a matter's steps (by order) and
requirements (by material) are made to match the file, so importing the same file twice
changes nothing. Uploaded blank forms and samples of requirements are not part of the format
and are kept as they are.
"""

from collections import Counter
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department

from .exceptions import CatalogImportError
from .guide import guide_problems
from .models import (
    Board,
    Bundle,
    BundleItem,
    CatalogStatus,
    DeliveryMethod,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Requirement,
)

FORMAT = "onetrip-catalog"
VERSION = 1
SECTIONS = ("departments", "licence_types", "boards", "material_types", "matters", "bundles")
SECTION_LABELS = {
    "departments": gettext_lazy("部门"),
    "licence_types": gettext_lazy("电子证照类型"),
    "boards": gettext_lazy("板块"),
    "material_types": gettext_lazy("材料类型"),
    "matters": gettext_lazy("事项"),
    "bundles": gettext_lazy("一件事"),
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
BOARD_FIELDS = _plain_fields(Board)
MATERIAL_TYPE_FIELDS = _plain_fields(MaterialType)
MATTER_FIELDS = _plain_fields(Matter)
STEP_FIELDS = _plain_fields(ProcessStep)
REQUIREMENT_FIELDS = _plain_fields(Requirement, exclude=("blank_form", "sample"))
BUNDLE_FIELDS = _plain_fields(Bundle)
MATTER_REFERENCES = (
    "board",
    "lead_department",
    "reviewing_departments",
    "result_licence_type",
    "steps",
    "requirements",
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
    boards = [_plain(b, BOARD_FIELDS) for b in Board.objects.order_by("code")]
    material_types = [
        {**_plain(m, MATERIAL_TYPE_FIELDS), "licence_type": _code(m.licence_type)}
        for m in MaterialType.objects.select_related("licence_type").order_by("code")
    ]
    matters = []
    queryset = Matter.objects.select_related(
        "board", "lead_department", "result_licence_type"
    ).prefetch_related(
        "reviewing_departments",
        models.Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
        models.Prefetch(
            "requirements",
            queryset=Requirement.objects.select_related("material").order_by(
                "order", "material__code"
            ),
        ),
    )
    for matter in queryset.order_by("code"):
        row = _plain(matter, MATTER_FIELDS)
        row["board"] = matter.board.code
        row["lead_department"] = matter.lead_department.code
        row["reviewing_departments"] = sorted(d.code for d in matter.reviewing_departments.all())
        row["result_licence_type"] = _code(matter.result_licence_type)
        row["steps"] = [_plain(step, STEP_FIELDS) for step in matter.steps.all()]
        row["requirements"] = [
            {"material": r.material.code, **_plain(r, REQUIREMENT_FIELDS)}
            for r in matter.requirements.all()
        ]
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
        "boards": boards,
        "material_types": material_types,
        "matters": matters,
        "bundles": bundles,
    }


# --- validation -------------------------------------------------------------------------


class _Rows(list):
    """Just enough of a related manager for ``guide_problems`` to read rows not yet saved."""

    def all(self) -> "_Rows":
        return self

    def select_related(self, *fields: str) -> "_Rows":
        return self

    def exists(self) -> bool:
        return bool(self)


def _type_ok(field: models.Field, value: Any) -> bool:
    if value is None:
        return field.null
    if isinstance(field, models.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, models.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, models.DecimalField):
        return isinstance(value, str | int) and not isinstance(value, bool)
    if isinstance(field, models.JSONField):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, str)


class _Checker:
    """Cleans the document section by section, collecting every problem on the way."""

    def __init__(self, data: Any):
        self.problems: list[str] = []
        self.data = data if isinstance(data, dict) else {}
        self.codes: dict[str, set[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}：{message}" if where else message)

    def header(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.add("", _("文件内容应为一个 JSON 对象。"))
            return
        if data.get("format") != FORMAT:
            self.add(
                _("文件头"),
                _("format 应为“%(f)s”，实际为“%(v)s”。") % {"f": FORMAT, "v": data.get("format")},
            )
        if data.get("version") != VERSION:
            self.add(
                _("文件头"),
                _("不支持的格式版本“%(v)s”，应为 %(n)s。")
                % {"v": data.get("version"), "n": VERSION},
            )
        unknown = sorted(set(data) - {"format", "version", *SECTIONS})
        if unknown:
            self.add(_("文件头"), _("无法识别的栏目：%s。") % "、".join(unknown))

    def section(self, name: str, label: str, model: type[models.Model]) -> list[dict]:
        """The section's rows as dicts, each with its code; duplicates and junk reported."""
        rows = self.data.get(name, [])
        if not isinstance(rows, list):
            self.add(label, _("栏目“%s”应为列表。") % name)
            return []
        result, seen = [], set()
        for index, row in enumerate(rows, start=1):
            where = f"{label}第{index}条"
            if not isinstance(row, dict) or not isinstance(row.get("code"), str):
                self.add(where, _("应为带 code 的对象。"))
                continue
            if row["code"] in seen:
                self.add(f"{label}“{row['code']}”", _("编码在文件中重复。"))
                continue
            seen.add(row["code"])
            result.append(row)
        in_db = set(model.objects.values_list("code", flat=True))
        self.codes[name] = seen | in_db
        return result

    def fields(
        self, where: str, model: type[models.Model], row: dict, names: tuple[str, ...], extra=()
    ) -> dict | None:
        """Clean ``names`` of ``row`` with the model fields' own checks; None when any fails."""
        unknown = sorted(set(row) - set(names) - set(extra))
        if unknown:
            self.add(where, _("无法识别的字段：%s。") % "、".join(unknown))
        values, ok = {}, True
        for name in names:
            field = model._meta.get_field(name)
            if name not in row:
                if field.has_default():
                    values[name] = field.get_default()
                    continue
                if field.blank:
                    values[name] = None if field.null else ""
                    continue
                self.add(where, _("缺少字段“%s”。") % name)
                ok = False
                continue
            value = row[name]
            if not _type_ok(field, value):
                self.add(where, _("“%(f)s”的值“%(v)s”类型不对。") % {"f": name, "v": value})
                ok = False
                continue
            try:
                values[name] = field.clean(value, None)
            except ValidationError as exc:
                self.add(where, f"“{field.verbose_name}”：{'；'.join(exc.messages)}")
                ok = False
        return values if ok else None

    def reference(self, where: str, section: str, code: Any, *, optional: bool = False) -> None:
        if code is None and optional:
            return
        if not isinstance(code, str) or code not in self.codes.get(section, ()):
            label = SECTION_LABELS[section]
            self.add(
                where, _("引用的%(l)s“%(c)s”既不在文件中，也不在系统中。") % {"l": label, "c": code}
            )

    def unique(self, label: str, model: type[models.Model], rows: list[dict], field: str) -> None:
        """``field`` is unique among the file's rows and against other codes in the database."""
        verbose_name = model._meta.get_field(field).verbose_name
        owners: dict[str, str] = {}
        for row in rows:
            value = row.get(field)
            if not isinstance(value, str):
                continue  # reported when the row's fields are cleaned
            if value in owners:
                self.add(
                    f"{label}“{row['code']}”",
                    _("%(f)s“%(v)s”与“%(o)s”重复。")
                    % {"f": verbose_name, "v": value, "o": owners[value]},
                )
            else:
                owners[value] = row["code"]
        clashes = model.objects.filter(**{f"{field}__in": list(owners)}).exclude(
            code__in=[row["code"] for row in rows]
        )
        for other in clashes:
            value = getattr(other, field)
            self.add(
                f"{label}“{owners[value]}”",
                _("%(f)s“%(v)s”已被系统中的“%(o)s”使用。")
                % {"f": verbose_name, "v": value, "o": other.code},
            )


def _department_order(checker: _Checker, rows: list[dict]) -> list[dict]:
    """Departments with parents before children; a cycle in the file is a problem."""
    by_code = {row["code"]: row for row in rows}
    ordered, placed = [], set()

    def place(row: dict, path: tuple[str, ...]) -> None:
        code = row["code"]
        if code in placed:
            return
        parent = row.get("parent")
        if parent in path:
            checker.add(f"{_('部门')}“{code}”", _("上级部门形成循环：%s。") % "→".join(path))
            return
        if parent in by_code:
            place(by_code[parent], (*path, code))
        placed.add(code)
        ordered.append(row)

    for row in rows:
        place(row, (row["code"],))
    return ordered


def _validate(data: Any) -> dict[str, list[dict]]:
    """Clean the whole document or raise ``CatalogImportError`` listing every problem."""
    checker = _Checker(data)
    checker.header(data)
    plan: dict[str, list[dict]] = {}

    label = _("部门")
    rows = checker.section("departments", label, Department)
    checker.unique(label, Department, rows, "name")
    plan["departments"] = []
    for row in _department_order(checker, rows):
        where = f"{label}“{row['code']}”"
        values = checker.fields(where, Department, row, DEPARTMENT_FIELDS, ("parent",))
        checker.reference(where, "departments", row.get("parent"), optional=True)
        if values is not None:
            plan["departments"].append({**values, "parent": row.get("parent")})

    label = _("电子证照类型")
    rows = checker.section("licence_types", label, LicenceType)
    checker.unique(label, LicenceType, rows, "name")
    plan["licence_types"] = []
    for row in rows:
        where = f"{label}“{row['code']}”"
        values = checker.fields(
            where, LicenceType, row, LICENCE_TYPE_FIELDS, ("issuing_department",)
        )
        issuer = row.get("issuing_department")
        checker.reference(where, "departments", issuer, optional=True)
        if values is not None:
            plan["licence_types"].append({**values, "issuing_department": issuer})

    label = _("板块")
    rows = checker.section("boards", label, Board)
    checker.unique(label, Board, rows, "name")
    checker.unique(label, Board, rows, "letter")
    plan["boards"] = []
    for row in rows:
        values = checker.fields(f"{label}“{row['code']}”", Board, row, BOARD_FIELDS)
        if values is not None:
            plan["boards"].append(values)

    label = _("材料类型")
    rows = checker.section("material_types", label, MaterialType)
    checker.unique(label, MaterialType, rows, "name")
    plan["material_types"] = []
    material_names = dict(MaterialType.objects.values_list("code", "name"))
    for row in rows:
        where = f"{label}“{row['code']}”"
        values = checker.fields(where, MaterialType, row, MATERIAL_TYPE_FIELDS, ("licence_type",))
        checker.reference(where, "licence_types", row.get("licence_type"), optional=True)
        if values is not None:
            material_names[values["code"]] = values["name"]
            plan["material_types"].append({**values, "licence_type": row.get("licence_type")})

    plan["matters"] = []
    rows = checker.section("matters", _("事项"), Matter)
    for row in rows:
        matter = _validate_matter(checker, row, material_names)
        if matter is not None:
            plan["matters"].append(matter)

    statuses = dict(Matter.objects.values_list("code", "status"))
    statuses.update({row["code"]: row.get("status") for row in rows})
    label = _("一件事")
    rows = checker.section("bundles", label, Bundle)
    checker.unique(label, Bundle, rows, "name")
    plan["bundles"] = []
    for row in rows:
        where = f"{label}“{row['code']}”"
        values = checker.fields(where, Bundle, row, BUNDLE_FIELDS, ("matters",))
        codes = row.get("matters")
        if not isinstance(codes, list) or len(set(map(str, codes))) != len(codes or []):
            checker.add(where, _("matters 应为不重复的事项编码列表。"))
            continue
        for code in codes:
            checker.reference(where, "matters", code)
        if values is None:
            continue
        if values["status"] == CatalogStatus.PUBLISHED:
            if len(codes) < 2:
                checker.add(where, _("已发布的“一件事”至少包含两个事项。"))
            for code in codes:
                if code in statuses and statuses[code] != CatalogStatus.PUBLISHED:
                    checker.add(where, _("所含事项“%s”未发布，“一件事”不能发布。") % code)
        plan["bundles"].append({**values, "matters": codes})

    if checker.problems:
        raise _error(checker.problems)
    return plan


def _validate_matter(checker: _Checker, row: dict, material_names: dict[str, str]) -> dict | None:
    """Clean one matter with its steps and requirements; run the guide checks if published."""
    where = f"{_('事项')}“{row['code']}”"
    values = checker.fields(where, Matter, row, MATTER_FIELDS, MATTER_REFERENCES)
    checker.reference(where, "boards", row.get("board"))
    checker.reference(where, "departments", row.get("lead_department"))
    checker.reference(where, "licence_types", row.get("result_licence_type"), optional=True)
    reviewing = row.get("reviewing_departments", [])
    if not isinstance(reviewing, list) or len(set(map(str, reviewing))) != len(reviewing):
        checker.add(where, _("reviewing_departments 应为不重复的部门编码列表。"))
        reviewing = []
    for code in reviewing:
        checker.reference(where, "departments", code)
    if values is not None:
        methods = values["delivery_methods"]
        for method in methods:
            if method not in DeliveryMethod.values:
                checker.add(where, _("未知的送达方式“%s”。") % method)
        if len(set(methods)) != len(methods) or len(set(values["places"])) != len(values["places"]):
            checker.add(where, _("送达方式或办理地点有重复。"))

    steps, step_orders = [], set()
    raw_steps = row.get("steps", [])
    for index, step in enumerate(raw_steps if isinstance(raw_steps, list) else [None], start=1):
        step_where = f"{where}第{index}个办理环节"
        if not isinstance(step, dict):
            checker.add(step_where, _("应为对象。"))
            continue
        cleaned = checker.fields(step_where, ProcessStep, step, STEP_FIELDS)
        if cleaned is None:
            continue
        if cleaned["order"] in step_orders:
            checker.add(step_where, _("顺序号 %s 重复。") % cleaned["order"])
        step_orders.add(cleaned["order"])
        steps.append(cleaned)

    requirements, materials = [], set()
    raw_requirements = row.get("requirements", [])
    if not isinstance(raw_requirements, list):
        raw_requirements = [None]
    for index, requirement in enumerate(raw_requirements, start=1):
        req_where = f"{where}第{index}项材料"
        if not isinstance(requirement, dict):
            checker.add(req_where, _("应为对象。"))
            continue
        material = requirement.get("material")
        checker.reference(req_where, "material_types", material)
        cleaned = checker.fields(
            req_where, Requirement, requirement, REQUIREMENT_FIELDS, ("material",)
        )
        if not isinstance(material, str):
            continue
        if material in materials:
            checker.add(req_where, _("材料“%s”重复列出。") % material)
        materials.add(material)
        if cleaned is None:
            continue
        if cleaned["key"] and cleaned["deferrable"]:
            checker.add(req_where, _("主件不能容缺。"))
        requirements.append({**cleaned, "material": material})

    if values is None:
        return None
    if values["status"] == CatalogStatus.PUBLISHED:
        draft = SimpleNamespace(
            **values,
            steps=_Rows(SimpleNamespace(**step) for step in steps),
            requirements=_Rows(
                SimpleNamespace(
                    **{**r, "material": SimpleNamespace(name=material_names[r["material"]])}
                )
                for r in requirements
                if r["material"] in material_names
            ),
            reviewing_departments=_Rows(reviewing),
        )
        for problem in guide_problems(draft):
            checker.add(where, problem)
    return {
        **values,
        "board": row.get("board"),
        "lead_department": row.get("lead_department"),
        "result_licence_type": row.get("result_licence_type"),
        "reviewing_departments": reviewing,
        "steps": steps,
        "requirements": requirements,
    }


def _error(problems: list[str]) -> CatalogImportError:
    lines = "\n".join(f"{n}. {problem}" for n, problem in enumerate(problems, start=1))
    detail = _("事项清单文件未通过校验，共 %(n)s 个问题：\n%(lines)s") % {
        "n": len(problems),
        "lines": lines,
    }
    return CatalogImportError(detail, extra={"problems": problems})


# --- writing ----------------------------------------------------------------------------


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

    for row in plan["boards"]:
        tally("boards", _save(Board, row["code"], row)[1])
    boards = {b.code: b for b in Board.objects.all()}

    for row in plan["material_types"]:
        values = {**row, "licence_type": licence_types.get(row["licence_type"])}
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
        if outcome == "same" and (steps_changed or requirements_changed):
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
    return {
        f"{section}_{outcome}": counts[f"{section}_{outcome}"]
        for section in SECTIONS
        for outcome in ("created", "updated")
    }
