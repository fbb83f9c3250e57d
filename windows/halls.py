"""Which hall a queue belongs to, and which boards it serves.

The kiosk, the board, tickets and appointment slots are per hall. A hall serves the boards it
lists (``Hall.boards``); the city centre, when it lists none (as made from the settings),
serves every board.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from halls.models import Hall
from halls.selectors import city_centre
from matters.models import Board

from .exceptions import TicketError


def boards_served(hall: Hall) -> QuerySet[Board]:
    """The boards ``hall`` serves, in board order (one query when read)."""
    listed = Hall.boards.through.objects.filter(hall_id=hall.pk)
    boards = Board.objects.order_by("order", "code")
    condition = Exists(listed.filter(board_id=OuterRef("pk")))
    if hall.is_city_centre:
        condition |= ~Exists(listed)
    return boards.filter(condition)


def serves(hall: Hall, board: Board) -> bool:
    return boards_served(hall).filter(pk=board.pk).exists()


def queue_hall(code: str | None) -> Hall:
    """The active hall of ``code`` (none given: the city centre), or ``Hall.DoesNotExist``."""
    if not code:
        return city_centre()
    return Hall.objects.get(code=code, active=True)


def check_queue(hall: Hall, board: Board | None = None) -> None:
    """Refuse a ticket at a hall without a queue, or for a board the hall does not serve."""
    if not hall.has_queue:
        raise TicketError(
            _("%(hall)s不设排队叫号，请到设有窗口的便民服务中心取号。") % {"hall": hall.name},
            code="no_queue",
        )
    if board is not None and not serves(hall, board):
        raise TicketError(
            _("%(hall)s不办理“%(board)s”业务。") % {"hall": hall.name, "board": board.name},
            code="board_not_served",
        )
