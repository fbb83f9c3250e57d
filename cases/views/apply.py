"""Applying online: details, materials, review and submit; drafts resume."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from matters.checklist import answers_from, evaluate, questions_of
from matters.exceptions import AnswersIncompleteError, InvalidAnswerError, NotEligibleError
from matters.models import Bundle, BundleItem, CatalogStatus, DeliveryMethod, Matter
from matters.selectors import data_items_of, matter_checklist_queryset

from .. import services
from ..exceptions import AuthorisationMissingError, CaseError, MissingMaterialsError
from ..forms import ApplicationForm
from ..models import (
    Case,
    CaseStatus,
    MaterialStatus,
)
from .common import (
    ONLINE_APPLY_MIN_LEVEL,
    _case_matters,
    _delivery_methods,
    _desk_url,
    _error_dict,
    _is_staff,
    _material_rows,
    _owned_case,
    _upload,
    _upload_context,
)


def _apply(
    request: HttpRequest,
    *,
    matter: Matter | None = None,
    bundle: Bundle | None = None,
    matters: list[Matter],
) -> HttpResponse:
    """Step 1 for a matter or a bundle: the applicant, an agent, the delivery → a draft."""
    subject = matter or bundle
    if any(m.online_level < ONLINE_APPLY_MIN_LEVEL for m in matters):
        return render(
            request, "cases/apply_unavailable.html", {"subject": subject, "bundle": bundle}
        )
    methods = _delivery_methods(matters) or [DeliveryMethod.PICKUP]
    data_items = data_items_of(matters)
    status = 200
    # 情形引导: the answers come from the checklist's link (``?<question>=<value>``) and
    # travel with the form (hidden ``answer.<question>``); none: every material is listed.
    answers, answered, answer_error, unanswered = _apply_answers(request, matter)
    if request.method == "GET" and unanswered and not answer_error:
        # A matter that asks questions: the applicant answers them first (the checklist
        # page, which then links back here with the answers).
        url = reverse("matters:matter-checklist", args=[matter.code])
        return redirect(f"{url}?{urlencode(answers)}" if answers else url)
    if request.method == "POST":
        form = ApplicationForm(request.POST, delivery_methods=methods, user=request.user)
        status = 400
        if answer_error:
            form.add_error(None, answer_error)
        elif form.is_valid():
            try:
                case = services.case_create(
                    by=request.user,
                    matter=matter,
                    bundle=bundle,
                    consent=bool(data_items and form.cleaned_data.get("consent")),
                    answers=answers or None,
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                form.add_service_errors(_error_dict(error))
            except (
                CaseError,
                InvalidAnswerError,
                AnswersIncompleteError,
                NotEligibleError,
            ) as error:
                form.add_error(None, error.detail)
                status = error.status_code
            else:
                return _after_details_saved(request, case, created=True)
    else:
        if answer_error:
            status = 400
        form = ApplicationForm(
            initial=ApplicationForm.initial_from_profile(request.user, methods),
            delivery_methods=methods,
            user=request.user,
        )
    drafts = Case.objects.filter(
        created_by=request.user, status=CaseStatus.DRAFT, matter=matter, bundle=bundle
    ).order_by("-created_at")[:3]
    return render(
        request,
        "cases/apply.html",
        {
            "form": form,
            "subject": subject,
            "matter": matter,
            "bundle": bundle,
            "matters": matters,
            "drafts": list(drafts),
            "data_items": data_items,
            "answered": answered,
            "answer_error": answer_error,
            "step": 1,
        },
        status=status,
    )


def _apply_answers(request: HttpRequest, matter: Matter | None):
    """The answers the applicant brought from the checklist page (GET) or the form carries
    (POST): ``{code: value}``, the questions with the options chosen to show, the error of
    an unknown answer or of one that rules the applicant out, and whether questions are
    left unanswered."""
    if matter is None:
        return {}, [], "", False
    loaded = matter_checklist_queryset(Matter.objects.filter(pk=matter.pk)).first()
    if loaded is None:
        return {}, [], "", False
    questions = questions_of(loaded)
    if request.method == "POST":
        answers = answers_from(request.POST, questions, prefix="answer.")
    else:
        answers = answers_from(request.GET, questions)
    try:
        result = evaluate(loaded, answers)
    except InvalidAnswerError as error:
        return {}, [], error.detail, bool(questions)
    if not result.eligible:
        reasons = "；".join(reason.reason for reason in result.reasons)
        return answers, result.answers, reasons, not result.complete
    return answers, result.answers, "", not result.complete


def _editable_draft(request: HttpRequest, case: Case) -> bool:
    """A draft the user fills in: online, the applicant's side; a window draft is the clerk's."""
    return has_transition_perm(case.submit, request.user)


def _after_details_saved(request: HttpRequest, case: Case, *, created: bool) -> HttpResponse:
    if "save" in request.POST:
        messages.success(
            request,
            _("草稿已保存（编号 %(number)s），可随时在“我的办件”中继续办理。")
            % {"number": case.number},
        )
        return redirect("cases:case-list")
    if created:
        messages.success(
            request,
            _("申请信息已保存为草稿（编号 %(number)s）。请逐项上传申请材料。")
            % {"number": case.number},
        )
    return redirect("cases:case-materials", number=case.number)


@login_required
def apply_matter(request: HttpRequest, code: str) -> HttpResponse:
    """Apply online for one matter (staff are sent to the desk)."""
    if _is_staff(request.user):
        return redirect(_desk_url())
    matter = get_object_or_404(Matter.published.select_related("lead_department"), code=code)
    return _apply(request, matter=matter, matters=[matter])


@login_required
def apply_bundle(request: HttpRequest, code: str) -> HttpResponse:
    """Apply online for a bundle (一件事): one application, one set of materials."""
    if _is_staff(request.user):
        return redirect(_desk_url())
    bundle = get_object_or_404(Bundle.published, code=code)
    items = BundleItem.objects.filter(
        bundle=bundle, matter__status=CatalogStatus.PUBLISHED
    ).select_related("matter")
    matters = [item.matter for item in items]
    if not matters:
        raise Http404
    return _apply(request, bundle=bundle, matters=matters)


@login_required
def case_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Change a draft's applicant, agent and delivery details."""
    case = _owned_case(request, number)
    if not _editable_draft(request, case):
        return redirect("cases:case-detail", number=case.number)
    methods = _delivery_methods(_case_matters(case)) or [DeliveryMethod.PICKUP]
    status = 200
    if request.method == "POST":
        form = ApplicationForm(request.POST, delivery_methods=methods, user=request.user)
        status = 400
        if form.is_valid():
            try:
                services.case_update_details(case=case, by=request.user, **form.service_kwargs())
            except ValidationError as error:
                form.add_service_errors(_error_dict(error))
            except CaseError as error:
                form.add_error(None, error.detail)
                status = error.status_code
            else:
                return _after_details_saved(request, case, created=False)
    else:
        form = ApplicationForm(
            initial=ApplicationForm.initial_from_case(case),
            delivery_methods=methods,
            user=request.user,
        )
    return render(
        request,
        "cases/apply.html",
        {
            "form": form,
            "case": case,
            "subject": case.matter or case.bundle,
            "matter": case.matter,
            "bundle": case.bundle,
            "step": 1,
        },
        status=status,
    )


