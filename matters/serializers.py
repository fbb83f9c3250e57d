"""API serializers for the catalog: matters, their guides, bundles and merged checklists."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Department

from .models import (
    Board,
    Bundle,
    MaterialType,
    Matter,
    OnlineLevel,
    ProcessStep,
    Question,
    Requirement,
)
from .selectors import MergedRequirement, bundle_requirements


class MatterListQuerySerializer(serializers.Serializer):
    """Query parameters of the matter list; board and department are codes."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("事项名称、编码或拼音首字母（如 bdc）"),
    )
    board = serializers.SlugField(required=False, allow_blank=True, help_text=_("板块编码"))
    department = serializers.SlugField(
        required=False, allow_blank=True, help_text=_("主办部门编码")
    )
    online_level = serializers.ChoiceField(
        choices=OnlineLevel.choices, required=False, help_text=_("网上办理深度 1–5")
    )
    max_trips = serializers.ChoiceField(
        choices=[(0, _("零跑动")), (1, _("最多跑一次")), (2, _("跑多次（例外事项）"))],
        required=False,
        help_text=_("最多跑动次数：0、1，或 2（跑多次的例外事项）"),
    )

    hall = serializers.SlugField(
        required=False, allow_blank=True, help_text=_("网点编码：只列该网点可受理的事项")
    )

    def validate_hall(self, value: str):
        if not value:
            return None
        from halls.models import Hall

        hall = Hall.objects.filter(code=value, active=True).first()
        if hall is None:
            raise serializers.ValidationError(_("没有这个网点。"), code="unknown_hall")
        return hall

    def validate_board(self, value: str) -> str:
        if value and not Board.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("没有这个板块。"), code="unknown_board")
        return value

    def validate_department(self, value: str) -> str:
        if value and not Department.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("没有这个部门。"), code="unknown_department")
        return value


class CodeNameSerializer(serializers.Serializer):
    """``{code, name}`` of a board, department, material type or licence type."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialType
        fields = ["code", "name"]


def _licence_code(material: MaterialType) -> str | None:
    return material.licence_type.code if material.licence_type_id else None


class DataItemRefSerializer(serializers.Serializer):
    """``{code, name, department}`` of the shared data item that can stand for a material."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    department = CodeNameSerializer(read_only=True)


def _data_item(material: MaterialType) -> dict | None:
    if not material.data_item_id or not material.data_item.active:
        return None
    return DataItemRefSerializer(material.data_item).data


class SelectorSerializer(serializers.Serializer):
    """An answer that selects a requirement: the question's code and the option's value."""

    question = serializers.CharField()
    value = serializers.CharField()


def _selectors(requirement: Requirement) -> list[dict]:
    return [
        {"question": option.question.code, "value": option.value}
        for option in requirement.selected_by.all()
    ]


class RequirementSerializer(serializers.ModelSerializer):
    """A material the guide asks for; ``licence_type`` is the e-licence that replaces it and
    ``data_item`` the shared data that does (数据共享, with the applicant's consent);
    ``selected_by``: the answers that make it apply (empty: it applies to everyone)."""

    material = MaterialSerializer(read_only=True)
    licence_type = serializers.SerializerMethodField(
        help_text=_("可替代该材料的电子证照类型编码（无证明办理），无则为 null")
    )
    data_item = serializers.SerializerMethodField(
        help_text=_("可替代该材料的共享数据项（经申请人同意查询），无则为 null")
    )
    selected_by = serializers.SerializerMethodField(
        help_text=_("选择了其中任一选项时须提交此材料；为空时对所有申请人适用")
    )

    class Meta:
        model = Requirement
        fields = [
            "id",
            "material",
            "key",
            "required",
            "deferrable",
            "provided_by",
            "copies",
            "licence_type",
            "data_item",
            "form",
            "condition",
            "selected_by",
            "notes",
        ]
        read_only_fields = fields

    def get_licence_type(self, requirement: Requirement) -> str | None:
        return _licence_code(requirement.material)

    @extend_schema_field(DataItemRefSerializer(allow_null=True))
    def get_data_item(self, requirement: Requirement) -> dict | None:
        return _data_item(requirement.material)

    @extend_schema_field(SelectorSerializer(many=True))
    def get_selected_by(self, requirement: Requirement) -> list[dict]:
        return _selectors(requirement)


