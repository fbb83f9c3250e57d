"""The catalog of matters (事项清单) and the working-day calendar they count on.

A matter's guide (办事指南) fixes the "six unifications": content, materials, conditions,
process, time limit, fees. A matter is edited as a draft and published only when its guide
passes the checks in ``matters.guide`` (concrete materials and steps, committed limit within
the legal one, an instant matter without back-office review, a stated 容缺 scope).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LicenceType(models.Model):
    """A type of e-licence (电子证照) the government issues, e.g. 营业执照."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    issuing_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("发证部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("空表示长期有效")
    )

    class Meta:
        verbose_name = _("电子证照类型")
        verbose_name_plural = _("电子证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataItem(models.Model):
    """An item of the government data exchange (数据共享), e.g. 户籍信息: a department provides
    it, and a material it proves need not be brought when the exchange knows the applicant."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("提供部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proves = models.TextField(_("证明内容"), blank=True, help_text=_("该数据可以证明的事实"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("共享数据项")
        verbose_name_plural = _("共享数据项")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    """A board (板块): the group of matters that a window serves."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    letter = models.CharField(
        _("叫号字母"), max_length=1, unique=True, help_text=_("排队号的字母前缀，如 A")
    )
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("板块")
        verbose_name_plural = _("板块")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class MaterialType(models.Model):
    """A kind of material an applicant may be asked for (居民身份证, 营业执照…)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    licence_type = models.ForeignKey(
        LicenceType,
        verbose_name=_("可替代的电子证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="material_types",
        help_text=_("持有该类有效电子证照时无需提交此材料（无证明办理）"),
    )
    data_item = models.ForeignKey(
        DataItem,
        verbose_name=_("可替代的共享数据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="material_types",
        help_text=_("申请人同意查询且数据共享平台查到该数据时无需提交此材料"),
    )
    # 材料库: how long a material the window verified stays reusable for the same applicant
    # (一次提交、多次复用). Opt-in per material: 0 (the default) never keeps it, as for a form
    # specific to one application (申请表); the catalog says which documents may be reused.
    locker_valid_days = models.PositiveIntegerField(
        _("材料库有效天数"),
        default=0,
        help_text=_(
            "窗口核验后存入申请人材料库、供后续办件复用的天数（如 365）；0 表示不存入（如申请表）"
        ),
    )

    # Every change of the catalog keeps its old and new values (who, when, what).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("材料类型")
        verbose_name_plural = _("材料类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MatterKind(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    BENEFIT = "benefit", _("行政给付")
    RULING = "ruling", _("行政裁决")
    REWARD = "reward", _("行政奖励")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class HandlingType(models.TextChoices):
    INSTANT = "instant", _("即办件")
    PROMISED = "promised", _("承诺件")


class CatalogStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已废止")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口领取")
    COURIER = "courier", _("快递送达")


class OnlineLevel(models.IntegerChoices):
    GUIDE = 1, _("一星：办事指南网上公开")
    DOWNLOAD = 2, _("二星：表格网上下载")
    PREVIEW = 3, _("三星：网上预审")
    ONLINE_PICKUP = 4, _("四星：网上申请，领取时核验原件")
    ZERO_TRIP = 5, _("五星：全程网办，快递送达")


class IntakeScope(models.TextChoices):
    """Where a matter can be taken in (受理网点)."""

    ALL = "all", _("全市通办：所有网点")
    LEVELS = "levels", _("就近办：指定层级及以上的网点")
    NAMED = "named", _("仅限指定网点")


class PublishedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=CatalogStatus.PUBLISHED)


# The most trips a matter on the exception list (跑多次是例外) may promise.
MAX_TRIPS_EXCEPTION = 5
TRIPS_EXCEPTION_MESSAGE = _("最多跑动次数为 2 次及以上的例外事项须写明跑多次理由。")


class Matter(models.Model):
    """A matter (事项) with every element of its guide."""

    code = models.SlugField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=120)
    pinyin_initials = models.CharField(
        _("拼音首字母"), max_length=120, blank=True, editable=False, db_index=True
    )
    kind = models.CharField(_("事项类型"), max_length=20, choices=MatterKind.choices)
    board = models.ForeignKey(
        Board, verbose_name=_("板块"), on_delete=models.PROTECT, related_name="matters"
    )
    lead_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("主办部门"),
        on_delete=models.PROTECT,
        related_name="led_matters",
    )
    reviewing_departments = models.ManyToManyField(
        "accounts.Department",
        verbose_name=_("审核部门"),
        blank=True,
        related_name="reviewed_matters",
        help_text=_("受理后并联审核的部门；即办件不设后台审核"),
    )
    handling_type = models.CharField(
        _("办件类型"), max_length=10, choices=HandlingType.choices, default=HandlingType.PROMISED
    )
    legal_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    committed_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    legal_extension_days = models.PositiveSmallIntegerField(_("法定可延长（工作日）"), default=0)
    max_trips = models.PositiveSmallIntegerField(
        _("最多跑动次数"),
        validators=[MaxValueValidator(MAX_TRIPS_EXCEPTION)],
        default=1,
        help_text=_("0 为跑零次，1 为最多跑一次；2 次及以上为例外事项，须公布理由"),
    )
    trips_exception_reason = models.TextField(
        _("跑多次理由"),
        blank=True,
        default="",
        help_text=_("最多跑动次数为 2 次及以上的例外事项须公布需要多次到场的理由"),
    )
    online_level = models.PositiveSmallIntegerField(
        _("网上办理深度"), choices=OnlineLevel.choices, default=OnlineLevel.GUIDE
    )
    fee = models.DecimalField(_("收费标准（元）"), max_digits=10, decimal_places=2, default=0)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    conditions = models.TextField(_("受理条件"))
    legal_basis = models.TextField(_("设定依据"))
    deferral_scope = models.TextField(
        _("容缺受理范围"),
        blank=True,
        help_text=_("可容缺的材料及补齐时限的说明；标记为可容缺的材料须在此说明"),
    )
    delivery_methods = models.JSONField(
        _("送达方式"), default=list, help_text=_("pickup（窗口领取）、courier（快递送达）")
    )
    places = models.JSONField(_("办理地点（同城通办）"), default=list)
    intake_scope = models.CharField(
        _("受理网点范围"), max_length=10, choices=IntakeScope.choices, default=IntakeScope.ALL
    )
    intake_min_level = models.CharField(
        _("最低受理层级"),
        max_length=10,
        choices=[
            ("city", _("市级")),
            ("district", _("区县级")),
            ("town", _("乡镇（街道）级")),
            ("village", _("村（社区）级")),
        ],
        blank=True,
        default="",
        help_text=_("就近办时，此层级及以上的网点均可受理，如“乡镇（街道）级”"),
    )
    intake_halls = models.ManyToManyField(
        "halls.Hall",
        verbose_name=_("受理网点"),
        blank=True,
        related_name="matters",
        help_text=_("仅限指定网点时，可受理的网点"),
    )
    consultation_phone = models.CharField(_("咨询电话"), max_length=30)
    result_name = models.CharField(_("办理结果"), max_length=100)
    keywords = models.CharField(
        _("检索关键词"),
        max_length=200,
        blank=True,
        default="",
        help_text=_(
            "群众常用的叫法，以空格分隔，如“开公司 办执照”；搜索时与名称、办理结果、材料一并匹配"
        ),
    )
    result_licence_type = models.ForeignKey(
        LicenceType,
        verbose_name=_("结果电子证照类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuing_matters",
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CatalogStatus.choices,
        default=CatalogStatus.DRAFT,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    usage_count = models.PositiveIntegerField(
        _("年办件量"), default=0, help_text=_("近一年办件量，用于首页“高频事项”")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = models.Manager()
    published = PublishedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["board__order", "code"]
        indexes = [models.Index(fields=["status", "board"]), models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(online_level__gte=1, online_level__lte=5),
                name="matter_online_level_1_5",
            ),
            # 跑多次是例外: more than one trip only with a published reason.
            models.CheckConstraint(
                condition=models.Q(max_trips__lte=1)
                | (
                    models.Q(max_trips__lte=MAX_TRIPS_EXCEPTION)
                    & ~models.Q(trips_exception_reason="")
                ),
                name="matter_max_trips_exception",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs) -> None:
        from .search import pinyin_initials

        self.pinyin_initials = pinyin_initials(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "pinyin_initials"}
        super().save(*args, **kwargs)

    @property
    def is_instant(self) -> bool:
        return self.handling_type == HandlingType.INSTANT

    def clean(self) -> None:
        super().clean()
        if self.max_trips >= 2 and not (self.trips_exception_reason or "").strip():
            raise ValidationError({"trips_exception_reason": TRIPS_EXCEPTION_MESSAGE})

    @property
    def is_zero_trip(self) -> bool:
        return self.max_trips == 0

    @property
    def is_trips_exception(self) -> bool:
        """On the exception list (跑多次是例外): more than one trip, with a published reason."""
        return self.max_trips >= 2

    @property
    def allows_courier(self) -> bool:
        return DeliveryMethod.COURIER in (self.delivery_methods or [])


class MatterVersion(models.Model):
    """A published version of a matter's guide, kept as it was (a snapshot of every element).

    Written when a guide is published or a published guide changes; never rewritten. A case
    records the version it was filed under, and its guide link shows this snapshot.
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    guide = models.JSONField(_("指南内容"))
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("指南版本")
        verbose_name_plural = _("指南版本")
        ordering = ["matter_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "version"], name="matter_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} v{self.version}"


