"""Demo windows for ``seed_demo``: the city centre's (clerk1 and clerk2 at generalist windows,
board windows) and, at every other hall with windows, a generalist window for its clerk
``clerk-<code>`` and a board window or two; appointment slots at every hall with a queue."""

from django.db import transaction

from accounts.models import User
from halls.models import Hall
from halls.selectors import city_centre

from .halls import boards_served
from .models import Window, WindowStatus

GENERALIST = ((1, "全科窗口一", "clerk1"), (2, "全科窗口二", "clerk2"))
FIRST_BOARD_WINDOW = 3
BOARD_WINDOWS = 4
# At a district or town centre: one generalist window and this many board windows.
HALL_BOARD_WINDOWS = 2


def _board_windows(hall: Hall, boards, first: int) -> int:
    created = 0
    for offset, board in enumerate(boards):
        window, made = Window.objects.get_or_create(
            hall=hall,
            number=first + offset,
            defaults={"name": f"{board.name}窗口", "status": WindowStatus.OPEN},
        )
        if made:
            window.boards.add(board)
        created += made
    return created


@transaction.atomic
def seed_windows() -> int:
    """Create the demo windows of every hall with windows (idempotent: existing ones are left
    as they are); return how many were created."""
    centre = city_centre()
    created = 0
    for number, name, username in GENERALIST:
        clerk = User.objects.filter(username=username).first()
        _window, made = Window.objects.get_or_create(
            hall=centre,
            number=number,
            defaults={
                "name": name,
                "generalist": True,
                "clerk": clerk,
                "status": WindowStatus.OPEN,
            },
        )
        created += made
    boards = list(boards_served(centre)[:BOARD_WINDOWS])
    created += _board_windows(centre, boards, FIRST_BOARD_WINDOW)
    others = Hall.objects.filter(has_windows=True, active=True).exclude(pk=centre.pk)
    for hall in others.order_by("order", "code"):
        clerk = User.objects.filter(username=f"clerk-{hall.code}").first()
        _window, made = Window.objects.get_or_create(
            hall=hall,
            number=1,
            defaults={
                "name": "全科窗口",
                "generalist": True,
                "clerk": clerk,
                "status": WindowStatus.OPEN,
            },
        )
        created += made
        boards = list(boards_served(hall)[:HALL_BOARD_WINDOWS])
        created += _board_windows(hall, boards, 2)
    return created


def seed_slots(*, working_days: int = 10, capacity: int = 5) -> int:
    """Open the default appointment slots of every board of every hall with a queue for the
    coming working days (idempotent); return how many were new."""
    from django.utils import timezone

    from matters.calendar import add_working_days

    from .services import slots_open_for_days

    today = timezone.localdate()
    created = 0
    for hall in Hall.objects.filter(has_queue=True, active=True).order_by("order", "code"):
        created += slots_open_for_days(
            hall=hall,
            start=today,
            end=add_working_days(today, working_days),
            capacity=capacity,
        )
    return created
