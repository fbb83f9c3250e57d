"""我的办件: the list, a case with its timeline, resubmission, withdrawal, rating."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matters.models import DeliveryMethod

from .. import services
from ..access import (
    applicant_side_condition,
    can_act_as_applicant,
    can_authorise_helper,
    can_commit_deferral,
)
from ..exceptions import CaseError, MissingMaterialsError
from ..forms import CommitmentForm, RatingForm, WithdrawForm
from ..labels import event_label, role_label
from ..models import (
    Case,
    CaseStatus,
    MaterialStatus,
    Rating,
    fsm_sources,
)
from ..selectors import case_list_for_user
from .common import (
    CASES_PER_PAGE,
    _error_dict,
    _load_roles,
    _material_rows,
    _owned_case,
    _upload,
    _upload_context,
    _validation_messages,
)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """My cases, newest first (a constant number of queries whatever their number)."""
    user = _load_roles(request.user)
    # Mine: filed by me online, or mine as the applicant (also when a clerk took it in).
    queryset = case_list_for_user(user).filter(applicant_side_condition(user))
    page = Paginator(queryset, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"page": page, "cases": page.object_list})


def _timeline(case: Case) -> list[dict]:
    """The case's history for its applicant: no staff-internal notes, roles instead of names."""
    entries = []
    for event in case.events.all():
        if event.internal:
            continue
        entries.append(
            {
                "at": event.at,
                "label": event_label(event),
                "status_label": CaseStatus(event.to_status).label
                if event.to_status and event.to_status != event.from_status
                else "",
                "actor": role_label(event.actor_role),
                "note": event.note,
            }
        )
    return entries


def _render_detail(
    request: HttpRequest,
    case: Case,
    *,
    upload_errors: dict[int, str] | None = None,
    refused: list[dict] | None = None,
    rating_form: RatingForm | None = None,
    commitment_form: CommitmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_act = can_act_as_applicant(request.user, case)
    rows = _material_rows(case, errors=upload_errors, can_act=can_act)
    trips = len(case.visits.all())
    actions = case.available_actions(request.user)
    rating = Rating.objects.filter(case=case).first() if case.is_issued else None
    events = list(case.events.all())
    was_denied = any(event.to_status == CaseStatus.DENIED for event in events)
    return render(
        request,
        "cases/case_detail.html",
        {
            **_upload_context(case, rows, upload_view="cases:case-detail", viewer=request.user),
            "timeline": _timeline(case),
            # Papers of the documents app (above cases), prefetched by the selector.
            # A pending paper renders on its first download.
            "documents": [d for d in case.documents.all() if d.status != "failed"],
            "transfers": list(case.transfers.all()),
            "trips": trips,
            "one_trip": trips <= 1,
            "asked": [
                row
                for row in rows
                if row.material.status == MaterialStatus.MISSING
                and (row.material.reason or row.material.needed_at_submission)
            ],
            "deferred": [row for row in rows if row.material.status == MaterialStatus.DEFERRED],
            "addable": [
                row
                for row in rows
                if case.can("accept")
                and row.material.status == MaterialStatus.MISSING
                and row.material.required
            ],
            "refused": refused or [],
            "can_act": can_act,
            "can_withdraw": "withdraw" in actions,
            "can_resubmit": "resubmit" in actions,
            "show_decision": bool(case.decision_note)
            and (case.status in (CaseStatus.DENIED, CaseStatus.REJECTED) or was_denied),
            "rateable": "rate" in actions,
            "rating": rating,
            "rating_form": rating_form or RatingForm(),
            "courier": case.delivery_method == DeliveryMethod.COURIER,
            **_commitment_context(request, case, rows, commitment_form),
            **_helper_context(request, case),
            **_tracking_context(case),
        },
        status=status,
    )


def _commitment_context(
    request: HttpRequest, case: Case, rows: list, form: CommitmentForm | None
) -> dict:
    """The online 容缺 commitment: the one given, and the step to give it (or change it)."""
    given = getattr(case, "commitment", None) if case.channel == "online" else None
    committable = services.committable_materials([row.material for row in rows])
    offered = bool(committable) and case.commitment_open and can_commit_deferral(request.user, case)
    if not offered:
        return {"commitment": given, "commitment_offered": False}
    due = given.due_date if given else services.default_commitment_date()
    if form is None:
        form = CommitmentForm(initial={"due_date": due})
    names = [m.material_type.name for m in committable]
    # The words name a date only when it is the one that will be recorded (the date given, or
    # the one just submitted); before that they say "the date chosen" (the picker may change).
    shown = given.due_date if given else None
    if form.is_bound:
        form.is_valid()  # a valid date is kept even when the box was not ticked
        shown = form.cleaned_data.get("due_date") or shown
    return {
        "commitment": given,
        "commitment_offered": True,
        "commitment_form": form,
        "commitment_materials": names,
        "commitment_preview": services.commitment_text(names, shown),
    }


def _helper_context(request: HttpRequest, case: Case) -> dict:
    """首接负责制 and the helper: who answers for the case (with a phone), and the resident's
    online authorisation of the helper (given, or the button to give it)."""
    person = case.first_responsible
    phone = ""
    if person is not None:
        phone = (person.hall.phone if person.hall_id else "") or person.phone
    given = getattr(case, "helper_authorisation", None) if case.helper_id else None
    offered = (
        case.helper_id is not None
        and given is None
        and case.status in fsm_sources(Case, "submit", "accept")
        and can_authorise_helper(request.user, case)
    )
    return {
        "first_responsible_phone": phone,
        "helper_authorisation": given,
        "authorise_offered": offered,
    }


def _tracking_context(case: Case) -> dict:
    """The courier's tracking of the result (prefetched with the case), in time order."""
    shipment = getattr(case, "shipment", None)
    if shipment is None:
        return {"shipment": None, "tracking": []}
    return {"shipment": shipment, "tracking": list(shipment.history.all())}


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One of my cases: status, what is missing and by when, uploads, timeline, actions."""
    case = _owned_case(request, number)
    if request.method == "POST":
        ok, errors, status = _upload(request, case)
        if ok:
            url = reverse("cases:case-detail", kwargs={"number": case.number})
            return redirect(f"{url}#material-{request.POST.get('requirement')}")
        return _render_detail(request, case, upload_errors=errors, status=status)
    return _render_detail(request, case)


@login_required
@require_POST
def case_resubmit(request: HttpRequest, number: str) -> HttpResponse:
    """Resubmit after the supplement (补正); a refusal names everything still missing."""
    case = _owned_case(request, number)
    try:
        services.case_resubmit(case=case, by=request.user)
    except MissingMaterialsError as error:
        return _render_detail(request, case, refused=error.missing, status=error.status_code)
    except CaseError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("补正材料已重新提交，办理时限恢复计算。"))
    return redirect("cases:case-detail", number=case.number)


@login_required
@require_POST
def case_commit(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant confirms the 容缺 commitment online (which materials, by when)."""
    case = _owned_case(request, number)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, case, commitment_form=form, status=400)
    try:
        services.case_commit_deferral(
            case=case, by=request.user, due_date=form.cleaned_data["due_date"]
        )
    except ValidationError as error:
        for field, field_errors in _error_dict(error).items():
            form.add_error("due_date" if field == "due_date" else None, field_errors)
        return _render_detail(request, case, commitment_form=form, status=400)
    except CaseError as error:
        messages.error(request, error.detail)
        return redirect("cases:case-detail", number=case.number)
    messages.success(request, _("已确认容缺承诺。窗口将据此办理容缺受理，请按期补齐材料。"))
    url = reverse("cases:case-detail", kwargs={"number": case.number})
    return redirect(f"{url}#commitment")