class OptionSerializer(serializers.Serializer):
    """One answer to a question; ``rules_out``: choosing it means the applicant cannot
    apply (``ruled_out_reason`` says why, ``instead`` what to do instead)."""

    value = serializers.CharField()
    label = serializers.CharField()
    rules_out = serializers.BooleanField()
    ruled_out_reason = serializers.CharField()
    instead = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    """A question of the guide (情形引导) with its options, in order."""

    code = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField()
    options = serializers.SerializerMethodField()

    @extend_schema_field(OptionSerializer(many=True))
    def get_options(self, question: Question) -> list[dict]:
        from .checklist import options_of

        return OptionSerializer(options_of(question), many=True).data


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "name", "description", "days"]
        read_only_fields = fields


class ResultSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    licence_type = serializers.CharField(read_only=True, allow_null=True)


class IntakeHallSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class IntakeSerializer(serializers.Serializer):
    """Where a matter can be taken in (受理网点): ``all`` (全市通办), ``levels`` (就近办: halls
    of ``min_level`` and up) or ``named``; ``halls`` lists every active hall that may."""

    scope = serializers.CharField()
    scope_label = serializers.CharField()
    min_level = serializers.CharField(allow_null=True)
    halls = IntakeHallSerializer(many=True)


class MatterListSerializer(serializers.ModelSerializer):
    """The light shape of a matter, for lists and bundles."""

    board = CodeNameSerializer(read_only=True)
    lead_department = CodeNameSerializer(read_only=True)

    class Meta:
        model = Matter
        fields = [
            "code",
            "name",
            "board",
            "lead_department",
            "handling_type",
            "committed_days",
            "max_trips",
            "online_level",
        ]
        read_only_fields = fields


