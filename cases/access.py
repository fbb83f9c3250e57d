"""Who may see and act on a case.

- citizen: own cases (``owner``);
- clerk: every case (one-window intake serves all boards);
- approver: cases with a review for the approver's department;
- supervisor and superuser: every case.
"""

from django.db.models import Q, QuerySet

from accounts import roles
from accounts.models import User

from .models import Case

SYSTEM = "system"


def actor_role(user: User | None) -> str:
    """The role an actor acts in, for the audit trail."""
    if user is None:
        return SYSTEM
    for role in (roles.CLERK, roles.APPROVER, roles.SUPERVISOR, roles.CATALOG_ADMIN):
        if user.has_role(role):
            return role
    if user.is_superuser:
        return "admin"
    return roles.CITIZEN


def is_clerk(user: User) -> bool:
    return user.is_authenticated and user.has_role(roles.CLERK)


def is_approver(user: User) -> bool:
    return user.is_authenticated and user.has_role(roles.APPROVER)


def is_supervisor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(roles.SUPERVISOR))


def is_staff_viewer(user: User) -> bool:
    return is_clerk(user) or is_supervisor(user)


def visible_cases(user: User, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if is_staff_viewer(user):
        return queryset
    condition = Q(owner=user)
    if is_approver(user) and user.department_id:
        condition |= Q(reviews__department_id=user.department_id)
    return queryset.filter(condition).distinct()


def can_view(user: User, case: Case) -> bool:
    """Whether ``user`` may see ``case`` and its files."""
    if not user.is_authenticated:
        return False
    if is_staff_viewer(user) or case.owner_id == user.pk:
        return True
    return (
        is_approver(user)
        and user.department_id is not None
        and case.reviews.filter(department_id=user.department_id).exists()
    )


def can_act_as_applicant(user: User, case: Case) -> bool:
    """The owner, or a clerk acting for the applicant at the window."""
    return user.is_authenticated and (case.owner_id == user.pk or is_clerk(user))
