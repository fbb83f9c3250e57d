"""Appointments (预约): slots per hall and board per working day, booking within capacity, cancel,
check-in at the kiosk for a priority ticket, no-shows, and the reminder the day before.

Check-in needs the booking's own code, or a registered kiosk for check-in by ID number; a
refused check-in answers the same whether or not the person has a booking. A booking checks in
only at its own hall (the kiosk or kiosk page of the slot's hall).

Booking locks the slot row while its places are counted, so concurrent bookings queue up
on it and never exceed the capacity. It first locks the booker's own row, so that one person's
concurrent bookings queue up too: one booking per person per day and board.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.identity import normalize_id_number
from accounts.models import User
from cases.models import fsm_sources
from halls.models import Hall
from halls.selectors import city_centre
from matters.calendar import add_working_days, is_working_day, working_days_in
from matters.models import Board
from notices.models import Channel as NoticeChannel
from notices.services import notice_create

from ..exceptions import AppointmentError, SlotFullError, TicketError
from ..halls import boards_served, check_queue
from ..models import (
    HOLDING,
    Appointment,
    AppointmentStatus,
    Kiosk,
    Slot,
    Ticket,
    new_booking_code,
)
from .tickets import ticket_take

# Check-in opens this long before the slot starts and closes when it ends.
CHECK_IN_EARLY = datetime.timedelta(minutes=30)


def _slot_bounds(slot: Slot) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(slot.date, slot.start, tzinfo=tz)
    end = datetime.datetime.combine(slot.date, slot.end, tzinfo=tz)
    return start, end


@transaction.atomic
def slot_create(
    *,
    board: Board,
    date: datetime.date,
    start: datetime.time,
    end: datetime.time,
    capacity: int,
    hall: Hall | None = None,
) -> Slot:
    """Open an appointment slot at ``hall`` (default: the city centre) on a working day of the
    hall calendar, for a board the hall serves."""
    hall = hall or city_centre()
    if not is_working_day(date):
        raise ValidationError({"date": [_("预约时段须在工作日。")]})
    if end <= start:
        raise ValidationError({"end": [_("结束时间须晚于开始时间。")]})
    try:
        check_queue(hall, board)
    except TicketError as error:
        raise ValidationError({"board": [error.detail]}) from error
    return Slot.objects.create(
        hall=hall, board=board, date=date, start=start, end=end, capacity=capacity
    )


# The hall's default appointment times each working day (morning and afternoon hours).
DEFAULT_SLOT_TIMES = (
    (datetime.time(9, 0), datetime.time(10, 0)),
    (datetime.time(10, 0), datetime.time(11, 0)),
    (datetime.time(11, 0), datetime.time(12, 0)),
    (datetime.time(13, 30), datetime.time(14, 30)),
    (datetime.time(14, 30), datetime.time(15, 30)),
    (datetime.time(15, 30), datetime.time(16, 30)),
)


@transaction.atomic
def slots_open_for_days(
    *,
    hall: Hall | None = None,
    boards: list[Board] | None = None,
    start: datetime.date,
    end: datetime.date,
    capacity: int,
    times: tuple[tuple[datetime.time, datetime.time], ...] = DEFAULT_SLOT_TIMES,
) -> int:
    """Open the slots of every working day in ``[start, end]`` at ``hall`` (default: the city
    centre) for ``boards`` (default: every board it serves; others are left out); return how
    many were new. Idempotent: a slot that exists (hall, board, day, start) is left as it is.
    A hall without a queue has no slots."""
    hall = hall or city_centre()
    if not hall.has_queue:
        return 0
    served = list(boards_served(hall))
    if boards is not None:
        wanted = {board.pk for board in boards}
        served = [board for board in served if board.pk in wanted]
    working = working_days_in(start, end)
    slots = [
        Slot(hall=hall, board=board, date=day, start=slot_start, end=slot_end, capacity=capacity)
        for board in served
        for day in working
        for slot_start, slot_end in times
    ]
    existing = Slot.objects.filter(hall=hall, board__in=served, date__gte=start, date__lte=end)
    before = existing.count()
    Slot.objects.bulk_create(slots, ignore_conflicts=True)
    return existing.count() - before


@transaction.atomic
def appointment_book(*, slot: Slot, by: User) -> Appointment:
    """Book a place in ``slot``; never more than its capacity, and never a second booking of
    the same person for the same day and board, even under concurrent booking.

    The booker's row is locked first (one person's bookings queue up on it: the daily limit
    holds across slots), then the slot row while its places are counted. Always in this
    order, so two bookings never wait on each other crosswise.
    """
    User.objects.select_for_update(no_key=True, of=("self",)).filter(pk=by.pk).first()
    slot = (
        Slot.objects.select_for_update(of=("self",)).select_related("board", "hall").get(pk=slot.pk)
    )
    if not slot.hall.has_queue or not slot.hall.active:
        raise AppointmentError(
            _("%(hall)s不接受预约。") % {"hall": slot.hall.name}, code="hall_no_queue"
        )
    if _slot_bounds(slot)[1] <= timezone.now():
        raise AppointmentError(_("该时段已过，不能预约。"), code="slot_past")
    holding = Appointment.objects.filter(slot=slot, status__in=HOLDING)
    if holding.filter(user=by).exists():
        raise AppointmentError(_("您已预约该时段。"), code="already_booked")
    same_day = Appointment.objects.filter(
        user=by, slot__board_id=slot.board_id, slot__date=slot.date, status__in=HOLDING
    )
    if same_day.exists():
        raise AppointmentError(
            _("每人每天在同一板块限预约一次：您已预约%(date)s的%(board)s，如需改约请先取消。")
            % {"date": slot.date.strftime("%Y-%m-%d"), "board": slot.board.name},
            code="daily_limit",
        )
    if holding.count() >= slot.capacity:
        raise SlotFullError(_("该时段已约满，请选择其他时段。"))
    code = new_booking_code()
    while Appointment.objects.filter(code=code).exists():  # one in ~10¹¹
        code = new_booking_code()
    return Appointment.objects.create(slot=slot, user=by, code=code)


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__board", "slot__hall", "user")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User) -> Appointment:
    """Cancel one's own booking before its slot ends."""
    appointment = _lock_appointment(appointment)
    if appointment.user_id != by.pk:
        raise AppointmentError(_("只能取消本人的预约。"), code="not_yours")
    if appointment.status == AppointmentStatus.CANCELLED:
        return appointment
    if not can_proceed(appointment.cancel):
        raise AppointmentError(_("该预约不能取消。"), code="invalid_transition")
    appointment.cancel(at=timezone.now())
    appointment.save(update_fields=["status", "cancelled_at"])
    return appointment