class MatterDetailSerializer(serializers.ModelSerializer):
    """A matter with every element of its guide (use ``matter_detail_queryset``)."""

    board = CodeNameSerializer(read_only=True)
    lead_department = CodeNameSerializer(read_only=True)
    reviewing_departments = CodeNameSerializer(many=True, read_only=True)
    requirements = RequirementSerializer(many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    result = serializers.SerializerMethodField()
    delivery_methods = serializers.ListField(child=serializers.CharField(), read_only=True)
    places = serializers.ListField(child=serializers.CharField(), read_only=True)
    intake = serializers.SerializerMethodField()

    class Meta:
        model = Matter
        fields = [
            "code",
            "name",
            "kind",
            "board",
            "lead_department",
            "handling_type",
            "committed_days",
            "legal_days",
            "legal_extension_days",
            "max_trips",
            "trips_exception_reason",
            "online_level",
            "delivery_methods",
            "reviewing_departments",
            "questions",
            "requirements",
            "result",
            "fee",
            "fee_basis",
            "conditions",
            "legal_basis",
            "steps",
            "intake",
            "places",
            "consultation_phone",
            "deferral_scope",
            "version",
            "effective_date",
        ]
        read_only_fields = fields

    @extend_schema_field(IntakeSerializer)
    def get_intake(self, matter: Matter) -> dict:
        """Where it can be taken in: the scope, and every active hall that may (halls read
        once per answer, ``context["halls"]`` when the caller has them)."""
        from halls.availability import matter_places
        from halls.selectors import active_halls

        halls = self.context.get("halls")
        if halls is None:
            halls = self.context["halls"] = active_halls()
        return {
            "scope": matter.intake_scope,
            "scope_label": matter.get_intake_scope_display(),
            "min_level": matter.intake_min_level or None,
            "halls": [
                {"code": hall.code, "name": hall.name, "level": hall.level}
                for hall in matter_places(matter, halls)
            ],
        }

    @extend_schema_field(ResultSerializer)
    def get_result(self, matter: Matter) -> dict:
        licence_type = matter.result_licence_type
        return {
            "name": matter.result_name,
            "licence_type": licence_type.code if licence_type else None,
        }


class MergedRequirementSerializer(serializers.Serializer):
    """A material asked once across a bundle; ``requirement_ids`` are the matters' own."""

    material = MaterialSerializer(read_only=True)
    key = serializers.BooleanField(read_only=True)
    required = serializers.BooleanField(read_only=True)
    deferrable = serializers.BooleanField(read_only=True)
    provided_by = serializers.CharField(read_only=True)
    copies = serializers.IntegerField(read_only=True)
    form = serializers.CharField(read_only=True)
    conditions = serializers.ListField(child=serializers.CharField(), read_only=True)
    licence_type = serializers.SerializerMethodField()
    data_item = serializers.SerializerMethodField()
    matters = serializers.SerializerMethodField()
    requirement_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    def get_licence_type(self, entry: MergedRequirement) -> str | None:
        return _licence_code(entry.material)

    @extend_schema_field(DataItemRefSerializer(allow_null=True))
    def get_data_item(self, entry: MergedRequirement) -> dict | None:
        return _data_item(entry.material)

    def get_matters(self, entry: MergedRequirement) -> list[str]:
        return [matter.code for matter in entry.matters]


class BundleSerializer(serializers.ModelSerializer):
    """A bundle with its matters and one merged checklist (use ``bundle_queryset``)."""

    matters = serializers.SerializerMethodField()
    requirements = serializers.SerializerMethodField()

    class Meta:
        model = Bundle
        fields = ["code", "name", "description", "matters", "requirements"]
        read_only_fields = fields

    @extend_schema_field(MatterListSerializer(many=True))
    def get_matters(self, bundle: Bundle) -> list[dict]:
        return MatterListSerializer([item.matter for item in bundle.items.all()], many=True).data

    @extend_schema_field(MergedRequirementSerializer(many=True))
    def get_requirements(self, bundle: Bundle) -> list[dict]:
        return MergedRequirementSerializer(bundle_requirements(bundle), many=True).data


class ChecklistInput(serializers.Serializer):
    """The applicant's answers, ``{question code: option value}``."""

    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )

    def validate_answers(self, value):
        # A blank answer is no answer (as on the web form): the question stays unanswered.
        return {code: answer for code, answer in value.items() if answer.strip()}


class AnswerSerializer(serializers.Serializer):
    """A question answered: its code and text, the option's value and label."""

    code = serializers.CharField()
    question = serializers.CharField()
    value = serializers.CharField()
    answer = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    """Why an answer rules the applicant out, and what they may do instead."""

    question = serializers.CharField()
    answer = serializers.CharField()
    reason = serializers.CharField()
    instead = serializers.CharField()


class ChecklistRequirementSerializer(RequirementSerializer):
    """A material that applies to this applicant; ``required`` as it is for them (a
    material their answers selected is required of them)."""


class ChecklistSerializer(serializers.Serializer):
    """The applicant's own checklist (``matters.checklist.Result``)."""

    matter = serializers.CharField()
    eligible = serializers.BooleanField()
    complete = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    unanswered = QuestionSerializer(many=True)
    answers = AnswerSerializer(many=True)
    requirements = ChecklistRequirementSerializer(many=True)


def checklist_data(matter: Matter, result) -> dict:
    """The answer of ``POST /api/v1/matters/{code}/checklist/``."""
    requirements = []
    for applied in result.requirements:
        row = RequirementSerializer(applied.requirement).data
        row["required"] = applied.required
        requirements.append(row)
    return {
        "matter": matter.code,
        "eligible": result.eligible,
        "complete": result.complete,
        "reasons": [
            {
                "question": reason.question.code,
                "answer": reason.option.label,
                "reason": reason.reason,
                "instead": reason.instead,
            }
            for reason in result.reasons
        ],
        "unanswered": QuestionSerializer(result.unanswered, many=True).data,
        "answers": result.stored_answers(),
        "requirements": requirements,
    }
