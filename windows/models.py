"""The physical hall: windows (counters), queue tickets and appointments.

Ticket workflow (``Ticket.status``)::

    waiting ──call──> called ──serve──> serving ──done──> done
       │                │  └─no_show─> no_show
       │                └─recall (stays called, called again)
       └─transfer──> transferred (a new waiting ticket on the other board)

Every change appends a ``TicketEvent``. Numbers are per board per day: the board's letter and
a daily sequence (``A001``), handed out by one atomic upsert on ``TicketSequence``.

Appointment workflow (``Appointment.status``): booked → cancelled | checked_in | no_show.
Both are django-fsm machines: the transitions below are the only place their rules live.
Check-in needs the booking's own code (shown on booking and in the reminder) or a kiosk: a
browser that staff registered as one (``Kiosk``, a signed cookie).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from halls.selectors import city_centre_id
from matters.models import Board


class WindowStatus(models.TextChoices):
    OPEN = "open", _("开放")
    PAUSED = "paused", _("暂停")
    CLOSED = "closed", _("关闭")


class Window(models.Model):
    """A counter in the hall; a generalist window (全科窗口) serves every board."""

    number = models.PositiveSmallIntegerField(_("窗口号"), unique=True)
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        default=city_centre_id,
        related_name="windows",
    )
    name = models.CharField(_("名称"), max_length=50)
    boards = models.ManyToManyField(Board, verbose_name=_("服务板块"), blank=True)
    generalist = models.BooleanField(_("全科窗口"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=WindowStatus.choices, default=WindowStatus.OPEN
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("窗口人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="windows",
    )

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}号 {self.name}"


class TicketSequence(models.Model):
    """The last ticket sequence handed out per board per day."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE)
    date = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["board", "date"], name="ticket_sequence_board_date")
        ]

    def __str__(self) -> str:
        return f"{self.board_id} {self.date} {self.last}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("等候")
    CALLED = "called", _("已叫号")
    SERVING = "serving", _("办理中")
    DONE = "done", _("已办结")
    NO_SHOW = "no_show", _("过号")
    TRANSFERRED = "transferred", _("已转板块")


class Ticket(models.Model):
    """A queue ticket: taken at the kiosk or by checking in an appointment."""

    board = models.ForeignKey(Board, verbose_name=_("板块"), on_delete=models.PROTECT)
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        default=city_centre_id,
        related_name="tickets",
    )
    date = models.DateField(_("日期"))
    sequence = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("号码"), max_length=8)
    status = FSMField(
        _("状态"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    priority = models.BooleanField(_("预约优先"), default=False)
    id_number = models.CharField(_("证件号码"), max_length=18, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("取号时间"), auto_now_add=True)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    served_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("办件"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    appointment = models.ForeignKey(
        "Appointment",
        verbose_name=_("预约"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("转自"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transferred_to",
    )

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "date", "sequence"], name="ticket_board_date_sequence"
            )
        ]
        indexes = [
            models.Index(fields=["date", "status", "board"], name="ticket_queue_idx"),
            models.Index(fields=["date", "called_at"], name="ticket_called_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    # Transitions (django-fsm), pure: ``windows.services.tickets`` locks, saves, writes events.

    @transition(field=status, source=TicketStatus.WAITING, target=TicketStatus.CALLED)
    def call(self, *, window: "Window", at) -> None:
        """A window calls the ticket."""
        self.window = window
        self.called_at = at

    @transition(field=status, source=TicketStatus.CALLED, target=TicketStatus.CALLED)
    def recall(self, *, at) -> None:
        """Call it again: the applicant has not come up yet."""
        self.called_at = at

    @transition(field=status, source=TicketStatus.CALLED, target=TicketStatus.NO_SHOW)
    def no_show(self, *, at) -> None:
        """The called applicant did not come (过号)."""
        self.done_at = at

    @transition(
        field=status,
        source=[TicketStatus.CALLED, TicketStatus.SERVING],
        target=TicketStatus.SERVING,
    )
    def serve(self, *, at) -> None:
        """Start serving; serving a serving ticket again only links a case to it."""
        self.served_at = self.served_at or at

    @transition(
        field=status,
        source=[TicketStatus.CALLED, TicketStatus.SERVING],
        target=TicketStatus.DONE,
    )
    def done(self, *, at) -> None:
        """Finish serving."""
        self.served_at = self.served_at or at
        self.done_at = at

    @transition(
        field=status,
        source=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING],
        target=TicketStatus.TRANSFERRED,
    )
    def transfer(self, *, at) -> None:
        """Sent to another board (a new waiting ticket there)."""
        self.done_at = at


class TicketEvent(models.Model):
    """One change of a ticket: who, when, from, to. Append-only (enforced by the database)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    # PROTECT, not SET_NULL: the rows are append-only (a database trigger refuses updates),
    # so a user or window named in the trail cannot be deleted from under it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    window = models.ForeignKey(Window, on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("排队号记录")
        verbose_name_plural = _("排队号记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.from_status}→{self.to_status}"


class Slot(models.Model):
    """An appointment slot of a board on a working day, with its capacity."""

    board = models.ForeignKey(Board, verbose_name=_("板块"), on_delete=models.CASCADE)
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        default=city_centre_id,
        related_name="slots",
    )
    date = models.DateField(_("日期"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    capacity = models.PositiveSmallIntegerField(_("名额"), default=5)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["date", "start", "board"]
        constraints = [
            models.UniqueConstraint(fields=["board", "date", "start"], name="slot_board_start"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="slot_end_after"),
        ]

    def __str__(self) -> str:
        return f"{self.board} {self.date} {self.start:%H:%M}-{self.end:%H:%M}"


class Kiosk(models.Model):
    """A self-service machine in the hall (取号机), known by a signed cookie staff set on it."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("网点"),
        on_delete=models.PROTECT,
        default=city_centre_id,
        related_name="kiosks",
    )
    active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后该设备不能再按身份证号码签到")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _("自助取号机")
        verbose_name_plural = _("自助取号机")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Booking codes leave out look-alike characters (0/O, 1/I/L); 31⁸ ≈ 8.5 × 10¹¹ codes.
BOOKING_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BOOKING_CODE_LENGTH = 8


def new_booking_code() -> str:
    """An unguessable short code for a booking."""
    return "".join(secrets.choice(BOOKING_CODE_ALPHABET) for _ in range(BOOKING_CODE_LENGTH))


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("爽约")


# A booking holds a place in its slot while booked or checked in.
HOLDING = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class Appointment(models.Model):
    """A citizen's booking of a slot."""

    slot = models.ForeignKey(
        Slot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="appointments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    status = FSMField(
        _("状态"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    code = models.CharField(
        _("预约码"), max_length=12, unique=True, default=new_booking_code, editable=False
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["slot__date", "slot__start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointment_one_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.slot} {self.user}"

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.CANCELLED)
    def cancel(self, *, at) -> None:
        """The citizen cancels the booking."""
        self.cancelled_at = at

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.CHECKED_IN)
    def check_in(self, *, at) -> None:
        """Checked in within the slot: a priority ticket follows."""
        self.checked_in_at = at

    @transition(field=status, source=AppointmentStatus.BOOKED, target=AppointmentStatus.NO_SHOW)
    def no_show(self) -> None:
        """The slot ended without a check-in (爽约)."""
