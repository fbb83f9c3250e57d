"""Home-visit help (上门代办): a request for a helper (代办员) to come to a resident who cannot
come to a hall (老弱病残孕), made online by the resident or a family member, or taken by a
clerk on the phone; a helper is assigned (or takes it on for their hall's area), visits and
files the case on the spot (``Case.home_visit``: no trip for the applicant).

    requested ──assign──> assigned ──file──> filed
    assigned ──assign──> assigned (another helper)
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


class HomeVisitStatus(models.TextChoices):
    REQUESTED = "requested", _("待指派代办员")
    ASSIGNED = "assigned", _("代办员将上门")
    FILED = "filed", _("已上门受理")


class HomeVisitChannel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    PHONE = "phone", _("电话申请")


class HomeVisit(models.Model):
    """A request for a helper to come to the resident's home (上门代办)."""

    name = models.CharField(_("需上门服务的群众"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=11)
    address = models.CharField(_("上门地址"), max_length=200)
    reason = models.TextField(_("需要上门的原因"))
    matter = models.ForeignKey(
        "matters.Matter",
        verbose_name=_("拟办事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The nearest point, whose helpers may take the request on (their hall's area).
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("就近网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_visits",
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=HomeVisitChannel.choices)
    # The resident or family member who asked online, or the clerk who took the phone call.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="home_visit_requests",
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_visits",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_visit_request",
    )
    status = FSMField(
        _("状态"),
        default=HomeVisitStatus.REQUESTED,
        choices=HomeVisitStatus.choices,
        db_index=True,
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    assigned_at = models.DateTimeField(_("指派时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("受理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上门代办")
        verbose_name_plural = _("上门代办")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="home_visit_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_status_display()}"

    @transition(
        field=status,
        source=[HomeVisitStatus.REQUESTED, HomeVisitStatus.ASSIGNED],
        target=HomeVisitStatus.ASSIGNED,
    )
    def assign(self, *, helper, by, at) -> None:
        """A helper will visit (assigned by a clerk or supervisor, or taken on by the helper)."""
        self.helper, self.assigned_by, self.assigned_at = helper, by, at

    @transition(field=status, source=HomeVisitStatus.ASSIGNED, target=HomeVisitStatus.FILED)
    def file(self, *, case, at) -> None:
        """The helper filed the case on the spot."""
        self.case, self.filed_at = case, at
