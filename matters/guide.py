"""Publishing checks for a matter's guide (办事指南).

A guide may be published only when a citizen can act on it without asking: no vague
catch-all wording, concrete steps and materials, the committed limit within the legal one,
an instant matter decided at the window without back-office review, and a stated 容缺 scope
for every material that may be deferred.
"""

import re

from django.utils.translation import gettext as _

from .models import (
    TRIPS_EXCEPTION_MESSAGE,
    HandlingType,
    IntakeScope,
    Matter,
    ProvidedBy,
    Question,
    QuestionOption,
    Requirement,
)

# Catch-all wording ("bring other materials") is refused on publish. Its forms are matched,
# not its exact words: 其他（相关/需要的…）材料, …等（相关）材料, 必要的材料, 审批机关/有关部门
# 要求（提交）的…, 认为需要, 另行通知. A clause never spans punctuation.
_CLAUSE = r"[^，。；：、,.;:!?！？\s（）()“”\"]"
_PAPER = r"(?:材料|文件|资料|证明|证件|凭证|手续)"
VAGUE_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        # 其他材料, 其它相关证明文件, 其他需要提交的资料; not "其他情形（下）提交…证明",
        # where 其他 names a case and the paper is concrete.
        rf"其[他它](?!情形|情况|地区|人员){_CLAUSE}{{0,12}}?{_PAPER}",
        # 其他相关, 其他有关, 其他需要 (事项, 情形…)
        r"其[他它](?:相关|有关|需要|必要)",
        # …等相关材料, …等有关材料, 等其他, …等材料, 等有关费用
        rf"等(?:相关|有关|其[他它]|必要)|等的?{_PAPER}",
        # 必要的材料, 必要证明
        rf"必要的?{_PAPER}",
        # 审批机关要求的…, 有关部门要求提供的…, 审核机关认为需要的…
        rf"(?:机关|部门|单位|窗口){_CLAUSE}{{0,6}}?(?:要求|认为需要|认为必要)"
        rf"{_CLAUSE}{{0,6}}?(?:的|提交|提供)",
        r"认为(?:需要|必要)",
        r"另行通知",
    )
)


# Titles of laws and documents (《…关于…等有关问题的通知》) are quoted, not vague.
_TITLE = re.compile(r"《[^》]*》")


def vague_phrase(text: str) -> str | None:
    """The first catch-all wording found in ``text`` outside quoted titles, or ``None``."""
    text = _TITLE.sub("", text or "")
    found = [match for pattern in VAGUE_PATTERNS if (match := pattern.search(text))]
    if not found:
        return None
    return min(found, key=lambda match: match.start()).group(0)


def pushed_required_problem(name: str) -> str:
    return _("材料“%(m)s”由部门共享推送，不能设为必交：申请人无从提交，会使申请无法提交。") % {
        "m": name
    }


