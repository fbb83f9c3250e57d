"""Who may see and act on a case.

The applicant's side of a case:
- the applicant's account: ``owner`` (set at filing to the account whose identity is the
  applicant's), or any account whose ID number / credit code is the applicant's;
- for an online case, the account that filed it (``created_by``): the applicant, or an agent
  (代办) holding the applicant's power of attorney.

Staff:
- clerk: every case except online drafts, which are the applicant's alone until submitted
  (one-window intake serves all boards);
- approver: cases with a review for the approver's department;
- supervisor and superuser: every case except online drafts.

Helpers (代办员): a case a helper files for a resident (``Case.helper``) is on the applicant
side of the helper carrying it and of the resident's own account, and of nobody else; a
helper sees only the cases they carry and those they were made first responsible person for
(never another helper's otherwise, nor the clerk's view).

Acting as the applicant (submit, upload, withdraw, resubmit, edit a draft): the applicant's
side on an online case (a helper's case included); on a window case the clerk, and the
applicant's account once the clerk has handed it in.

首接负责制: the first responsible person is reassigned by a clerk, a supervisor or the
first responsible person themself (``can_reassign_first_responsible``).
"""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts import roles
from accounts.compiled import rows_by
from accounts.models import IdentityKind, User

from .models import Case, CaseStatus, Channel, Review

SYSTEM = "system"


def actor_role(user: User | None) -> str:
    """The role an actor acts in, for the audit trail."""
    if user is None:
        return SYSTEM
    for role in (roles.CLERK, roles.APPROVER, roles.SUPERVISOR, roles.CATALOG_ADMIN, roles.HELPER):
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


def is_helper(user: User) -> bool:
    """A helper (代办员) who is not also a clerk or supervisor (those see as staff)."""
    return user.is_authenticated and user.has_role(roles.HELPER) and not is_staff_viewer(user)


def is_case_helper(user: User, case: Case) -> bool:
    """The helper carrying ``case``."""
    return case.helper_id is not None and case.helper_id == user.pk and is_helper(user)


def account_identity(user: User) -> tuple[str, str]:
    """``(applicant kind, identity number)`` the account stands for; empty without one."""
    if not user.is_authenticated:
        return "", ""
    if user.identity_kind == IdentityKind.COMPANY:
        return (IdentityKind.COMPANY, user.credit_code) if user.credit_code else ("", "")
    # A person's account (also one made before identity kinds were recorded).
    return (IdentityKind.PERSON, user.id_number) if user.id_number else ("", "")


def is_own_identity(user: User, kind: str, identity: str) -> bool:
    """Whether the applicant ``(kind, identity)`` is the account holder themself."""
    own_kind, own = account_identity(user)
    return bool(own) and own_kind == kind and own.upper() == (identity or "").upper()


def _identity_condition(user: User) -> Q | None:
    kind, identity = account_identity(user)
    if kind == IdentityKind.PERSON:
        return Q(applicant_kind=IdentityKind.PERSON, applicant_id_number=identity)
    if kind == IdentityKind.COMPANY:
        return Q(applicant_kind=IdentityKind.COMPANY, applicant_credit_code=identity)
    return None


def applicant_side_condition(user: User) -> Q:
    """Cases on whose applicant side ``user`` stands (see the module docstring)."""
    if is_helper(user):
        return Q(helper=user)
    condition = Q(owner=user) | Q(channel=Channel.ONLINE, created_by=user)
    identity = _identity_condition(user)
    return condition | identity if identity is not None else condition


def is_applicant_account(user: User, case: Case) -> bool:
    """The applicant's own account: the owner, or the account of the applicant's identity."""
    if not user.is_authenticated:
        return False
    return case.owner_id == user.pk or is_own_identity(
        user, case.applicant_kind, case.applicant_identity
    )


def is_applicant_side(user: User, case: Case) -> bool:
    """The applicant's account, or the account that filed the case online (the agent); on a
    helper's case the helper carrying it instead of whoever filed it."""
    if case.helper_id is not None:
        return is_applicant_account(user, case) or is_case_helper(user, case)
    return is_applicant_account(user, case) or (
        user.is_authenticated and case.channel == Channel.ONLINE and case.created_by_id == user.pk
    )


def _online_draft(case: Case) -> bool:
    return case.channel == Channel.ONLINE and case.status == CaseStatus.DRAFT


