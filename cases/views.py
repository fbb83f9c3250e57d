"""Case pages: material files for everyone allowed to see a case; the citizen's online
application (details → materials → review and submit), "my cases", and public tracking.

Views parse input, call one service or selector and render; services decide. Every page of
a case is found among the signed-in user's own cases, so another's case is a plain 404.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts import roles
from accounts.models import User
from matters.models import Bundle, BundleItem, CatalogStatus, DeliveryMethod, Matter

from . import services
from .access import can_view
from .api import find_tracked_case
from .exceptions import CaseError, MissingMaterialsError
from .forms import ApplicationForm, RatingForm, TrackForm, UploadForm, WithdrawForm
from .labels import CONCLUDE_LABELS, EVENT_LABELS, ROLE_LABELS
from .models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    MaterialFile,
    MaterialStatus,
    Rating,
)
from .selectors import case_detail_queryset, case_list_for_user
from .serializers import track_data
from .services.ratings import RATEABLE


@login_required
def material_file(request: HttpRequest, number: str, file_id: int) -> FileResponse:
    """Send one uploaded file; 404 for anyone who may not see the case (no hint it exists)."""
    stored = (
        MaterialFile.objects.select_related("material__case")
        .filter(pk=file_id, material__case__number=number)
        .first()
    )
    if stored is None or not can_view(request.user, stored.material.case):
        raise Http404
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=stored.content_type == "application/pdf",
        filename=stored.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The citizen's pages ---------------------------------------------------------------------

# Online application needs at least online pre-review (三星：网上预审); below that the guide
# only tells the applicant what to bring to the hall.
ONLINE_APPLY_MIN_LEVEL = 3
CASES_PER_PAGE = 20
WITHDRAWABLE = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUIRED)
AFTER_DECISION = (CaseStatus.IN_REVIEW, CaseStatus.APPROVED, CaseStatus.DENIED)
# An authorisation letter (委托书) is the material an agent (代办) brings.
AUTHORISATION_LETTER = "委托书"


def _is_staff(user: User) -> bool:
    return user.is_staff or any(user.has_role(role) for role in roles.STAFF_ROLES)


def _desk_url() -> str:
    try:
        return reverse("windows:desk")
    except NoReverseMatch:
        return "/desk/"


def _load_roles(user: User) -> User:
    """Read the user's groups once: the access checks ask for roles several times."""
    prefetch_related_objects([user], "groups")
    return user


def _owned_case(request: HttpRequest, number: str) -> Case:
    """The signed-in user's own case with everything a page shows, or 404."""
    _load_roles(request.user)
    return get_object_or_404(
        case_detail_queryset(request.user).filter(owner=request.user), number=number
    )


def _delivery_methods(matters: list[Matter]) -> list[str]:
    """The methods every one of the matters allows, in the catalog's order."""
    allowed = [set(matter.delivery_methods or []) for matter in matters]
    common = set.intersection(*allowed) if allowed else set()
    return [method for method in DeliveryMethod.values if method in common]


def _case_matters(case: Case) -> list[Matter]:
    if case.matter_id:
        return [case.matter]
    items = BundleItem.objects.filter(
        bundle_id=case.bundle_id, matter__status=CatalogStatus.PUBLISHED
    ).select_related("matter")
    return [item.matter for item in items]


def _error_status(error: Exception) -> int:
    return getattr(error, "status_code", 400)


def _error_dict(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"": error.messages}


def _validation_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


@dataclass
class MaterialRow:
    """One material of a case as the citizen's pages show it."""

    material: CaseMaterial
    files: list[MaterialFile]
    can_upload: bool
    needed: bool
    error: str = ""
    notes: list[str] = field(default_factory=list)
    state: str = ""
    state_label: str = ""

    @property
    def anchor(self) -> str:
        return f"material-{self.material.requirement_id}"

    @property
    def input_id(self) -> str:
        return f"file-{self.material.requirement_id}"


def _material_rows(case: Case, *, errors: dict[int, str] | None = None) -> list[MaterialRow]:
    """The case's materials with their files, whether each may take an upload now, and why
    the applicant should care (missing, deferred, agent's letter)."""
    materials = list(case.materials.all())
    prefetch_related_objects(materials, "material_type__licence_type")
    errors = errors or {}
    rows = []
    for material in materials:
        status = material.status
        if case.status == CaseStatus.DRAFT:
            can_upload = True
        elif status == MaterialStatus.DEFERRED:
            can_upload = case.status in (*AFTER_DECISION, CaseStatus.SUPPLEMENT_REQUIRED)
        elif case.status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUIRED):
            can_upload = status == MaterialStatus.MISSING
        else:
            can_upload = False
        in_hand = status in (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED)
        letter = bool(case.agent_name) and AUTHORISATION_LETTER in material.material_type.name
        needed = not in_hand and (material.needed_at_submission or letter or bool(material.reason))
        notes = []
        if letter and not in_hand:
            notes.append(_("您填写了代办人，请上传申请人签署的授权委托书。"))
        rows.append(
            MaterialRow(
                material=material,
                files=list(material.files.all()),
                can_upload=can_upload,
                needed=needed,
                error=errors.get(material.requirement_id, ""),
                notes=notes,
                **_material_state(case, material),
            )
        )
    return rows