def question_problems(
    questions: list[dict], requirements: list[dict], *, structure_only: bool = False
) -> list[str]:
    """The problems of a matter's questions (情形引导), on plain data.

    ``questions``: ``{code, text, options: [{value, label, rules_out, ruled_out_reason}]}``;
    ``requirements``: ``{name, required, condition, pushed, selected_by: [(question code,
    value)]}``, a question code of ``None`` standing for an option of another matter.
    ``structure_only``: only what makes the data unusable (duplicate codes and values,
    selectors naming no option of the matter), for drafts; a published guide gets them all.

    The rule for conditional materials: once a matter asks questions, each material asked
    only in some cases (not required, with a condition) is selected by an answer, so that
    the applicant's checklist is exact; one asked always needs no answer.
    """
    problems: list[str] = []
    codes: set[str] = set()
    offered: set[tuple[str, str]] = set()
    for question in questions:
        code, text = question["code"], question["text"] or question["code"]
        if code in codes:
            problems.append(_("情形问题编码“%(c)s”重复。") % {"c": code})
        codes.add(code)
        values: set[str] = set()
        for option in question["options"]:
            if option["value"] in values:
                problems.append(
                    _("情形问题“%(q)s”的选项取值“%(v)s”重复。") % {"q": text, "v": option["value"]}
                )
            values.add(option["value"])
            offered.add((code, option["value"]))
            if structure_only:
                continue
            if option["rules_out"] and not (option["ruled_out_reason"] or "").strip():
                problems.append(
                    _("情形问题“%(q)s”的选项“%(o)s”判定不符合申请条件，须写明原因。")
                    % {"q": text, "o": option["label"]}
                )
        if not structure_only and len(question["options"]) < 2:
            problems.append(_("情形问题“%(q)s”至少应有两个选项。") % {"q": text})
        if (
            not structure_only
            and question["options"]
            and all(option["rules_out"] for option in question["options"])
        ):
            problems.append(
                _("情形问题“%(q)s”的选项全部判定不符合申请条件，至少应有一个选项可以申请。")
                % {"q": text}
            )
    for requirement in requirements:
        name = requirement["name"]
        for code, value in requirement["selected_by"]:
            if code is None or (code, value) not in offered:
                problems.append(
                    _("材料“%(m)s”的适用情形“%(s)s”不是本事项情形问题的选项。")
                    % {"m": name, "s": f"{code or '?'}={value}"}
                )
        if structure_only:
            continue
        selected = bool(requirement["selected_by"])
        if selected and requirement["required"]:
            problems.append(
                _("材料“%(m)s”由情形选项选择，应设为非必交并写明提交条件。") % {"m": name}
            )
        conditional = not requirement["required"] and (requirement["condition"] or "").strip()
        if questions and conditional and not selected and not requirement["pushed"]:
            problems.append(
                _("事项设有情形问题，非必交材料“%(m)s”须指定由哪个选项选择（适用情形）。")
                % {"m": name}
            )
    return problems


def matter_question_data(matter: Matter) -> tuple[list[dict], list[dict]]:
    """The saved questions and requirement selectors of ``matter`` for
    ``question_problems`` (three queries)."""
    questions = [
        {
            "code": question.code,
            "text": question.text,
            "options": [
                {
                    "value": option.value,
                    "label": option.label,
                    "rules_out": option.rules_out,
                    "ruled_out_reason": option.ruled_out_reason,
                }
                for option in question.options.all()
            ],
        }
        for question in Question.objects.filter(matter=matter)
        .prefetch_related("options")
        .order_by("order", "id")
    ]
    selected_by = Requirement.selected_by.through.objects.filter(
        requirement__matter=matter
    ).select_related("questionoption__question")
    selectors: dict[int, list] = {}
    for row in selected_by:
        option: QuestionOption = row.questionoption
        code = option.question.code if option.question.matter_id == matter.pk else None
        selectors.setdefault(row.requirement_id, []).append((code, option.value))
    requirements = [
        {
            "name": requirement.material.name,
            "required": requirement.required,
            "condition": requirement.condition,
            "pushed": requirement.provided_by == ProvidedBy.DEPARTMENT,
            "selected_by": selectors.get(requirement.pk, []),
        }
        for requirement in matter.requirements.select_related("material")
    ]
    # An option of this matter selecting another matter's material.
    for requirement in (
        Requirement.objects.filter(selected_by__question__matter=matter)
        .exclude(matter=matter)
        .select_related("material", "matter")
        .distinct()
    ):
        requirements.append(
            {
                "name": f"{requirement.material.name}（{requirement.matter.code}）",
                "required": False,
                "condition": "",
                "pushed": True,
                "selected_by": [(None, "")],
            }
        )
    return questions, requirements