@transaction.atomic
def appointment_check_in(
    *, appointment: Appointment, hall: Hall | None = None, at: datetime.datetime | None = None
) -> Ticket:
    """Check in at the kiosk of the slot's hall within the slot (from 30 minutes before it): a
    priority ticket in that hall's queue. ``hall``, when given, is where the check-in happens:
    another hall than the slot's is refused."""
    now = at or timezone.now()
    appointment = _lock_appointment(appointment)
    if hall is not None and appointment.slot.hall_id != hall.pk:
        raise AppointmentError(
            _("该预约在%(hall)s（%(address)s），请到该网点签到。")
            % {"hall": appointment.slot.hall.name, "address": appointment.slot.hall.address},
            code="other_hall",
        )
    if not can_proceed(appointment.check_in):
        raise AppointmentError(_("该预约不能签到。"), code="invalid_transition")
    start, end = _slot_bounds(appointment.slot)
    if not start - CHECK_IN_EARLY <= now <= end:
        raise AppointmentError(_("请在预约时段内签到（可提前30分钟）。"), code="outside_slot")
    appointment.check_in(at=now)
    appointment.save(update_fields=["status", "checked_in_at"])
    return ticket_take(
        hall=appointment.slot.hall,
        board=appointment.slot.board,
        id_number=appointment.user.id_number,
        phone=appointment.user.phone,
        priority=True,
        appointment=appointment,
        at=now,
    )


def appointment_for_check_in(
    *, id_number: str, hall: Hall | None = None, at: datetime.datetime | None = None
) -> Appointment | None:
    """The booked appointment at ``hall`` (default: the city centre) of the holder of
    ``id_number`` that can check in now."""
    now = at or timezone.now()
    hall = hall or city_centre()
    number = normalize_id_number(id_number or "")
    if not number:
        return None
    candidates = Appointment.objects.filter(
        user__id_number=number,
        slot__hall=hall,
        status__in=fsm_sources(Appointment, "check_in"),
        slot__date=timezone.localdate(now),
    ).select_related("slot")
    for appointment in candidates.order_by("slot__start"):
        start, end = _slot_bounds(appointment.slot)
        if start - CHECK_IN_EARLY <= now <= end:
            return appointment
    return None


