"""What every page's frame shows: the footer's facts and the elderly-friendly mode."""

from django.conf import settings
from django.http import HttpRequest

from notices.inbox import inbox_unread_count


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        # One indexed count per signed-in page (partial index notice_unread_inbox), called by
        # the template only where the navigation shows it.
        "unread_messages": (
            (lambda: inbox_unread_count(user)) if user is not None and user.is_authenticated else 0
        ),
        "care_mode": request.COOKIES.get(settings.CARE_MODE_COOKIE) == "1",
        "footer": {
            "sponsor": settings.HALL_SPONSOR,
            "operator": settings.HALL_OPERATOR,
            "address": settings.HALL_ADDRESS,
            "email": settings.HALL_EMAIL,
            "icp_filing": settings.SITE_ICP_FILING,
            "security_filing": settings.SITE_SECURITY_FILING,
            "gov_code": settings.SITE_GOV_CODE,
        },
    }
