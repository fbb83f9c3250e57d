"""Pages: the helper's workbench (代办工作台) and home-visit requests (上门代办)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.exceptions import DomainError
from cases import services as case_services
from cases.access import is_clerk, is_helper, is_supervisor
from cases.selectors import case_list_for_user

from . import services
from .forms import AssignForm, HelperFilingForm, HomeVisitForm
from .models import HomeVisitStatus
from .selectors import home_visits_for, needs_contact
from .serializers import mask_address

CASES_PER_PAGE = 20
VISITS_SHOWN = 50


def _with_roles(user):
    prefetch_related_objects([user], "groups")
    return user


def _add_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else []:
        name = field.split(".")[-1]
        form.add_error(name if name in form.fields else None, errors)
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)


def _visit_rows(user, visits, *, detail: bool = False) -> list[dict]:
    """The requests as a page shows them: phone and address whole only for who needs them."""
    rows = []
    for visit in visits:
        whole = needs_contact(user, visit, detail=detail)
        rows.append(
            {
                "visit": visit,
                "phone": visit.phone if whole else visit.phone[:3] + "****" + visit.phone[-4:],
                "address": visit.address if whole else mask_address(visit.address),
                "name": visit.name if whole else visit.name[:1] + "*" * (len(visit.name) - 1),
            }
        )
    return rows


def _file(user, form: HelperFilingForm):
    """File the case (on a home visit when the form names one), with the 委托书 if given:
    all of it or nothing."""
    data = form.cleaned_data
    applicant = case_services.Applicant(
        kind="person", name=data["name"], phone=data["phone"], id_number=data["id_number"]
    )
    delivery = case_services.Delivery(hall=data.get("pickup_hall") or "")
    with transaction.atomic():
        if data.get("home_visit"):
            visit = get_object_or_404(home_visits_for(user), pk=data["home_visit"])
            case = services.home_visit_file(
                visit=visit,
                by=user,
                applicant=applicant,
                matter=data["matter"],
                delivery=delivery,
            )
        else:
            case = case_services.case_create(
                by=user,
                applicant=applicant,
                matter=data["matter"],
                delivery=delivery,
            )
        upload = data.get("power_of_attorney")
        if upload:
            # No requirement: the power of attorney (added to the case, or the guide's own).
            case_services.material_upload(case=case, by=user, requirement_id=None, upload=upload)
    return case


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """代办工作台: file for a resident who asks; the cases carried; the home visits."""
    user = _with_roles(request.user)
    if not is_helper(user):
        raise PermissionDenied
    initial = {}
    visit_id = request.GET.get("home_visit", "")
    if visit_id.isdigit():
        visit = home_visits_for(user).filter(pk=visit_id, helper=user).first()
        if visit is not None:
            initial = {"name": visit.name, "phone": visit.phone, "home_visit": visit.pk}
            if visit.matter_id:
                initial["matter"] = visit.matter_id
    form = HelperFilingForm(
        request.POST or None, request.FILES or None, hall=user.hall, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = _file(user, form)
            except ValidationError as error:
                _add_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(
                    request,
                    _("已为申请人创建代办申请 %(number)s，请上传材料后提交。")
                    % {"number": case.number},
                )
                return redirect("cases:case-detail", number=case.number)
        status = 400
    cases = case_list_for_user(user)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    visits = list(home_visits_for(user)[:VISITS_SHOWN])
    return render(
        request,
        "helpers/workbench.html",
        {
            "form": form,
            "page": page,
            "cases": page.object_list,
            "visits": _visit_rows(user, visits),
            "hall": user.hall,
            "filing_for_visit": bool(initial or form["home_visit"].value()),
        },
        status=status,
    )


@login_required
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    user = _with_roles(request.user)
    visit = get_object_or_404(home_visits_for(user), pk=pk)
    try:
        services.home_visit_take(visit=visit, by=user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已认领上门代办，请尽快联系群众。"))
    return redirect("helpers:workbench")


@login_required
def home_visits(request: HttpRequest) -> HttpResponse:
    """上门代办: ask for a helper to come (or, at the hall, record a phone request); the
    requests and their status."""
    user = _with_roles(request.user)
    if is_helper(user):
        return redirect("helpers:workbench")
    staff = is_clerk(user) or is_supervisor(user)
    may_ask = is_clerk(user) or user.has_role(roles.CITIZEN)
    form = HomeVisitForm(request.POST or None) if may_ask else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.home_visit_request(by=user, **data)
            except ValidationError as error:
                _add_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, _("上门代办申请已登记，我们将尽快安排代办员与您联系。"))
                return redirect("helpers:home-visits")
        status = 400
    visits = list(home_visits_for(user)[:VISITS_SHOWN])
    return render(
        request,
        "helpers/home_visits.html",
        {
            "form": form,
            "visits": _visit_rows(user, visits),
            "staff": staff,
            "assign_form": AssignForm() if staff else None,
            "requested": HomeVisitStatus.REQUESTED,
        },
        status=status,
    )


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = _with_roles(request.user)
    visit = get_object_or_404(home_visits_for(user), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写代办员用户名。"))
        return redirect("helpers:home-visits")
    try:
        services.home_visit_assign(visit=visit, by=user, username=form.cleaned_data["helper"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已指派代办员。"))
    return redirect("helpers:home-visits")
