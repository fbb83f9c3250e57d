"""Reads of the service network."""

from django.conf import settings
from django.db.models import QuerySet

from .models import Hall, HallLevel

WEEKDAYS = [1, 2, 3, 4, 5]
DEFAULT_HOURS = [
    {"days": WEEKDAYS, "open": "09:00", "close": "12:00", "note": ""},
    {"days": WEEKDAYS, "open": "13:30", "close": "17:00", "note": ""},
]
CITY_CENTRE_CODE = "city"


def city_centre() -> Hall:
    """The city centre (市民服务中心): the first city-level hall with no parent.

    Made from the hall settings when there is none yet, so that a fresh database (or a test
    that emptied the tables) always has the hall every window, ticket and case defaults to.
    """
    hall = Hall.objects.filter(level=HallLevel.CITY, parent__isnull=True).order_by("id").first()
    if hall is None:
        hall, _created = Hall.objects.get_or_create(
            code=CITY_CENTRE_CODE,
            defaults={
                "name": settings.HALL_NAME,
                "level": HallLevel.CITY,
                "address": settings.HALL_ADDRESS,
                "phone": settings.HALL_PHONE,
                "hours": DEFAULT_HOURS,
            },
        )
    return hall


def city_centre_id() -> int:
    """The city centre's key: the default of every ``hall`` foreign key."""
    return city_centre().pk


def hall_list() -> QuerySet[Hall]:
    """Active halls, highest level first, with their parent and boards (constant queries)."""
    return (
        Hall.objects.filter(active=True)
        .select_related("parent")
        .prefetch_related("boards")
        .order_by("order", "code")
    )


def staff_hall(user) -> Hall:
    """The hall a member of staff works at: their own, else the city centre."""
    hall = getattr(user, "hall", None) if getattr(user, "hall_id", None) else None
    return hall or city_centre()
