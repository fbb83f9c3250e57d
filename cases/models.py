"""The case (办件) and everything that happens to it.

Case workflow (``Case.status``, django-fsm-2). Transitions are pure: they set the fields that
belong to them; ``cases.services`` locks the row, calls them, saves, writes the ``CaseEvent``
and schedules what follows.

    draft ──submit──> submitted ──accept──> in_review ──conclude──> approved | denied
      │                 │  │                    └──conclude──> supplement_required
      │                 │  └─reject─> rejected
      │                 └─request_supplement─> supplement_required
      │                                        ──resubmit──> submitted | in_review
      └─withdraw─> withdrawn  (also from submitted and supplement_required)
    approved | denied ──issue──> ready ──ship──> in_transit ──deliver──> closed
                                 ready ──collect──> closed

- submit: the applicant (online) or a clerk; every required material that the guide does not
  mark deferrable must be there.
- accept, request_supplement (one-time notice), reject: a clerk, or the system after 5
  working days for an online case (deemed acceptance, Administrative Licensing Law art. 32).
- conclude: the system, when the last open review is decided; an instant matter is concluded
  at the window by an authorised clerk with no review.
- issue, ship, collect, deliver: a clerk (deliver also the courier integration).

Guards are named predicates in ``conditions=`` (``no_outstanding_deferrals`` and
``no_outstanding_payment`` on issue,
``no_pending_reviews`` on conclude); who may trigger a transition is its ``permission=``, which
``Case.available_actions(user)`` reads for views and templates. Services ask the machine
(``case_require_transition``) and answer 409 before they validate input (400); queries that
select by status read a transition's sources (``fsm_sources``). The rules that are not
transitions (uploading, rating, an open deferral) are the ``Case`` properties below, each
defined once. Materials complete at submission is not a guard: ``case_submit`` names every
missing one (400), and a window draft is handed in before a one-time notice lists what is
missing.

Review workflow (``Review.status``): pending → approved | returned | denied; a returned review
reopens (returned → pending) when the applicant resubmits.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    RETURN_VALUE,
    FSMField,
    can_proceed,
    get_available_user_FIELD_transitions,
    transition,
)

from accounts.compiled import update_row
from accounts.models import Department, IdentityKind
from matters.models import (
    Bundle,
    DeliveryMethod,
    MaterialForm,
    MaterialType,
    Matter,
    ProvidedBy,
    Requirement,
)

from .storage import private_storage


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    SUPPLEMENT_REQUIRED = "supplement_required", _("待补正")
    REJECTED = "rejected", _("不予受理")
    IN_REVIEW = "in_review", _("审查中")
    APPROVED = "approved", _("准予")
    DENIED = "denied", _("不予许可")
    READY = "ready", _("待领取/待寄送")
    IN_TRANSIT = "in_transit", _("寄送中")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.SUPPLEMENT_REQUIRED,
    CaseStatus.IN_REVIEW,
)


# 网上缴费: the statuses in which the case's fee may be paid (submitted, not yet issued, not
# ended): a draft shows its fee but is paid once submitted.
PAYABLE_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.SUPPLEMENT_REQUIRED,
    CaseStatus.IN_REVIEW,
    CaseStatus.APPROVED,
)


# Accepted and not yet issued: a material deferred at acceptance is still awaited.
DEFERRAL_OPEN_STATUSES = (
    CaseStatus.IN_REVIEW,
    CaseStatus.SUPPLEMENT_REQUIRED,
    CaseStatus.APPROVED,
    CaseStatus.DENIED,
)
# The result has been made out (the applicant may rate the case from then on).
ISSUED_STATUSES = (CaseStatus.READY, CaseStatus.IN_TRANSIT, CaseStatus.CLOSED)


def fsm_sources(model: type[models.Model], *names: str, field: str = "status") -> list[str]:
    """The states from which any of the transitions ``names`` of ``model`` may start.

    For queries (``status__in=``) that must agree with the state machine.
    """
    state = model._meta.get_field(field)
    sources = {t.source for t in state.get_all_transitions(model) if t.name in names}
    return [value for value, _label in state.flatchoices if value in sources]


# Guards (``conditions=``) and roles (``permission=``) of the case transitions.


def no_outstanding_deferrals(case: "Case") -> bool:
    """Every material deferred at acceptance has come in (the result may be issued)."""
    return not case.materials.filter(status=MaterialStatus.DEFERRED).exists()


def no_outstanding_payment(case: "Case") -> bool:
    """The case's fee is paid (or it has none); a denial is issued without payment."""
    return case.status == CaseStatus.DENIED or not case.fee_outstanding


