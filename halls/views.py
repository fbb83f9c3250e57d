"""The public pages of the service network: every hall, and one hall with what it offers."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .hours import describe_hours
from .models import LEVEL_ORDER
from .selectors import hall_list


def _with_hours(halls, now):
    for hall in halls:
        hall.hour_lines = describe_hours(hall.hours)
        hall.open_now = hall.open_at(now)
    return halls


def hall_index(request):
    now = timezone.now()
    halls = _with_hours(list(hall_list()), now)
    levels = [
        (level.label, [hall for hall in halls if hall.level == level]) for level in LEVEL_ORDER
    ]
    return render(
        request,
        "halls/hall_list.html",
        {"levels": [(label, rows) for label, rows in levels if rows], "count": len(halls)},
    )


def hall_detail(request, code: str):
    now = timezone.now()
    hall = get_object_or_404(hall_list(), code=code)
    _with_hours([hall], now)
    children = _with_hours(list(hall_list().filter(parent=hall)), now)
    return render(request, "halls/hall_detail.html", {"hall": hall, "children": children})
