"""Reads of home-visit requests: who sees which (constant queries per list)."""

from django.db.models import Q, QuerySet

from accounts.models import User
from cases.access import is_clerk, is_helper, is_supervisor
from halls.selectors import staff_hall

from .models import HomeVisit, HomeVisitStatus


def home_visits_for(user: User) -> QuerySet[HomeVisit]:
    """The requests ``user`` may see, newest first.

    Clerks and supervisors: every request. A helper: those assigned to them, and those
    waiting in their hall's area (or with no hall) to be taken on. Anyone else: their own.
    """
    queryset = HomeVisit.objects.select_related("matter", "hall", "helper", "case").order_by(
        "-created_at", "-id"
    )
    if not user.is_authenticated:
        return queryset.none()
    if is_clerk(user) or is_supervisor(user):
        return queryset
    if is_helper(user):
        waiting = Q(status=HomeVisitStatus.REQUESTED) & (
            Q(hall__isnull=True) | Q(hall_id=user.hall_id)
        )
        return queryset.filter(Q(helper=user) | waiting)
    return queryset.filter(requested_by=user)


def needs_contact(user: User, visit: HomeVisit, *, detail: bool = False) -> bool:
    """Whether ``user`` needs the request's phone and address whole: who asked, the helper
    who visits, and (on the request itself, not in lists) the clerks who arrange it."""
    if visit.requested_by_id == user.pk or (
        visit.helper_id is not None and visit.helper_id == user.pk
    ):
        return True
    if not (detail and is_clerk(user)):
        return False
    # The clerks who arrange it: of the visit's point or the hall right above it (a village
    # point has no clerk), never every clerk in the city.
    own = staff_hall(user)
    if visit.hall_id is None:
        return own.is_city_centre
    return own.pk in (visit.hall_id, visit.hall.parent_id)