def _material_state(case: Case, material: CaseMaterial) -> dict:
    """A short status of the material in the applicant's words, and its colour."""
    status = material.status
    if status in (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED):
        label = _("已上传") if case.status == CaseStatus.DRAFT else material.get_status_display()
        return {"state": "in", "state_label": label}
    if status == MaterialStatus.DEFERRED:
        return {"state": "deferred", "state_label": _("容缺待补")}
    if case.status == CaseStatus.DRAFT:
        return {"state": "todo", "state_label": _("未上传")}
    if material.reason:
        return {"state": "missing", "state_label": _("需补正")}
    if not material.required:
        return {"state": "todo", "state_label": _("未提交")}
    if material.deferrable:
        return {"state": "deferred", "state_label": _("暂缺（可容缺）")}
    return {"state": "missing", "state_label": material.get_status_display()}


def _upload(request: HttpRequest, case: Case) -> tuple[bool, dict[int, str], int]:
    """Pass one uploaded file to the service; ``(ok, errors by requirement, status)``."""
    form = UploadForm(request.POST, request.FILES)
    try:
        requirement_id = int(request.POST.get("requirement", ""))
    except ValueError:
        requirement_id = 0
    if requirement_id not in {material.requirement_id for material in case.materials.all()}:
        messages.error(request, _("该办件没有这项材料要求。"))
        return False, {}, 400
    if not form.is_valid():
        message = next(iter(form.errors.get("file") or []), "")
        return False, {requirement_id: message or _("请选择要上传的文件。")}, 400
    try:
        stored = services.material_upload(
            case=case,
            by=request.user,
            requirement_id=requirement_id,
            upload=form.cleaned_data["file"],
        )
    except CaseError as error:
        return False, {requirement_id: error.detail}, _error_status(error)
    except ValidationError as error:
        return False, {requirement_id: "；".join(_validation_messages(error))}, 400
    messages.success(
        request,
        _("已上传“%(material)s”：%(file)s")
        % {"material": stored.material.material_type.name, "file": stored.original_name},
    )
    return True, {}, 200


def _upload_context(case: Case, rows: list[MaterialRow]) -> dict:
    return {
        "case": case,
        "rows": rows,
        "upload_errors": [row for row in rows if row.error],
        "limit_mb": UploadForm.limit_mb(),
        "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
    }


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
    status = 200
    if request.method == "POST":
        form = ApplicationForm(request.POST, delivery_methods=methods)
        if form.is_valid():
            try:
                case = services.case_create(
                    by=request.user, matter=matter, bundle=bundle, **form.service_kwargs()
                )
            except ValidationError as error:
                form.add_service_errors(_error_dict(error))
            except CaseError as error:
                form.add_error(None, error.detail)
            else:
                return _after_details_saved(request, case, created=True)
        status = 400
    else:
        form = ApplicationForm(
            initial=ApplicationForm.initial_from_profile(request.user, methods),
            delivery_methods=methods,
        )
    drafts = Case.objects.filter(
        owner=request.user, status=CaseStatus.DRAFT, matter=matter, bundle=bundle
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
            "step": 1,
        },
        status=status,
    )


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
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:case-detail", number=case.number)
    methods = _delivery_methods(_case_matters(case)) or [DeliveryMethod.PICKUP]
    status = 200
    if request.method == "POST":
        form = ApplicationForm(request.POST, delivery_methods=methods)
        if form.is_valid():
            try:
                services.case_update_details(case=case, by=request.user, **form.service_kwargs())
            except ValidationError as error:
                form.add_service_errors(_error_dict(error))
            except CaseError as error:
                form.add_error(None, error.detail)
            else:
                return _after_details_saved(request, case, created=False)
        status = 400
    else:
        form = ApplicationForm(
            initial=ApplicationForm.initial_from_case(case), delivery_methods=methods
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
    if case.status != CaseStatus.DRAFT:
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
        {**_upload_context(case, rows), "step": 2},
        status=status,
    )


