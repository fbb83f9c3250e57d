"""The queue: taking tickets, calling them at a window, and what follows a call.

Queues are per hall: a window calls only its own hall's tickets.
Each function is one use case, transactional, with the actor passed explicitly. A call locks
the ticket it picks with ``SELECT … FOR UPDATE SKIP LOCKED``: two windows calling at the same
moment each get a different ticket, and neither waits for the other. It also locks its own
window's row (``NOWAIT``): the same window calling twice at once calls one ticket, and the
other call is refused (409) instead of closing the ticket just called.
"""

import datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.identity import normalize_id_number
from accounts.language import recorded
from accounts.models import User
from cases.models import Case, VisitKind, fsm_sources
from cases.services import visit_record
from halls.models import Hall
from halls.selectors import city_centre
from matters.models import Board
from notices.models import Channel
from notices.services import notice_create

from ..exceptions import TicketError, TicketTransitionError, WindowBusyError
from ..halls import check_queue
from ..models import (
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketStatus,
    Window,
    WindowStatus,
)

NEAR_AHEAD = 3
# PostgreSQL's answer to a NOWAIT lock on a row another transaction holds.
LOCK_NOT_AVAILABLE = "55P03"


def next_ticket_sequence(hall: Hall, board: Board, day: datetime.date) -> int:
    """Hand out the next sequence of ``board`` at ``hall`` on ``day`` (one atomic upsert)."""
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (hall_id, board_id, date, last) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (hall_id, board_id, date) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [hall.pk, board.pk, day],
        )
        (sequence,) = cursor.fetchone()
    return sequence


def _record(ticket: Ticket, *, action: str, before: str, by: User | None, note: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=before,
        to_status=ticket.status,
        actor=by if by is not None and by.is_authenticated else None,
        window=ticket.window,
        note=note[:200],
    )


def waiting_before(ticket: Ticket) -> Q:
    """Tickets of the same hall, board and day called before ``ticket``: priority first, then
    FIFO."""
    earlier = Q(priority=ticket.priority, id__lt=ticket.pk)
    if not ticket.priority:
        earlier |= Q(priority=True)
    return (
        Q(
            hall_id=ticket.hall_id,
            board_id=ticket.board_id,
            date=ticket.date,
            status=TicketStatus.WAITING,
        )
        & earlier
    )


def ticket_ahead(ticket: Ticket) -> int:
    """How many waiting tickets will be called before ``ticket`` on its board."""
    return Ticket.objects.filter(waiting_before(ticket)).count()


def _queue_order():
    return ("-priority", "id")


def _notify_near(hall_id: int, board_id: int, day: datetime.date) -> None:
    """Text the ticket that now has exactly ``NEAR_AHEAD`` ahead (once per ticket)."""
    near = (
        Ticket.objects.filter(
            hall_id=hall_id, board_id=board_id, date=day, status=TicketStatus.WAITING
        )
        .select_related("board", "hall")
        .order_by(*_queue_order())[NEAR_AHEAD : NEAR_AHEAD + 1]
    )
    for ticket in near:
        if ticket.phone:
            notice_create(
                key=f"ticket:{ticket.pk}:near",
                channel=Channel.SMS,
                template="ticket_near",
                context={"hall": ticket.hall.name, "ticket": ticket, "ahead": NEAR_AHEAD},
                address=ticket.phone,
                # Anyone may type any mobile at a kiosk: a few texts a day to it, not more.
                daily_limit_per_address=settings.TICKET_SMS_PER_MOBILE_PER_DAY,
            )


@transaction.atomic
def ticket_take(
    *,
    board: Board,
    hall: Hall | None = None,
    id_number: str = "",
    phone: str = "",
    priority: bool = False,
    appointment=None,
    at: datetime.datetime | None = None,
) -> Ticket:
    """Take a ticket for ``board`` at ``hall`` (default: the city centre) today: the board's
    letter and the hall's next sequence of the day. A hall without a queue, or a board it does
    not serve, is refused."""
    hall = hall or city_centre()
    check_queue(hall, board)
    now = at or timezone.now()
    day = timezone.localdate(now)
    sequence = next_ticket_sequence(hall, board, day)
    ticket = Ticket.objects.create(
        hall=hall,
        board=board,
        date=day,
        sequence=sequence,
        number=f"{board.letter}{sequence:03d}",
        id_number=normalize_id_number(id_number or ""),
        phone=(phone or "").strip(),
        priority=priority,
        appointment=appointment,
    )
    _record(ticket, action="take", before="", by=None)
    _notify_near(hall.pk, board.pk, day)
    return ticket


def _refuse(ticket: Ticket, action: str) -> TicketTransitionError:
    return TicketTransitionError(
        _("排队号 %(n)s 当前为“%(s)s”，不能%(a)s。")
        % {"n": ticket.number, "s": ticket.get_status_display(), "a": action}
    )


def _require(ticket: Ticket, action: str, label: str) -> None:
    if not can_proceed(getattr(ticket, action)):
        raise _refuse(ticket, label)


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("board", "window", "hall")
        .get(pk=ticket.pk)
    )


def _check_window(window: Window, by: User) -> None:
    if window.clerk_id != by.pk:
        raise TicketError(_("只有该窗口的窗口人员可以叫号。"), code="not_your_window")
    if window.status != WindowStatus.OPEN:
        raise TicketError(_("窗口未开放，不能叫号。"), code="window_not_open")


def _lock_window(window: Window) -> Window:
    try:
        # A savepoint, so that a refused lock leaves the caller's transaction usable.
        with transaction.atomic():
            return (
                Window.objects.select_for_update(nowait=True, of=("self",))
                .prefetch_related("boards")
                .get(pk=window.pk)
            )
    except DatabaseError as error:
        cause = error.__cause__  # psycopg2 names the SQLSTATE pgcode, psycopg 3 sqlstate
        if LOCK_NOT_AVAILABLE not in (
            getattr(cause, "pgcode", None),
            getattr(cause, "sqlstate", None),
        ):
            raise
        raise WindowBusyError(_("该窗口正在叫号，请勿重复操作。")) from error