def no_pending_reviews(case: "Case") -> bool:
    """Every department has decided (an instant matter has no review at all); read off the
    reviews already loaded with the case when a service loaded them."""
    loaded = getattr(case, "_prefetched_objects_cache", {}).get("reviews")
    if loaded is not None:
        return all(review.status != ReviewStatus.PENDING for review in loaded)
    return not case.reviews.filter(status=ReviewStatus.PENDING).exists()


def acts_as_applicant(case: "Case", user) -> bool:
    """The applicant's side (or, on a window case, the clerk): submit, resubmit, withdraw."""
    from .access import can_act_as_applicant

    return can_act_as_applicant(user, case)


def is_window_clerk(case: "Case", user) -> bool:
    """A clerk: intake decisions and handing the result over."""
    from .access import is_clerk

    return is_clerk(user)


def takes_in_at_clerks_hall(case: "Case", user) -> bool:
    """A clerk whose hall may take in every matter of the case (受理网点范围)."""
    from .access import is_clerk
    from .services.halls import hall_takes_in

    return is_clerk(user) and hall_takes_in(case, user)


def clerk_of_pickup_hall(case: "Case", user) -> bool:
    """A clerk of the hall the applicant collects the result at (another hall's → no)."""
    from .access import is_clerk
    from .services.halls import at_pickup_hall

    return is_clerk(user) and at_pickup_hall(case, user)


def decides_instantly(case: "Case", user) -> bool:
    """A clerk authorised for the lead department, on an instant matter with no review.

    Any other conclusion is the system's, when the last review is decided.
    """
    from .access import is_clerk

    return (
        case.is_instant
        and is_clerk(user)
        and user.authorised_departments.filter(pk=case.lead_department_id).exists()
        and not case.reviews.exists()
    )


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口申请")


# The material type an agent (代办) brings: the applicant's power of attorney (授权委托书).
# Created by a data migration when the catalog lacks it; its code is stable.
POWER_OF_ATTORNEY_CODE = "power-of-attorney"
POWER_OF_ATTORNEY_NAME = "授权委托书"


