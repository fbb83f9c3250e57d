"""Reads for the clerk desk: its lists, each a fixed number of queries however long."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.identity import normalize_id_number, validate_credit_code, validate_id_number
from accounts.models import IdentityKind, User
from cases.models import IN_HAND, Case, CaseStatus, Channel
from cases.selectors import case_list_for_user, cases_awaiting_intake
from matters.calendar import working_days_since

DEEMED_ACCEPTANCE_DAYS = 5
CASE_NUMBER_RE = re.compile(r"^\d{8}-\d{5}$")
HANDOVER_STATUSES = (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.READY)


@dataclass
class InboxRow:
    case: Case
    working_days: int

    @property
    def deemed_due(self) -> bool:
        """Nobody answered within 5 working days: deemed accepted at the next run (art. 32)."""
        return self.working_days >= DEEMED_ACCEPTANCE_DAYS

    @property
    def deemed_soon(self) -> bool:
        return self.working_days == DEEMED_ACCEPTANCE_DAYS - 1


def desk_inbox(*, limit: int = 100) -> tuple[list[InboxRow], int]:
    """Cases awaiting intake, oldest first, with the working days they have waited."""
    queryset = cases_awaiting_intake().annotate(
        material_count=Count("materials", distinct=True),
        received_count=Count(
            "materials",
            filter=Q(materials__status__in=IN_HAND),
            distinct=True,
        ),
    )
    cases = list(queryset[:limit])
    total = len(cases) if len(cases) < limit else cases_awaiting_intake().count()
    today = timezone.localdate()
    submitted = {
        case.pk: timezone.localdate(case.submitted_at or case.created_at) for case in cases
    }
    counts = working_days_since(list(submitted.values()), today)
    return [InboxRow(case, counts.get(submitted[case.pk], 0)) for case in cases], total


def desk_handover(*, limit: int = 100) -> tuple[list[Case], int]:
    """Results to issue or to hand over at the window (统一出件), oldest decision first."""
    queryset = (
        Case.objects.filter(status__in=HANDOVER_STATUSES)
        .select_related("matter", "bundle", "lead_department")
        .order_by("decided_at", "id")
    )
    cases = list(queryset[:limit])
    total = len(cases) if len(cases) < limit else queryset.count()
    return cases, total


def desk_window_drafts(user, *, limit: int = 20) -> list[Case]:
    """Applications this clerk started at the window and has not yet decided on."""
    return list(
        Case.objects.filter(status=CaseStatus.DRAFT, channel=Channel.WINDOW, created_by=user)
        .select_related("matter", "bundle")
        .order_by("-created_at", "-id")[:limit]
    )


def cases_of_applicant(user, identity: str, *, limit: int = 50) -> QuerySet[Case]:
    """An applicant's cases by ID number or credit code (also as the agent), newest first."""
    number = normalize_id_number(identity)
    condition = (
        Q(applicant_id_number=number) | Q(applicant_credit_code=number) | Q(agent_id_number=number)
    )
    return case_list_for_user(user).filter(condition)[:limit]


def looks_like_case_number(text: str) -> bool:
    return bool(CASE_NUMBER_RE.match(text.strip()))


def applicant_prefill(identity: str) -> dict:
    """The applicant's details for a new form (一表登记): from the account holding the ID
    number or credit code, else from their latest case; empty when unknown."""
    number = normalize_id_number(identity)
    if not number:
        return {}
    user = User.objects.filter(Q(id_number=number) | Q(credit_code=number)).first()
    if user is not None:
        kind = user.identity_kind or IdentityKind.PERSON
        return {
            "kind": kind,
            "name": user.name,
            "id_number": user.id_number,
            "credit_code": user.credit_code,
            "phone": user.phone,
        }
    case = (
        Case.objects.filter(Q(applicant_id_number=number) | Q(applicant_credit_code=number))
        .order_by("-created_at", "-id")
        .first()
    )
    if case is not None:
        return {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "credit_code": case.applicant_credit_code,
            "phone": case.applicant_phone,
        }
    try:
        validate_id_number(number)
    except ValidationError:
        try:
            validate_credit_code(number)
        except ValidationError:
            return {}
        return {"kind": IdentityKind.COMPANY, "credit_code": number}
    return {"kind": IdentityKind.PERSON, "id_number": number}
