"""The demo city for ``seed_demo``, modelled on the seeds: a city centre (市民服务中心), a
district and a town/street centre (便民服务中心) and village/community points (代办点) with
helpers (代办员), such as Xinjia's 红色代办站 with weekend duty days and evening service."""

from django.db import transaction

from matters.models import Board

from .models import Hall, HallLevel
from .selectors import city_centre

WEEKDAYS = [1, 2, 3, 4, 5]
OFFICE = [
    {"days": WEEKDAYS, "open": "09:00", "close": "12:00", "note": ""},
    {"days": WEEKDAYS, "open": "13:30", "close": "17:00", "note": ""},
]
# 星期六、星期日全天值班 and 延时服务 on weekday evenings (Xinjia).
DUTY = [
    {"days": WEEKDAYS, "open": "08:30", "close": "17:00", "note": ""},
    {"days": WEEKDAYS, "open": "17:00", "close": "19:30", "note": "延时服务"},
    {"days": [6, 7], "open": "09:00", "close": "16:00", "note": "周末值班"},
]
VILLAGE = [
    {"days": WEEKDAYS, "open": "08:30", "close": "11:30", "note": ""},
    {"days": WEEKDAYS, "open": "14:00", "close": "17:00", "note": ""},
]

# What residents most often need near home (就近办): social affairs, social and medical
# insurance, police services and the rest.
NEARBY = ("social", "insurance", "police", "general")

# code, name, level, parent code, address, phone, hours, windows and queue, boards (None: all)
HALLS = (
    (
        "xincheng",
        "新城区便民服务中心",
        HallLevel.DISTRICT,
        "city",
        "新城区人民路 18 号",
        "0571-23456",
        OFFICE,
        True,
        None,
    ),
    (
        "xinjia",
        "新嘉街道便民服务中心",
        HallLevel.TOWN,
        "xincheng",
        "新嘉街道新嘉路 66 号",
        "0571-34567",
        DUTY,
        True,
        NEARBY,
    ),
    (
        "xinjia-hongse",
        "新嘉街道红色代办站",
        HallLevel.VILLAGE,
        "xinjia",
        "新嘉街道新嘉社区党群服务中心一楼",
        "0571-34568",
        DUTY,
        False,
        NEARBY,
    ),
    (
        "hehua",
        "荷花村代办点",
        HallLevel.VILLAGE,
        "xinjia",
        "新嘉街道荷花村村委会",
        "0571-34569",
        VILLAGE,
        False,
        NEARBY,
    ),
    (
        "zhulin",
        "竹林社区代办点",
        HallLevel.VILLAGE,
        "xincheng",
        "新城区竹林社区服务站",
        "0571-23457",
        VILLAGE,
        False,
        NEARBY,
    ),
)
# Helpers at village points, clerks at every other hall with windows (clerk-<code>).
HELPERS = (("helper1", "周敏", "hehua"), ("helper2", "吴强", "zhulin"))


@transaction.atomic
def seed_halls() -> int:
    """Create the demo halls when missing (existing ones are left alone); return how many."""
    centre = city_centre()
    if not centre.hours:
        centre.hours = OFFICE
        centre.save(update_fields=["hours"])
    boards = list(Board.objects.order_by("order", "code"))
    if not centre.boards.exists():
        centre.boards.set(boards)
    by_code = {centre.code: centre, "city": centre}
    created = 0
    for order, (code, name, level, parent, address, phone, hours, queue, served) in enumerate(
        HALLS, start=1
    ):
        hall, made = Hall.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent": by_code.get(parent),
                "address": address,
                "phone": phone,
                "hours": hours,
                "has_windows": queue,
                "has_queue": queue,
                "order": order,
            },
        )
        if made:
            # ``served``: the codes of the boards it serves (NEARBY), None for every board.
            hall.boards.set(boards if served is None else [b for b in boards if b.code in served])
        by_code[code] = hall
        created += made
    return created