class CaseSequence(models.Model):
    """The last case number handed out on a day (numbers are day + sequence)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Case(models.Model):
    """An application for a matter or a bundle (办件)."""

    number = models.CharField(_("办件编号"), max_length=20, unique=True)
    matter = models.ForeignKey(
        Matter,
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    matter_version = models.PositiveIntegerField(
        _("指南版本"), null=True, blank=True, help_text=_("申请时所依据的办事指南版本")
    )
    bundle = models.ForeignKey(
        Bundle,
        verbose_name=_("一件事"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("主办部门"), on_delete=models.PROTECT, related_name="led_cases"
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    applicant_kind = models.CharField(_("申请人类型"), max_length=10, choices=IdentityKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_id_number = models.CharField(
        _("身份证号码"), max_length=18, blank=True, db_index=True
    )
    applicant_credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, db_index=True
    )
    applicant_phone = models.CharField(_("联系电话"), max_length=11)
    agent_name = models.CharField(_("代办人"), max_length=100, blank=True)
    agent_id_number = models.CharField(_("代办人身份证号码"), max_length=18, blank=True)
    agent_phone = models.CharField(_("代办人电话"), max_length=11, blank=True)

    # The city's network (issue 13): where the case was taken in, where its result is
    # collected, the helper (代办员) carrying it and the first responsible person (首接负责制).
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("受理网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    pickup_hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("领取网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pickup_cases",
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helped_cases",
    )
    first_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首接责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="first_responsible_cases",
    )
    home_visit = models.BooleanField(
        _("上门代办"), default=False, help_text=_("代办员上门受理，申请人零跑动")
    )
    # Whether the applicant named the pickup hall; if not, an online case's result waits at
    # the city centre until a hall accepts it, then at that hall (``cases.services.halls``).
    pickup_chosen = models.BooleanField(_("申请人选定领取网点"), default=False)
    # 情形引导: the applicant's answers to the matter's questions as given at filing, each
    # ``{"code", "question", "value", "answer"}`` (the wording kept as it was asked); empty
    # when the case was filed without answers.
    answers = models.JSONField(_("情形选择"), default=list, blank=True)

    delivery_method = models.CharField(
        _("送达方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP
    )
    receiver = models.CharField(_("收件人"), max_length=50, blank=True)
    receiver_phone = models.CharField(_("收件电话"), max_length=11, blank=True)
    province = models.CharField(_("省"), max_length=20, blank=True)
    city = models.CharField(_("市"), max_length=20, blank=True)
    district = models.CharField(_("区/县"), max_length=20, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    waybill = models.CharField(_("运单号"), max_length=40, blank=True)
    # 网上缴费: the case's fee is still owed (set and cleared with the payment, in the same
    # transaction, by ``cases.services.fees``); the result is not issued until it is paid.
    fee_outstanding = models.BooleanField(_("待缴费"), default=False)

    # Indexed by the Meta indexes that begin with it (as are ``deadline`` and ``created_at``):
    # an index of its own would only be one more to write at every transition.
    status = FSMField(_("状态"), default=CaseStatus.DRAFT, choices=CaseStatus.choices)
    committed_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=0)
    legal_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("延期（工作日）"), default=0)
    stopped_days = models.PositiveSmallIntegerField(
        _("停止计时（工作日）"), default=0, help_text=_("补正和特别程序期间不计入时限")
    )
    clock_stopped_on = models.DateField(_("停止计时起"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True, db_index=True)
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    warning_on = models.DateField(
        _("预警日期"), null=True, blank=True, help_text=_("时限用去八成之日，此后显示黄灯")
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decision_note = models.TextField(_("决定意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Counters the lists show, kept on the row so that a list never counts per case. Written
    # only by F() updates in the transaction that adds a visit or changes a material
    # (``cases.services.counters``); ``save()`` never writes them back.
    trip_count = models.PositiveIntegerField(_("跑动次数"), default=0, db_default=0)
    materials_in = models.PositiveIntegerField(
        _("已收材料"),
        default=0,
        db_default=0,
        help_text=_("已收取、已核验或电子证照免提交的材料数"),
    )

    COUNTERS = ("trip_count", "materials_in")

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(matter__isnull=False, bundle__isnull=True)
                    | models.Q(matter__isnull=True, bundle__isnull=False)
                ),
                name="case_matter_xor_bundle",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            # The supervision dashboard counts by these dates.
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["decided_at"]),
            # The lists' orders, so that a page is read off an index and never sorted whole:
            # every case list (newest first), the review queues (deadline first), and the
            # desk's inbox (online cases submitted and not yet answered, oldest first).
            models.Index(fields=["-created_at", "-id"], name="case_list_order"),
            models.Index(fields=["deadline", "accepted_on", "id"], name="case_deadline_order"),
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status="submitted"),
                name="case_awaiting_intake",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, later: bool = False, **kwargs):
        """Save the case. ``later``: the caller's transaction holds the case's row lock and
        its next statement carries the UPDATE (``update_row``)."""
        # A stored case writes only the columns that changed since it was read, never the
        # counters: they belong to their F() updates, and a full save of an instance read
        # before one would write the old count back.
        if self._state.adding or self.pk is None or kwargs.get("update_fields") is not None:
            super().save(*args, **kwargs)
        else:
            kwargs["update_fields"] = self._changed_fields()
            # That UPDATE is written once per process for each set of columns, unless the
            # caller asked for more than the save (another database, a forced update).
            if (
                args
                or len(kwargs) > 1
                or not update_row(self, kwargs["update_fields"], later=later)
            ):
                super().save(*args, **kwargs)
        as_read = self.__dict__.get("_as_read")
        if as_read is not None:
            saved = kwargs.get("update_fields")
            for field in self._meta.concrete_fields:
                written = saved is None or field.name in saved or field.attname in saved
                if written and field.attname in self.__dict__:
                    as_read[field.attname] = self.__dict__[field.attname]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The columns as read: a save of this instance writes those that changed (``save``).
        instance._as_read = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_as_read", None)  # the next save writes every column again

    # Written at every save: a JSON value may have changed in place, and the save itself sets
    # ``updated_at``.
    _ALWAYS_SAVED = frozenset({"answers", "updated_at"})

    def _changed_fields(self) -> list[str]:
        as_read = self.__dict__.get("_as_read")
        values = self.__dict__
        changed = []
        for field in self._meta.concrete_fields:
            name, attname = field.name, field.attname
            if field.primary_key or name in self.COUNTERS or attname not in values:
                continue  # the key, a counter, or a column never read nor set (deferred)
            if (
                as_read is None
                or name in self._ALWAYS_SAVED
                or attname not in as_read
                or values[attname] != as_read[attname]
            ):
                changed.append(name)
        return changed

    @property
    def title(self) -> str:
        return (self.matter or self.bundle).name

    @property
    def status_label(self) -> str:
        """The status as people read it (``get_status_display`` without its generic lookup:
        every API answer shows it)."""
        return str(CaseStatus(self.status).label)

    @property
    def applicant_identity(self) -> str:
        if self.applicant_kind == IdentityKind.COMPANY:
            return self.applicant_credit_code
        return self.applicant_id_number

    @property
    def is_instant(self) -> bool:
        return self.matter is not None and self.matter.is_instant

    @property
    def clock_stopped(self) -> bool:
        return self.clock_stopped_on is not None

    # Rules that are not transitions, each defined here once.

    @property
    def materials_open(self) -> bool:
        """The application may still change: before acceptance, or waiting for supplement."""
        return self.status in fsm_sources(Case, "submit", "accept", "resubmit")

    @property
    def files_removable(self) -> bool:
        """The applicant may take files off: a draft, or while a supplement is asked for."""
        return self.status in fsm_sources(Case, "submit", "resubmit")

    @property
    def commitment_open(self) -> bool:
        """An online applicant may give (or change) the 容缺 commitment: submitted, before the
        window's answer."""
        return self.channel == Channel.ONLINE and self.status in fsm_sources(Case, "accept")

    @property
    def deferrals_open(self) -> bool:
        """A material deferred at acceptance is still awaited (accepted, not yet issued)."""
        return self.status in DEFERRAL_OPEN_STATUSES

    @property
    def is_issued(self) -> bool:
        """The result has been made out; from then on the applicant may rate the case."""
        return self.status in ISSUED_STATUSES

    @staticmethod
    def conclusion_for(review_statuses) -> str | None:
        """The outcome ``conclude`` moves to once every review is decided, else ``None``.

        Any denial denies; otherwise any return asks for supplement; all approved (or no
        review at all, an instant matter) approves.
        """
        statuses = set(review_statuses)
        if ReviewStatus.PENDING in statuses:
            return None
        if ReviewStatus.DENIED in statuses:
            return CaseStatus.DENIED
        if ReviewStatus.RETURNED in statuses:
            return CaseStatus.SUPPLEMENT_REQUIRED
        return CaseStatus.APPROVED

    def can(self, action: str, *, guards: bool = True) -> bool:
        """Whether the state machine allows transition ``action`` now: from this status and,
        unless ``guards=False``, with its guards met."""
        return can_proceed(getattr(self, action), check_conditions=guards)

    def available_actions(self, user) -> frozenset[str]:
        """What ``user`` may do with the case now: the transitions whose source, guards and
        permission allow it, plus ``upload`` (files of the application) and ``rate``."""
        from .access import can_act_as_applicant, can_rate

        actions = {
            t.name for t in get_available_user_FIELD_transitions(self, user, Case.status.field)
        }
        if can_act_as_applicant(user, self) and (
            self.materials_open or CaseMaterial.objects.filter(case=self).deferred_open().exists()
        ):
            actions.add("upload")
        if self.is_issued and can_rate(user, self):
            actions.add("rate")
        return frozenset(actions)

    # Transitions: pure, no save, no side effects.

    @transition(
        field=status,
        source=CaseStatus.DRAFT,
        target=CaseStatus.SUBMITTED,
        permission=acts_as_applicant,
    )
    def submit(self, *, at) -> None:
        """The applicant hands the application in."""
        self.submitted_at = at

    @transition(
        field=status,
        source=CaseStatus.SUBMITTED,
        target=CaseStatus.IN_REVIEW,
        permission=takes_in_at_clerks_hall,
    )
    def accept(self, *, on, deadline, warning_on) -> None:
        """The hall accepts the application (受理); the clock starts the day after."""
        self.accepted_on = on
        self.deadline = deadline
        self.warning_on = warning_on

    @transition(
        field=status,
        source=CaseStatus.SUBMITTED,
        target=CaseStatus.SUPPLEMENT_REQUIRED,
        permission=is_window_clerk,
    )
    def request_supplement(self) -> None:
        """One-time notice (一次性告知) of everything missing before acceptance."""

    @transition(
        field=status,
        source=CaseStatus.SUBMITTED,
        target=CaseStatus.REJECTED,
        permission=is_window_clerk,
    )
    def reject(self, *, reason: str, at) -> None:
        """Refuse to accept (不予受理) with a reason."""
        self.decision_note = reason
        self.closed_at = at

    @transition(
        field=status,
        source=CaseStatus.SUPPLEMENT_REQUIRED,
        target=RETURN_VALUE(CaseStatus.SUBMITTED, CaseStatus.IN_REVIEW),
        permission=acts_as_applicant,
    )
    def resubmit(self, *, at) -> str:
        """The applicant supplies what was asked; an accepted case goes back to review.

        Before acceptance the case is submitted afresh (the 5 days for deemed acceptance
        count again from now).
        """
        if self.accepted_on is None:
            self.submitted_at = at
            return CaseStatus.SUBMITTED
        return CaseStatus.IN_REVIEW

    @transition(
        field=status,
        source=[CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUIRED],
        target=CaseStatus.WITHDRAWN,
        permission=acts_as_applicant,
    )
    def withdraw(self, *, at) -> None:
        """The applicant withdraws the application."""
        self.closed_at = at

    @transition(
        field=status,
        source=CaseStatus.IN_REVIEW,
        target=RETURN_VALUE(CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.SUPPLEMENT_REQUIRED),
        conditions=[no_pending_reviews],
        permission=decides_instantly,
    )
    def conclude(self, *, outcome: str, at, decision_note: str = "") -> str:
        """Move on once every review is decided: approved, denied, or back for supplement."""
        if outcome != CaseStatus.SUPPLEMENT_REQUIRED:
            self.decided_at = at
            self.decision_note = decision_note
        return outcome

    @transition(
        field=status,
        source=[CaseStatus.APPROVED, CaseStatus.DENIED],
        target=CaseStatus.READY,
        conditions=[no_outstanding_deferrals, no_outstanding_payment],
        permission=is_window_clerk,
    )
    def issue(self) -> None:
        """The result is made out and waits at the window or for the courier (统一出件)."""

    @transition(
        field=status,
        source=CaseStatus.READY,
        target=CaseStatus.IN_TRANSIT,
        permission=is_window_clerk,
    )
    def ship(self, *, waybill: str) -> None:
        """The result leaves by courier."""
        self.waybill = waybill

    @transition(
        field=status,
        source=CaseStatus.IN_TRANSIT,
        target=CaseStatus.CLOSED,
        permission=is_window_clerk,
    )
    def deliver(self, *, at) -> None:
        """The courier delivered the result."""
        self.closed_at = at

    @transition(
        field=status,
        source=CaseStatus.READY,
        target=CaseStatus.CLOSED,
        permission=clerk_of_pickup_hall,
    )
    def collect(self, *, at) -> None:
        """The applicant collected the result at the window."""
        self.closed_at = at