class ProcessStep(models.Model):
    """One step of a matter's process, in order."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节"), max_length=50)
    description = models.TextField(_("说明"))
    days = models.PositiveSmallIntegerField(_("时限（工作日）"), default=0)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["matter_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "order"], name="step_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Question(models.Model):
    """A question of a matter's guide (情形引导), e.g. 是否委托他人办理.

    Each answer (``QuestionOption``) selects the conditional materials that apply to the
    applicant (``Requirement.selected_by``) and may rule the applicant out, saying why and
    what to do instead. ``matters.checklist.evaluate`` is the one reading of the answers.
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("编码"), max_length=40)
    text = models.CharField(_("问题"), max_length=200)
    help = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("情形问题")
        verbose_name_plural = _("情形问题")
        ordering = ["matter_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "code"], name="question_unique_code"),
        ]

    def __str__(self) -> str:
        return self.text


class QuestionOption(models.Model):
    """One answer to a question; ``rules_out``: the applicant cannot apply (the reason and
    what to do instead are shown)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    value = models.SlugField(_("取值"), max_length=40)
    label = models.CharField(_("选项"), max_length=100)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    rules_out = models.BooleanField(
        _("不符合申请条件"), default=False, help_text=_("选择此项的申请人不能申请本事项")
    )
    ruled_out_reason = models.CharField(_("不符合的原因"), max_length=300, blank=True)
    instead = models.CharField(
        _("可改为办理"), max_length=300, blank=True, help_text=_("不符合时建议的办理途径")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="option_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.question.text}：{self.label}"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件及复印件")
    ELECTRONIC = "electronic", _("电子材料")


class ProvidedBy(models.TextChoices):
    """Who brings a material: the applicant, or a department that pushes it to the hall
    itself (e.g. the tax office's 契税完税凭证 once the tax is paid at the window)."""

    APPLICANT = "applicant", _("申请人提交")
    DEPARTMENT = "department", _("部门共享推送")
    # Only on a bundle's merged checklist: the e-licence one of its own matters issues.
    BUNDLE = "bundle", _("一件事内办理生成")


REQUIREMENT_SOURCES = [(v, label) for v, label in ProvidedBy.choices if v != ProvidedBy.BUNDLE]


class Requirement(models.Model):
    """A material that a matter requires, as the guide states it.

    A material a department pushes is never the applicant's to bring, so it can never be
    required of them (it would block the submission of every application).
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="requirements")
    material = models.ForeignKey(
        MaterialType, verbose_name=_("材料"), on_delete=models.PROTECT, related_name="requirements"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    key = models.BooleanField(_("主件"), default=False, help_text=_("主件不可容缺"))
    required = models.BooleanField(_("必交"), default=True)
    condition = models.CharField(
        _("提交条件"), max_length=200, blank=True, help_text=_("非必交材料须写明何种情形下提交")
    )
    form = models.CharField(
        _("材料形式"), max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(
        _("份数"), default=1, validators=[MinValueValidator(1)]
    )
    deferrable = models.BooleanField(_("可容缺"), default=False)
    provided_by = models.CharField(
        _("材料来源"),
        max_length=12,
        choices=REQUIREMENT_SOURCES,
        default=ProvidedBy.APPLICANT,
        help_text=_("由部门共享推送的材料不由申请人提交，不能设为必交"),
    )
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    selected_by = models.ManyToManyField(
        QuestionOption,
        verbose_name=_("适用情形"),
        blank=True,
        related_name="requirements",
        help_text=_("选择了其中任一选项的申请人须提交此材料；不选则按“必交”一栏对所有申请人适用"),
    )
    blank_form = models.FileField(_("空白表格"), upload_to="forms/blank/", blank=True)
    sample = models.FileField(_("填写样例"), upload_to="forms/sample/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["matter_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "material"], name="requirement_unique_material"
            ),
            models.CheckConstraint(
                condition=~models.Q(key=True, deferrable=True),
                name="requirement_key_not_deferrable",
            ),
            models.CheckConstraint(
                condition=~models.Q(provided_by=ProvidedBy.DEPARTMENT, required=True),
                name="requirement_pushed_not_required",
                violation_error_message=_(
                    "由部门共享推送的材料不能设为必交：申请人无从提交，会使申请无法提交。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter.code}: {self.material.name}"


class Bundle(models.Model):
    """A bundle (一件事): several matters the citizen sees as one thing."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120, unique=True)
    description = models.TextField(_("说明"), blank=True)
    matters = models.ManyToManyField(
        Matter, verbose_name=_("包含事项"), through="BundleItem", related_name="bundles"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT
    )

    objects = models.Manager()
    published = PublishedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("包含事项")
        verbose_name_plural = _("包含事项")
        ordering = ["bundle_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "matter"], name="bundle_item_unique_matter"),
        ]

    def __str__(self) -> str:
        return str(self.matter)


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休）")
    WORKDAY = "workday", _("调休上班")


class CalendarDay(models.Model):
    """A day that differs from the plain week: a holiday on a weekday, or a weekend workday."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("节日"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose holidays and adjusted workdays have been entered in full."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=30, default="admin")
    complete = models.BooleanField(_("已完整录入"), default=True)

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
