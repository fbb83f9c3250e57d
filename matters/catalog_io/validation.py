"""Check a catalog document in full before anything is written; report every problem."""

from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Department
from halls.models import Hall

from ..exceptions import CatalogImportError
from ..guide import guide_problems, pushed_required_problem, question_problems
from ..models import (
    TRIPS_EXCEPTION_MESSAGE,
    Board,
    Bundle,
    CatalogStatus,
    DataItem,
    DeliveryMethod,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    ProvidedBy,
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
    MATTER_REFERENCES,
    OPTION_FIELDS,
    QUESTION_FIELDS,
    REQUIREMENT_FIELDS,
    SECTION_LABELS,
    SECTIONS,
    STEP_FIELDS,
    VERSION,
)


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

    label = _("共享数据项")
    rows = checker.section("data_items", label, DataItem)
    checker.unique(label, DataItem, rows, "name")
    plan["data_items"] = []
    for row in rows:
        where = f"{label}“{row['code']}”"
        values = checker.fields(where, DataItem, row, DATA_ITEM_FIELDS, ("department",))
        checker.reference(where, "departments", row.get("department"))
        if values is not None:
            plan["data_items"].append({**values, "department": row.get("department")})

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
        values = checker.fields(
            where, MaterialType, row, MATERIAL_TYPE_FIELDS, ("licence_type", "data_item")
        )
        checker.reference(where, "licence_types", row.get("licence_type"), optional=True)
        checker.reference(where, "data_items", row.get("data_item"), optional=True)
        if values is not None:
            material_names[values["code"]] = values["name"]
            plan["material_types"].append(
                {
                    **values,
                    "licence_type": row.get("licence_type"),
                    "data_item": row.get("data_item"),
                }
            )

    plan["matters"] = []
    checker.codes["halls"] = set(Hall.objects.values_list("code", flat=True))
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
    intake_halls = row.get("intake_halls", [])
    if not isinstance(intake_halls, list) or len(set(map(str, intake_halls))) != len(intake_halls):
        checker.add(where, _("intake_halls 应为不重复的网点编码列表。"))
        intake_halls = []
    for code in intake_halls:
        checker.reference(where, "halls", code)
    if values is not None:
        methods = values["delivery_methods"]
        for method in methods:
            if method not in DeliveryMethod.values:
                checker.add(where, _("未知的送达方式“%s”。") % method)
        if len(set(methods)) != len(methods) or len(set(values["places"])) != len(values["places"]):
            checker.add(where, _("送达方式或办理地点有重复。"))
        # A published guide gets the same check from ``guide_problems`` below.
        if (
            values["status"] != CatalogStatus.PUBLISHED
            and values["max_trips"] >= 2
            and not (values.get("trips_exception_reason") or "").strip()
        ):
            checker.add(where, str(TRIPS_EXCEPTION_MESSAGE))

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
    selectors: dict[str, list[tuple[str, str]]] = {}
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
            req_where, Requirement, requirement, REQUIREMENT_FIELDS, ("material", "selected_by")
        )
        selected_by = _selectors(checker, req_where, requirement.get("selected_by", []))
        if not isinstance(material, str):
            continue
        if material in materials:
            checker.add(req_where, _("材料“%s”重复列出。") % material)
        materials.add(material)
        if cleaned is None:
            continue
        if cleaned["key"] and cleaned["deferrable"]:
            checker.add(req_where, _("主件不能容缺。"))
        published = values is not None and values["status"] == CatalogStatus.PUBLISHED
        # A published guide's checks say it too (``guide_problems``), once.
        pushed = cleaned.get("provided_by") == ProvidedBy.DEPARTMENT
        if cleaned["required"] and pushed and not published:
            checker.add(req_where, pushed_required_problem(material_names.get(material, material)))
        requirements.append({**cleaned, "material": material})
        selectors[material] = selected_by

    questions = _questions(checker, where, row.get("questions", []))
    question_data = [
        {
            "code": question["code"],
            "text": question["text"],
            "options": [
                {
                    "value": option["value"],
                    "label": option["label"],
                    "rules_out": option["rules_out"],
                    "ruled_out_reason": option["ruled_out_reason"],
                }
                for option in question["options"]
            ],
        }
        for question in questions
    ]
    selector_data = [
        {
            "name": material_names.get(r["material"], r["material"]),
            "required": r["required"],
            "condition": r["condition"],
            "pushed": r.get("provided_by") == ProvidedBy.DEPARTMENT,
            "selected_by": selectors.get(r["material"], []),
        }
        for r in requirements
    ]

    if values is None:
        return None
    if values["status"] != CatalogStatus.PUBLISHED:
        # What would break the writing (a published guide's checks say it all below).
        for problem in question_problems(question_data, selector_data, structure_only=True):
            checker.add(where, problem)
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
            intake_halls=_Rows(intake_halls),
            question_data=question_data,
            selector_data=selector_data,
        )
        for problem in guide_problems(draft):
            checker.add(where, problem)
    return {
        **values,
        "board": row.get("board"),
        "lead_department": row.get("lead_department"),
        "result_licence_type": row.get("result_licence_type"),
        "reviewing_departments": reviewing,
        "intake_halls": intake_halls,
        "steps": steps,
        "requirements": requirements,
        "questions": questions,
        "selectors": selectors,
    }


def _selectors(checker: _Checker, where: str, raw: Any) -> list[tuple[str, str]]:
    """A requirement's ``selected_by``: ``[{"question": code, "value": value}]``."""
    if not isinstance(raw, list) or not all(
        isinstance(item, dict)
        and set(item) == {"question", "value"}
        and all(isinstance(item[key], str) for key in item)
        for item in raw
    ):
        checker.add(where, _("selected_by 应为 {question, value} 对象的列表。"))
        return []
    return [(item["question"], item["value"]) for item in raw]


def _questions(checker: _Checker, where: str, raw: Any) -> list[dict]:
    """A matter's ``questions``, each with its ``options``, cleaned."""
    if not isinstance(raw, list):
        checker.add(where, _("questions 应为列表。"))
        return []
    questions = []
    for index, question in enumerate(raw, start=1):
        q_where = f"{where}第{index}个情形问题"
        if not isinstance(question, dict):
            checker.add(q_where, _("应为对象。"))
            continue
        cleaned = checker.fields(q_where, Question, question, QUESTION_FIELDS, ("options",))
        raw_options = question.get("options", [])
        if not isinstance(raw_options, list):
            checker.add(q_where, _("options 应为列表。"))
            raw_options = []
        options = []
        for number, option in enumerate(raw_options, start=1):
            o_where = f"{q_where}第{number}个选项"
            if not isinstance(option, dict):
                checker.add(o_where, _("应为对象。"))
                continue
            cleaned_option = checker.fields(o_where, QuestionOption, option, OPTION_FIELDS)
            if cleaned_option is not None:
                options.append(cleaned_option)
        if cleaned is not None:
            questions.append({**cleaned, "options": options})
    return questions


def _error(problems: list[str]) -> CatalogImportError:
    lines = "\n".join(f"{n}. {problem}" for n, problem in enumerate(problems, start=1))
    detail = _("事项清单文件未通过校验，共 %(n)s 个问题：\n%(lines)s") % {
        "n": len(problems),
        "lines": lines,
    }
    return CatalogImportError(detail, extra={"problems": problems})


# --- writing ----------------------------------------------------------------------------
