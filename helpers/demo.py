"""Demo data of home-visit help: one request waiting at 荷花村代办点 (for helper1 to take on)."""

from django.db import transaction

from accounts.models import User
from halls.models import Hall

from .models import HomeVisit, HomeVisitChannel

DEMO_ADDRESS = "新嘉街道荷花村3组12号"


@transaction.atomic
def seed_home_visits() -> int:
    """Create the demo request when missing (by citizen1, for their mother); how many made."""
    requester = User.objects.filter(username="citizen1").first()
    hall = Hall.objects.filter(code="hehua").first()
    if requester is None or hall is None:
        return 0
    if HomeVisit.objects.filter(requested_by=requester, address=DEMO_ADDRESS).exists():
        return 0
    HomeVisit.objects.create(
        name="张秀英",
        phone="13857301009",
        address=DEMO_ADDRESS,
        reason="母亲八十六岁，腿脚不便，需办理老年优待相关事项。",
        hall=hall,
        channel=HomeVisitChannel.ONLINE,
        requested_by=requester,
    )
    return 1