def normalize_booking_code(code: str) -> str:
    """A booking code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


@transaction.atomic
def appointment_check_in_by(
    *,
    kiosk: Kiosk | None,
    hall: Hall | None = None,
    code: str = "",
    id_number: str = "",
    at: datetime.datetime | None = None,
) -> Ticket:
    """Check an appointment of ``hall`` in (default: the kiosk's hall, else the city centre)
    by its booking code (on any browser at that hall's kiosk page) or, at a registered kiosk
    of that hall only, by the booker's ID number.

    Whatever the reason a check-in by ID number is refused (a kiosk of another hall, no
    booking at all), the answer is the same. A booking code of another hall's slot is told
    where to go: only its holder knows the code.
    """
    now = at or timezone.now()
    hall = hall or (kiosk.hall if kiosk is not None else None) or city_centre()
    appointment = None
    code = normalize_booking_code(code)
    if code:
        appointment = (
            Appointment.objects.filter(code=code, status__in=fsm_sources(Appointment, "check_in"))
            .select_related("slot")
            .first()
        )
    elif id_number and kiosk is not None and kiosk.active and kiosk.hall_id == hall.pk:
        appointment = appointment_for_check_in(id_number=id_number, hall=hall, at=now)
    if appointment is None:
        # One answer for every refusal: it must not tell whether someone has a booking.
        raise AppointmentError(
            _("未找到可在此时签到的预约。请核对预约码，或在大厅自助取号机上按身份证号码签到。"),
            code="no_appointment",
        )
    return appointment_check_in(appointment=appointment, hall=hall, at=now)


@transaction.atomic
def kiosk_register(*, name: str, by: User, hall: Hall | None = None) -> Kiosk:
    """Register (or re-enable) the kiosk ``name`` at ``hall`` (default: the city centre); the
    caller gives its browser the cookie. A hall without a queue has no kiosk."""
    hall = hall or city_centre()
    check_queue(hall)
    taken = Kiosk.objects.filter(name=name.strip()).exclude(hall=hall).select_related("hall")
    if other := taken.first():
        # Another hall's kiosk is that hall's staff's to re-enable, not moved here by a name.
        raise TicketError(
            _("取号机“%(n)s”已登记在%(hall)s，请换一个名称。")
            % {"n": other.name, "hall": other.hall.name},
            code="kiosk_of_other_hall",
        )
    kiosk, _created = Kiosk.objects.update_or_create(
        name=name.strip(), defaults={"active": True, "registered_by": by, "hall": hall}
    )
    return kiosk


@transaction.atomic
def appointments_mark_no_show(*, at: datetime.datetime | None = None) -> int:
    """Mark booked appointments whose slot has ended as no-shows; return how many."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    ended = Q(slot__date__lt=today) | Q(
        slot__date=today, slot__end__lte=timezone.localtime(now).time()
    )
    ids = list(
        Appointment.objects.filter(
            ended, status__in=fsm_sources(Appointment, "no_show")
        ).values_list("pk", flat=True)
    )
    # A bulk update, not one transition per row: the sources come from the state machine.
    return Appointment.objects.filter(
        pk__in=ids, status__in=fsm_sources(Appointment, "no_show")
    ).update(status=AppointmentStatus.NO_SHOW)


def appointment_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind everyone booked on the next working day (SMS; once each, by notice key)."""
    today = today or timezone.localdate()
    tomorrow = add_working_days(today, 1)
    created = 0
    booked = Appointment.objects.filter(
        slot__date=tomorrow, status=AppointmentStatus.BOOKED
    ).select_related("slot", "slot__board", "slot__hall", "user")
    for appointment in booked:
        with transaction.atomic():
            notice = notice_create(
                key=f"appointment:{appointment.pk}:reminder",
                channel=NoticeChannel.SMS,
                template="appointment_reminder",
                context={
                    "hall": appointment.slot.hall.name,
                    "address": appointment.slot.hall.address,
                    "appointment": appointment,
                    "slot": appointment.slot,
                },
                recipient=appointment.user,
            )
        created += notice is not None
    return created
