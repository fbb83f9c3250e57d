"""Demo windows for ``seed_demo``: clerk1 and clerk2 at generalist windows, board windows."""

from django.db import transaction

from accounts.models import User
from matters.models import Board

from .models import Window, WindowStatus

GENERALIST = ((1, "全科窗口一", "clerk1"), (2, "全科窗口二", "clerk2"))
FIRST_BOARD_WINDOW = 3
BOARD_WINDOWS = 4


@transaction.atomic
def seed_windows() -> int:
    """Create the demo windows (idempotent: existing ones are left as they are); return how
    many were created."""
    created = 0
    for number, name, username in GENERALIST:
        clerk = User.objects.filter(username=username).first()
        _window, made = Window.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "generalist": True,
                "clerk": clerk,
                "status": WindowStatus.OPEN,
            },
        )
        created += made
    boards = list(Board.objects.order_by("order", "code")[:BOARD_WINDOWS])
    for offset, board in enumerate(boards):
        window, made = Window.objects.get_or_create(
            number=FIRST_BOARD_WINDOW + offset,
            defaults={"name": f"{board.name}窗口", "status": WindowStatus.OPEN},
        )
        if made:
            window.boards.add(board)
        created += made
    return created


def seed_slots(*, working_days: int = 10, capacity: int = 5) -> int:
    """Open the default appointment slots of every board for the coming working days
    (idempotent); return how many were new."""
    from django.utils import timezone

    from matters.calendar import add_working_days

    from .services import slots_open_for_days

    today = timezone.localdate()
    return slots_open_for_days(
        boards=list(Board.objects.all()),
        start=today,
        end=add_working_days(today, working_days),
        capacity=capacity,
    )