def visible_cases(user: User, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    own = applicant_side_condition(user)
    if is_helper(user):
        # And the cases they answer for (首接负责制), once handed to them: seen, not acted on.
        return queryset.filter(own | Q(first_responsible=user))
    if is_staff_viewer(user):
        return queryset.filter(~Q(channel=Channel.ONLINE, status=CaseStatus.DRAFT) | own)
    condition = own
    if is_approver(user) and user.department_id:
        # A semi-join, not a join: no DISTINCT over every case, and the list's order index
        # stays usable.
        reviewed = Review.objects.filter(
            case=OuterRef("pk"),
            department_id=user.department_id,
            # Always true; a correlation PostgreSQL cannot hash keeps the check a probe of
            # the (case, department) index per case read, instead of hashing every review
            # of the department on each list (``bench/lists.py``).
            case_id__lte=OuterRef("pk"),
        )
        condition |= Q(Exists(reviewed))
    return queryset.filter(condition)


def _plain_cases() -> QuerySet[Case]:
    return Case.objects.all()


def visible_case(
    user: User,
    number: str,
    queryset: QuerySet[Case] | Callable[[], QuerySet[Case]] | None = None,
    *,
    name: str = "case_by_number",
) -> Case | None:
    """The case numbered ``number`` if ``user`` may see it (``visible_cases``), else None.

    Every API call on one case starts here: the row is read by its number (from ``queryset``,
    the plain case by default, or the function that builds it; ``name`` names that read) with
    a statement prepared once per connection, and the rules of ``visible_cases`` that the row
    itself answers let it through (``_plainly_visible``); only otherwise does the query decide.
    """
    if not user.is_authenticated:
        return None
    found = rows_by(name, _plain_cases if queryset is None else queryset, "number", number)
    if not found:
        return None
    case = found[0]
    if _plainly_visible(user, case) or visible_cases(user).filter(pk=case.pk).exists():
        return case
    return None


class CaseLookup:
    """The case numbered ``number``, if ``user`` may see it, read by the command it is given
    to when that command locks it (``lock_case``): a command reads its case once, locked. A
    case the caller may not see raises ``Case.DoesNotExist`` there, before anything is done;
    ``found`` is the case once read."""

    def __init__(self, user: User, number: str) -> None:
        self.user, self.number = user, number
        self.found: Case | None = None

    def read(self, queryset: QuerySet[Case] | Callable[[], QuerySet[Case]], name: str) -> Case:
        case = visible_case(self.user, self.number, queryset, name=name)
        if case is None:
            raise Case.DoesNotExist(f"No case {self.number} for this caller")
        self.found = case
        return case


def _plainly_visible(user: User, case: Case) -> bool:
    """Whether ``case`` meets one of the conditions of ``visible_cases(user)`` as its row
    shows: True only where that query lets the case through (the same equalities); False
    leaves the answer to the query (a refusal, or an approver's reviews not read with it)."""
    if is_helper(user):
        return user.pk in (case.helper_id, case.first_responsible_id)
    if case.owner_id == user.pk or (
        case.channel == Channel.ONLINE and case.created_by_id == user.pk
    ):
        return True
    kind, identity = account_identity(user)
    if kind and case.applicant_kind == kind:
        number = (
            case.applicant_credit_code if kind == IdentityKind.COMPANY else case.applicant_id_number
        )
        if number == identity:
            return True
    if is_staff_viewer(user):
        return not _online_draft(case)
    return (
        is_approver(user)
        and user.department_id is not None
        and _reviewed_by(case, user.department_id)
    )


def _reviewed_by(case: Case, department_id: int) -> bool:
    """Whether the reviews read with the case (the answer's rows, or prefetched) include one
    of the department's; False when they were not read with it."""
    rows = case.__dict__.get("review_rows")
    if rows is not None:
        return any(row["department_id"] == department_id for row in rows)
    prefetched = case.__dict__.get("_prefetched_objects_cache", {}).get("reviews")
    if prefetched is not None:
        return any(review.department_id == department_id for review in prefetched)
    return False


def can_view(user: User, case: Case) -> bool:
    """Whether ``user`` may see ``case`` and its files."""
    if not user.is_authenticated:
        return False
    if is_applicant_side(user, case):
        return True
    if is_staff_viewer(user):
        return not _online_draft(case)
    if is_helper(user) and case.first_responsible_id == user.pk:
        return True
    return (
        is_approver(user)
        and user.department_id is not None
        and case.reviews.filter(department_id=user.department_id).exists()
    )


def can_act_as_applicant(user: User, case: Case) -> bool:
    """Whether ``user`` may submit, upload to, withdraw or resubmit ``case``.

    Online: the applicant's side only, never a clerk. At the window: the clerk for the
    applicant in front of them, and the applicant's account once the case is handed in.
    """
    if not user.is_authenticated:
        return False
    if case.channel == Channel.ONLINE:
        return is_applicant_side(user, case)
    if is_clerk(user):
        return True
    return case.status != CaseStatus.DRAFT and is_applicant_account(user, case)


def can_commit_deferral(user: User, case: Case) -> bool:
    """The online 容缺 commitment is the applicant's own word: their account, or the agent
    who filed the case for them (with the power of attorney). Never staff; a walk-in
    applicant signs the paper 承诺书 at the window instead."""
    return (
        user.is_authenticated
        and case.channel == Channel.ONLINE
        and not is_staff_viewer(user)
        and is_applicant_side(user, case)
    )


def can_rate(user: User, case: Case) -> bool:
    """The rating is the applicant's: their account, or the online agent when the applicant
    has no account of their own. Never staff."""
    if not user.is_authenticated or is_staff_viewer(user) or is_helper(user):
        return False
    if is_applicant_account(user, case):
        return True
    return (
        case.channel == Channel.ONLINE and case.owner_id is None and case.created_by_id == user.pk
    )


def can_authorise_helper(user: User, case: Case) -> bool:
    """The resident's own online confirmation of the helper's filing: their account only
    (never the helper, never staff)."""
    return (
        user.is_authenticated
        and case.helper_id is not None
        and not is_staff_viewer(user)
        and not is_helper(user)
        and is_applicant_account(user, case)
    )


def can_reassign_first_responsible(user: User, case: Case) -> bool:
    """A clerk, a supervisor, or the first responsible person themself."""
    if not user.is_authenticated:
        return False
    if is_clerk(user) or is_supervisor(user):
        return True
    return case.first_responsible_id is not None and case.first_responsible_id == user.pk