@login_required
def case_materials(request: HttpRequest, number: str) -> HttpResponse:
    """Step 2: one upload per requirement; files already in are listed with their links."""
    case = _owned_case(request, number)
    if not _editable_draft(request, case):
        return redirect("cases:case-detail", number=case.number)
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        if "save" in request.POST:
            messages.success(
                request,
                _("草稿已保存（编号 %(number)s），可随时在“我的办件”中继续办理。")
                % {"number": case.number},
            )
            return redirect("cases:case-list")
        ok, errors, status = _upload(request, case)
        if ok:
            url = reverse("cases:case-materials", kwargs={"number": case.number})
            return redirect(f"{url}#material-{request.POST.get('requirement')}")
    rows = _material_rows(case, errors=errors)
    return render(
        request,
        "cases/materials.html",
        {
            **_upload_context(case, rows, upload_view="cases:case-materials", viewer=request.user),
            "step": 2,
        },
        status=status,
    )


@login_required
def case_review(request: HttpRequest, number: str) -> HttpResponse:
    """Step 3: everything at a glance, then submit; a refusal names every missing material."""
    case = _owned_case(request, number)
    if not _editable_draft(request, case):
        return redirect("cases:case-detail", number=case.number)
    refused: list[dict] = []
    refused_detail = ""
    status = 200
    if request.method == "POST":
        try:
            services.case_submit(case=case, by=request.user)
        except AuthorisationMissingError as error:
            # A helper's filing: say what authorises it (not only "materials missing").
            refused, refused_detail, status = error.missing, error.detail, error.status_code
        except MissingMaterialsError as error:
            refused, status = error.missing, error.status_code
        except CaseError as error:
            messages.error(request, error.detail)
            return redirect("cases:case-detail", number=case.number)
        else:
            messages.success(
                request,
                _("申请已提交（编号 %(number)s）。窗口将在5个工作日内受理或告知需补正的材料。")
                % {"number": case.number},
            )
            return redirect("cases:case-detail", number=case.number)
    rows = _material_rows(case)
    return render(
        request,
        "cases/review.html",
        {
            **_upload_context(case, rows, upload_view="cases:case-materials", viewer=request.user),
            "step": 3,
            "refused": refused,
            "refused_detail": refused_detail,
            "missing": [row for row in rows if row.material.needed_at_submission and row.needed],
            "deferrable_missing": [
                row
                for row in rows
                if row.material.deferrable
                and row.material.required
                and row.material.status == MaterialStatus.MISSING
            ],
            "letter_missing": [row for row in rows if row.notes],
        },
        status=status,
    )