class CaseEvent(models.Model):
    """One step in a case's history. Appended, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    internal = models.BooleanField(_("内部备注"), default=False)
    # What the reactions need of this very event (the extension granted, the materials
    # returned…), so that they never re-query "the latest" one.
    payload = models.JSONField(_("事件数据"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_status}→{self.to_status}"


class MaterialTransfer(models.Model):
    """物料流转: paper materials taken in at a town or village hall, on their way to the hall
    where the case is decided (the city centre), and who sent and received them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_hall = models.ForeignKey(
        "halls.Hall", verbose_name=_("发出网点"), on_delete=models.PROTECT, related_name="+"
    )
    to_hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("接收网点"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
    )
    # ``[{"name", "form", "copies"}]``: what travels, as the checklist recorded it.
    materials = models.JSONField(_("材料"), default=list)
    sent_at = models.DateTimeField(_("发出时间"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("材料流转")
        verbose_name_plural = _("材料流转")
        ordering = ["sent_at", "id"]
        indexes = [
            # The receiving hall's desk: what is on its way, oldest first.
            models.Index(
                fields=["to_hall", "sent_at", "id"],
                condition=models.Q(received_at__isnull=True),
                name="transfer_pending_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_hall_id}→{self.to_hall_id}"

    @property
    def received(self) -> bool:
        return self.received_at is not None


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("缺少")
    RECEIVED = "received", _("已收取")
    DEFERRED = "deferred", _("容缺后补")
    VERIFIED = "verified", _("已核验")
    SATISFIED_BY_LICENCE = "satisfied_by_licence", _("电子证照免提交")
    # Found for the applicant through the data exchange (数据共享): nothing to bring.
    SATISFIED_BY_DATA = "satisfied_by_data", _("数据共享免提交")
    # Taken from the applicant's materials locker, verified on an earlier case (多次复用).
    SATISFIED_BY_LOCKER = "satisfied_by_locker", _("材料库复用")
    # The window found that a material the guide asks for only in some cases does not apply.
    NOT_APPLICABLE = "not_applicable", _("不涉及")


# Materials the applicant need not bring: what they hold (e-licence), what the data exchange
# returned, or what their locker keeps from an earlier case. Nothing is taken in for them.
SATISFIED = (
    MaterialStatus.SATISFIED_BY_LICENCE,
    MaterialStatus.SATISFIED_BY_DATA,
    MaterialStatus.SATISFIED_BY_LOCKER,
)

# A material counts as in hand when received, verified, or satisfied without paper.
IN_HAND = (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED, *SATISFIED)


class CaseMaterialQuerySet(models.QuerySet):
    def deferred_open(self) -> "CaseMaterialQuerySet":
        """Materials deferred at acceptance and still awaited (the one definition)."""
        return self.filter(status=MaterialStatus.DEFERRED, case__status__in=DEFERRAL_OPEN_STATUSES)


class CaseMaterial(models.Model):
    """One material the case needs: a requirement of the matter, or of the bundle merged."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    # Empty for a material the hall adds beyond the guide: the agent's power of attorney
    # when the guide does not list it (at most one such material per case).
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    material_type = models.ForeignKey(MaterialType, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    key = models.BooleanField(_("主件"), default=False)
    required = models.BooleanField(_("必交"), default=True)
    deferrable = models.BooleanField(_("可容缺"), default=False)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    status = models.CharField(
        _("状态"), max_length=20, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    received_form = models.CharField(_("收取形式"), max_length=20, blank=True)
    received_copies = models.PositiveSmallIntegerField(_("收取份数"), default=0)
    due_date = models.DateField(_("补齐期限"), null=True, blank=True)
    reason = models.CharField(_("缺少原因"), max_length=300, blank=True)
    # Who brings it (copied from the guide, or the bundle's own licence): only the
    # applicant's can be asked of the applicant.
    provided_by = models.CharField(
        _("材料来源"), max_length=12, choices=ProvidedBy.choices, default=ProvidedBy.APPLICANT
    )
    # When the window took the material in (checked it at the window, or accepted the case
    # with it); empty for a file uploaded online and not yet checked (已上传，待审核).
    taken_in_at = models.DateTimeField(_("窗口收取时间"), null=True, blank=True)
    # 材料库复用: the material of an earlier case, verified at its window, that stands for this
    # one (``satisfied_by_locker``): where and when it was verified, and its files (copied).
    reused_from = models.ForeignKey(
        "self",
        verbose_name=_("复用自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CaseMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["case_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "material_type"], name="case_material_unique_type"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(requirement__isnull=True),
                name="case_material_one_added",
            ),
        ]

    def __str__(self) -> str:
        return self.material_type.name

    @property
    def needed_at_submission(self) -> bool:
        return self.required and not self.deferrable

    @property
    def uploaded_online(self) -> bool:
        """In as electronic files the applicant uploaded (not paper taken at the window)."""
        return self.received_form == MaterialForm.ELECTRONIC

    @property
    def provided_for_applicant(self) -> bool:
        """Pushed by a department or issued within the bundle: never the applicant's to bring."""
        return self.provided_by != ProvidedBy.APPLICANT

    def is_open_deferral(self, case: Case) -> bool:
        """Deferred at acceptance and still awaited (``CaseMaterialQuerySet.deferred_open``)."""
        return self.status == MaterialStatus.DEFERRED and case.deferrals_open


class DeferralCommitment(models.Model):
    """The 容缺 commitment an online applicant gives on their case page: which deferrable
    materials they will bring, and by when (容缺受理承诺). A walk-in applicant signs the paper
    承诺书 at the window instead. One per case; giving it again replaces it (the case's
    events keep each one)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="commitment")
    requirement_ids = models.JSONField(_("承诺补齐的材料"), default=list)
    due_date = models.DateField(_("承诺补齐期限"))
    text = models.TextField(_("承诺内容"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承诺人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_at = models.DateTimeField(_("承诺时间"))

    class Meta:
        verbose_name = _("容缺承诺")
        verbose_name_plural = _("容缺承诺")

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_date}"


class HelperAuthorisation(models.Model):
    """The resident's own online confirmation that the helper (代办员) carrying the case may
    file it for them: the online counterpart of the signed 委托书. One per case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="helper_authorisation")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_at = models.DateTimeField(_("授权时间"))

    class Meta:
        verbose_name = _("代办授权")
        verbose_name_plural = _("代办授权")

    def __str__(self) -> str:
        return f"{self.case_id} {self.given_at:%Y-%m-%d}"


class MaterialFile(models.Model):
    """An uploaded file of a material: stored privately, served only through a checked view."""

    material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to="cases/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审")
    APPROVED = "approved", _("同意")
    RETURNED = "returned", _("退回补正")
    DENIED = "denied", _("不同意")


class Review(models.Model):
    """One department's review of a case; all of a case's reviews run at once."""

    # No index of their own: the unique (case, department) and the queues' indexes begin
    # with them, and the pending queues' are partial on the status.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    department = models.ForeignKey(
        Department,
        verbose_name=_("审查部门"),
        on_delete=models.PROTECT,
        related_name="reviews",
        db_index=False,
    )
    status = FSMField(_("审查结论"), default=ReviewStatus.PENDING, choices=ReviewStatus.choices)
    opinion = models.TextField(_("审查意见"), blank=True)
    missing = models.JSONField(_("需补正材料"), default=list, blank=True)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The case's deadline and acceptance day, the queue's order: copied by database triggers
    # (cases/migrations/0008) whenever the case's change or the review is written, so that a
    # department's queue reads one index instead of sorting its backlog by the case's columns.
    case_deadline = models.DateField(null=True, blank=True, editable=False)
    case_accepted_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("部门审查")
        verbose_name_plural = _("部门审查")
        ordering = ["case_id", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="review_unique_department"),
        ]
        indexes = [
            # A department's pending reviews (the approver's queue, ``?status=pending``).
            models.Index(
                fields=["department", "case_deadline", "case_accepted_on", "case"],
                condition=models.Q(status="pending"),
                name="review_pending_queue",
            ),
            # Every review of a department in the queue's order (``/api/v1/reviews/``).
            models.Index(
                fields=["department", "case_deadline", "case_accepted_on", "case"],
                name="review_department_queue",
            ),
            # The same two for every department at once: a supervisor's queue in the admin.
            models.Index(
                fields=["case_deadline", "case_accepted_on", "case"],
                condition=models.Q(status="pending"),
                name="review_city_pending_queue",
            ),
            models.Index(
                fields=["case_deadline", "case_accepted_on", "case"],
                name="review_city_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} / {self.department}"

    @transition(field=status, source=ReviewStatus.PENDING, target=ReviewStatus.APPROVED)
    def approve(self, *, by, at, opinion: str) -> None:
        """The department agrees."""
        self.decided_by, self.decided_at, self.opinion = by, at, opinion

    @transition(field=status, source=ReviewStatus.PENDING, target=ReviewStatus.RETURNED)
    def return_for_supplement(self, *, by, at, opinion: str, missing: list[int]) -> None:
        """The department needs more from the applicant."""
        self.decided_by, self.decided_at, self.opinion = by, at, opinion
        self.missing = missing

    @transition(field=status, source=ReviewStatus.PENDING, target=ReviewStatus.DENIED)
    def deny(self, *, by, at, opinion: str) -> None:
        """The department refuses."""
        self.decided_by, self.decided_at, self.opinion = by, at, opinion

    @transition(field=status, source=ReviewStatus.RETURNED, target=ReviewStatus.PENDING)
    def reopen(self) -> None:
        """The applicant supplied what this department asked for."""
        self.round += 1
        self.decided_by = None
        self.decided_at = None
        self.missing = []


class VisitKind(models.TextChoices):
    INTAKE = "intake", _("窗口受理")
    SUPPLEMENT = "supplement", _("窗口补正")
    COLLECT = "collect", _("窗口领取")


class Visit(models.Model):
    """One trip of the applicant to the hall for the case; at most one a day counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("事由"), max_length=12, choices=VisitKind.choices)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("跑动")
        verbose_name_plural = _("跑动")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["case", "date"], name="visit_one_per_case_per_day"),
        ]
        indexes = [
            # The supervision figures per staff member: the visits a clerk served in a range.
            models.Index(
                fields=["clerk", "date"],
                name="visit_clerk_date_idx",
                condition=models.Q(clerk__isnull=False),
            ),
            # The trips of a day or range whoever served them (the dashboard's live part: today's
            # trips per staff member), without reading every clerk's history.
            models.Index(fields=["date"], name="visit_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.date}"


class ClockStopKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("补正")
    SPECIAL = "special", _("特别程序")


class SpecialProcedureKind(models.TextChoices):
    INSPECTION = "inspection", _("现场勘查")
    TESTING = "testing", _("检验检测")
    EXPERT = "expert", _("专家评审")
    HEARING = "hearing", _("听证")


class SpecialProcedure(models.Model):
    """A special procedure (特别程序, licensing law art. 45): the clock stops meanwhile."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField(_("类型"), max_length=12, choices=SpecialProcedureKind.choices)
    reason = models.TextField(_("理由"))
    expected_days = models.PositiveSmallIntegerField(_("预计时长（工作日）"))
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("待批准")
    GRANTED = "granted", _("已批准")
    REFUSED = "refused", _("未批准")


class Extension(models.Model):
    """A request to extend the time limit (延期), decided by a supervisor."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长（工作日）"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(_("批复意见"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class RatingScore(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class Rating(models.Model):
    """The applicant's rating of a case (好差评), once."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("评价"), choices=RatingScore.choices)
    comment = models.TextField(_("意见"), blank=True)
    channel = models.CharField(_("评价渠道"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_score_display()}"

    @property
    def is_bad(self) -> bool:
        return self.score <= RatingScore.DISSATISFIED


class FollowUpOutcome(models.TextChoices):
    RECTIFIED = "rectified", _("已整改")
    EXPLAINED = "explained", _("已解释")
    APPEALED = "appealed", _("申诉为无效评价")


class RatingAbout(models.TextChoices):
    DECISION = "decision", _("部门审批")
    WINDOW = "window", _("窗口服务")


class FollowUp(models.Model):
    """The follow-up of a bad rating (差评整改): about the decision, by the lead department;
    about the window's service, by the hall (supervisors), with no department."""

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    about = models.CharField(
        _("评价对象"), max_length=10, choices=RatingAbout.choices, default=RatingAbout.DECISION
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text=_("窗口服务的差评由大厅管理方处理，不指定部门"),
    )
    due_date = models.DateField(_("整改期限"))
    callback_note = models.TextField(_("回访记录"), blank=True)
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=FollowUpOutcome.choices, blank=True
    )
    appeal_upheld = models.BooleanField(_("申诉成立"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_date"]
        indexes = [
            models.Index(
                fields=["rating"], condition=models.Q(closed_at__isnull=True), name="followup_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.department_id} {self.due_date}"