@login_required
def case_review(request: HttpRequest, number: str) -> HttpResponse:
    """Step 3: everything at a glance, then submit; a refusal names every missing material."""
    case = _owned_case(request, number)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:case-detail", number=case.number)
    refused: list[dict] = []
    status = 200
    if request.method == "POST":
        try:
            services.case_submit(case=case, by=request.user)
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
            **_upload_context(case, rows),
            "step": 3,
            "refused": refused,
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


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """My cases, newest first (a constant number of queries whatever their number)."""
    queryset = case_list_for_user(_load_roles(request.user)).filter(owner=request.user)
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
                "label": _event_label(event),
                "status_label": CaseStatus(event.to_status).label
                if event.to_status and event.to_status != event.from_status
                else "",
                "actor": ROLE_LABELS.get(event.actor_role, gettext_lazy("工作人员")),
                "note": event.note,
            }
        )
    return entries


def _event_label(event: CaseEvent) -> str:
    if event.action == "conclude":
        return CONCLUDE_LABELS.get(event.to_status, CaseStatus(event.to_status).label)
    label = EVENT_LABELS.get(event.action)
    if label is not None:
        return label
    if event.to_status:
        return CaseStatus(event.to_status).label
    return event.action


def _render_detail(
    request: HttpRequest,
    case: Case,
    *,
    upload_errors: dict[int, str] | None = None,
    refused: list[dict] | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = _material_rows(case, errors=upload_errors)
    trips = len(case.visits.all())
    rating = Rating.objects.filter(case=case).first() if case.status in RATEABLE else None
    events = list(case.events.all())
    was_denied = any(event.to_status == CaseStatus.DENIED for event in events)
    return render(
        request,
        "cases/case_detail.html",
        {
            **_upload_context(case, rows),
            "timeline": _timeline(case),
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
                if case.status == CaseStatus.SUBMITTED
                and row.material.status == MaterialStatus.MISSING
                and row.material.required
            ],
            "refused": refused or [],
            "can_withdraw": case.status in WITHDRAWABLE,
            "can_resubmit": case.status == CaseStatus.SUPPLEMENT_REQUIRED,
            "show_decision": bool(case.decision_note)
            and (case.status in (CaseStatus.DENIED, CaseStatus.REJECTED) or was_denied),
            "rateable": case.status in RATEABLE,
            "rating": rating,
            "rating_form": rating_form or RatingForm(),
            "courier": case.delivery_method == DeliveryMethod.COURIER,
        },
        status=status,
    )


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
def case_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw the application, after a confirmation with the reason."""
    case = _owned_case(request, number)
    if case.status not in WITHDRAWABLE:
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
    if not form.is_valid():
        return _render_detail(request, case, rating_form=form, status=400)
    try:
        services.rating_create(
            case=case,
            by=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except CaseError as error:
        messages.error(request, error.detail)
    except ValidationError as error:
        messages.error(request, "；".join(_validation_messages(error)))
    else:
        messages.success(request, _("感谢您的评价！"))
    return redirect(f"{reverse('cases:case-detail', kwargs={'number': case.number})}#rating")


# Public tracking -------------------------------------------------------------------------

TRACK_NOT_FOUND = gettext_lazy("未找到匹配的办件，请核对办件编号和证件号码后四位。")


def _track_rate(group: str, request: HttpRequest) -> str:
    """The API's tracking rate (``TRACK_RATE``, e.g. ``10/minute``) as django-ratelimit
    writes it (``10/m``), so that the page and the API allow the same."""
    rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get("track") or "10/minute"
    count, _slash, period = rate.partition("/")
    return f"{count}/{period[:1] or 'm'}"


@ratelimit(key="ip", rate=_track_rate, method="POST", block=False)
def track(request: HttpRequest) -> HttpResponse:
    """Public progress by case number and the identity's last 4 characters.

    A wrong pair gives the same answer whether or not the case exists; guesses are limited
    per client address.
    """
    if request.method == "POST":
        form = TrackForm(request.POST)
        if getattr(request, "limited", False):
            return render(
                request,
                "cases/track.html",
                {
                    "form": TrackForm(initial={"number": request.POST.get("number", "")}),
                    "limited": True,
                },
                status=429,
            )
        if form.is_valid():
            case = find_tracked_case(form.cleaned_data["number"], form.cleaned_data["id_last4"])
            if case is not None:
                return render(request, "cases/track_result.html", {"track": track_data(case)})
            form.add_error(None, TRACK_NOT_FOUND)
        return render(request, "cases/track.html", {"form": form}, status=400)
    form = TrackForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(request, "cases/track.html", {"form": form})