@login_required
@require_POST
def case_authorise(request: HttpRequest, number: str) -> HttpResponse:
    """The resident confirms online that the helper files the case for them."""
    case = _owned_case(request, number)
    try:
        services.case_authorise_helper(case=case, by=request.user)
    except CaseError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已确认委托代办员办理。"))
    url = reverse("cases:case-detail", kwargs={"number": case.number})
    return redirect(f"{url}#helper")


@login_required
def case_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw the application, after a confirmation with the reason."""
    case = _owned_case(request, number)
    if "withdraw" not in case.available_actions(request.user):
        messages.error(
            request,
            _("办件当前状态为“%(status)s”，不能撤回。") % {"status": case.get_status_display()},
        )
        return redirect("cases:case-detail", number=case.number)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_withdraw(case=case, by=request.user, reason=form.cleaned_data["reason"])
        except CaseError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("申请已撤回。"))
        return redirect("cases:case-detail", number=case.number)
    return render(
        request,
        "cases/withdraw.html",
        {"case": case, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def case_rate(request: HttpRequest, number: str) -> HttpResponse:
    """Rate the case once, on the national five levels (好差评)."""
    case = _owned_case(request, number)
    form = RatingForm(request.POST)
    if Rating.objects.filter(case=case).exists():
        messages.error(request, _("该办件已经评价过了。"))
        return redirect(f"{reverse('cases:case-detail', kwargs={'number': case.number})}#rating")
    if not form.is_valid():
        return _render_detail(request, case, rating_form=form, status=400)
    try:
        services.rating_create(
            case=case,
            by=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            about=form.cleaned_data["about"],
        )
    except CaseError as error:
        messages.error(request, error.detail)
    except ValidationError as error:
        messages.error(request, "；".join(_validation_messages(error)))
    else:
        messages.success(request, _("感谢您的评价！"))
    return redirect(f"{reverse('cases:case-detail', kwargs={'number': case.number})}#rating")


# Public tracking -------------------------------------------------------------------------