def _close_current(window: Window, *, by: User, expected: str | None) -> None:
    """Finish the window's called or serving tickets of today before it calls the next one.

    ``expected`` is the number the clerk saw as current ("" for none); when given and the
    window's current ticket is another, the call is refused: the screen is out of date.
    """
    current = list(
        Ticket.objects.select_for_update(of=("self",))
        .filter(
            window=window,
            date=timezone.localdate(),
            status__in=fsm_sources(Ticket, "done"),
        )
        .order_by("called_at", "id")
    )
    shown = {ticket.number for ticket in current} or {""}
    if expected is not None and expected.strip() not in shown:
        raise WindowBusyError(_("窗口当前的号已变化，请刷新后再叫号。"), code="window_changed")
    now = timezone.now()
    for ticket in current:
        before = ticket.status
        ticket.done(at=now)
        ticket.save(update_fields=["status", "served_at", "done_at"])
        _record(ticket, action="done", before=before, by=by, note=recorded("叫下一位时办结"))


@transaction.atomic
def ticket_call_next(*, window: Window, by: User, current: str | None = None) -> Ticket | None:
    """Close the window's current ticket, then call the next: checked-in appointments first,
    then FIFO.

    Only the window's boards (a generalist window: any board), today's tickets. The window
    row is locked without waiting: a second call of the same window at the same moment is
    refused with ``WindowBusyError``. The ticket row is locked with ``SKIP LOCKED``, so
    another window calling at the same moment passes over it to the next one. ``current`` is
    the number the clerk's screen shows as current, if the caller knows it.
    """
    _check_window(window, by)
    window = _lock_window(window)
    _check_window(window, by)
    _close_current(window, by=by, expected=current)
    queryset = Ticket.objects.filter(
        hall_id=window.hall_id, date=timezone.localdate(), status__in=fsm_sources(Ticket, "call")
    )
    if not window.generalist:
        queryset = queryset.filter(board__in=window.boards.all())
    ticket = (
        queryset.select_for_update(skip_locked=True, of=("self",)).order_by(*_queue_order()).first()
    )
    if ticket is None:
        return None
    before = ticket.status
    ticket.call(window=window, at=timezone.now())
    ticket.save(update_fields=["status", "window", "called_at"])
    _record(ticket, action="call", before=before, by=by)
    _notify_near(ticket.hall_id, ticket.board_id, ticket.date)
    return ticket


@transaction.atomic
def ticket_recall(*, ticket: Ticket, by: User) -> Ticket:
    """Call a called ticket again (the applicant did not come up yet)."""
    ticket = _lock(ticket)
    _require(ticket, "recall", _("重呼"))
    ticket.recall(at=timezone.now())
    ticket.save(update_fields=["called_at"])
    _record(ticket, action="recall", before=ticket.status, by=by)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: Ticket, by: User) -> Ticket:
    """The called applicant did not come: the ticket lapses (过号)."""
    ticket = _lock(ticket)
    _require(ticket, "no_show", _("过号"))
    before = ticket.status
    ticket.no_show(at=timezone.now())
    ticket.save(update_fields=["status", "done_at"])
    _record(ticket, action="no_show", before=before, by=by)
    return ticket


@transaction.atomic
def ticket_serve(*, ticket: Ticket, by: User, case: Case | None = None) -> Ticket:
    """Start serving a called ticket; linking a case records the applicant's trip (visit)."""
    ticket = _lock(ticket)
    _require(ticket, "serve", _("开始办理"))
    if ticket.status != TicketStatus.SERVING:
        before = ticket.status
        ticket.serve(at=timezone.now())
        ticket.save(update_fields=["status", "served_at"])
        _record(ticket, action="serve", before=before, by=by)
    if case is not None and ticket.case_id != case.pk:
        ticket.case = case
        ticket.save(update_fields=["case"])
        _record(ticket, action="link_case", before=ticket.status, by=by, note=case.number)
        visit_record(case=case, by=by, kind=VisitKind.INTAKE, on=ticket.date)
    return ticket


@transaction.atomic
def ticket_done(*, ticket: Ticket, by: User) -> Ticket:
    """Finish serving a ticket."""
    ticket = _lock(ticket)
    _require(ticket, "done", _("办结"))
    before = ticket.status
    ticket.done(at=timezone.now())
    ticket.save(update_fields=["status", "served_at", "done_at"])
    _record(ticket, action="done", before=before, by=by)
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket: Ticket, to_board: Board, by: User) -> Ticket:
    """Send a called or serving ticket to another board: a new waiting ticket there.

    The new ticket keeps its place by the time of transfer (it joins the end of the other
    board's queue) and carries the applicant's details; the old one ends as transferred.
    """
    ticket = _lock(ticket)
    _require(ticket, "transfer", _("转板块"))
    if to_board.pk == ticket.board_id:
        raise TicketError(_("请选择另一个板块。"), code="same_board")
    check_queue(ticket.hall, to_board)
    before = ticket.status
    ticket.transfer(at=timezone.now())
    ticket.save(update_fields=["status", "done_at"])
    _record(ticket, action="transfer", before=before, by=by, note=to_board.name)
    new = ticket_take(
        hall=ticket.hall,
        board=to_board,
        id_number=ticket.id_number,
        phone=ticket.phone,
        priority=ticket.priority,
        appointment=ticket.appointment,
    )
    new.transferred_from = ticket
    new.save(update_fields=["transferred_from"])
    return new