def guide_problems(matter: Matter) -> list[str]:
    """Every reason the guide cannot be published (empty when it can)."""
    problems: list[str] = []
    if matter.committed_days > matter.legal_days:
        problems.append(
            _("承诺时限（%(c)s个工作日）不得超过法定时限（%(l)s个工作日）。")
            % {"c": matter.committed_days, "l": matter.legal_days}
        )
    for label, text in (
        (_("事项名称"), matter.name),
        (_("受理条件"), matter.conditions),
        (_("办理结果"), matter.result_name),
        (_("容缺受理范围"), matter.deferral_scope),
        (_("收费依据"), matter.fee_basis),
    ):
        phrase = vague_phrase(text)
        if phrase:
            problems.append(
                _("%(label)s含有兜底表述“%(p)s”，请写明具体内容。") % {"label": label, "p": phrase}
            )
    for label, text in ((_("受理条件"), matter.conditions), (_("设定依据"), matter.legal_basis)):
        if not (text or "").strip():
            problems.append(_("%(label)s不能为空。") % {"label": label})
    if not matter.delivery_methods:
        problems.append(_("请至少选择一种送达方式。"))
    if matter.max_trips == 0 and "courier" not in (matter.delivery_methods or []):
        problems.append(_("“跑零次”事项须支持快递送达。"))
    if matter.max_trips >= 2 and not (getattr(matter, "trips_exception_reason", "") or "").strip():
        problems.append(TRIPS_EXCEPTION_MESSAGE)
    if matter.fee and not (matter.fee_basis or "").strip():
        problems.append(_("收费事项须写明收费依据。"))
    scope = getattr(matter, "intake_scope", IntakeScope.ALL)
    if scope == IntakeScope.LEVELS and not getattr(matter, "intake_min_level", ""):
        problems.append(_("“就近办”事项须选择最低受理层级（如乡镇（街道）级）。"))
    if scope == IntakeScope.NAMED and not matter.intake_halls.exists():
        problems.append(_("仅限指定网点受理的事项须至少指定一个受理网点。"))

    steps = list(matter.steps.all())
    if not steps:
        problems.append(_("请至少填写一个办理环节。"))
    for step in steps:
        phrase = vague_phrase(step.name) or vague_phrase(step.description)
        if phrase:
            problems.append(
                _("办理环节“%(s)s”含有兜底表述“%(p)s”。") % {"s": step.name, "p": phrase}
            )
        if not (step.description or "").strip():
            problems.append(_("办理环节“%(s)s”缺少说明。") % {"s": step.name})

    requirements = list(matter.requirements.select_related("material"))
    if not requirements:
        problems.append(_("请至少填写一项申请材料。"))
    for requirement in requirements:
        name = requirement.material.name
        phrase = (
            vague_phrase(name)
            or vague_phrase(requirement.notes)
            or vague_phrase(requirement.condition)
        )
        if phrase:
            problems.append(
                _("申请材料“%(m)s”含有兜底表述“%(p)s”，请逐项列明材料。") % {"m": name, "p": phrase}
            )
        if requirement.key and requirement.deferrable:
            problems.append(_("主件“%(m)s”不能容缺。") % {"m": name})
        pushed = getattr(requirement, "provided_by", "") == ProvidedBy.DEPARTMENT
        if pushed and requirement.required:
            problems.append(pushed_required_problem(name))
        if not requirement.required and not requirement.condition.strip() and not pushed:
            problems.append(_("非必交材料“%(m)s”须写明提交条件。") % {"m": name})
        if requirement.deferrable and not matter.deferral_scope.strip():
            problems.append(_("材料“%(m)s”标记为可容缺，但指南未写明容缺受理范围。") % {"m": name})
    if not any(requirement.key for requirement in requirements) and requirements:
        problems.append(_("请至少指定一项主件材料。"))

    if isinstance(matter, Matter):
        questions, selectors = matter_question_data(matter)
    else:
        # A matter of a catalog file, not saved yet (``catalog_io``): plain data.
        questions = getattr(matter, "question_data", [])
        selectors = getattr(matter, "selector_data", [])
    problems += question_problems(questions, selectors)

    if matter.handling_type == HandlingType.INSTANT and matter.reviewing_departments.exists():
        problems.append(_("即办件当场办结，不设后台审核部门。"))
    if matter.handling_type == HandlingType.PROMISED and not matter.reviewing_departments.exists():
        problems.append(_("承诺件须指定至少一个审核部门。"))
    return problems
