"""The clerk desk (窗口工作台): the inbox, finding the applicant, new window applications, the
checklist and the decision on it, instant decisions and the hand-over of results.

Views parse the input, call one service and render; the services decide and refuse. A refusal
is shown on the same page with everything the clerk typed still there.
"""

import re
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.exceptions import DomainError
from accounts.identity import mask_id_number, mask_name, mask_phone, normalize_id_number
from accounts.models import IdentityKind
from cases import services as case_services
from cases.access import is_clerk, visible_cases
from cases.exceptions import MissingMaterialsError
from cases.labels import event_label
from cases.models import (
    Case,
    CaseStatus,
    Channel,
    MaterialStatus,
    MaterialTransfer,
    Rating,
)
from cases.selectors import case_detail_queryset, material_data_findings, transfers_pending_at
from cases.services.halls import pickup_hall_id
from halls.models import Hall
from halls.selectors import staff_hall
from matters.checklist import answers_from, options_of, questions_of
from matters.models import Bundle, DeliveryMethod, MaterialForm, Matter
from matters.selectors import (
    bundle_queryset,
    bundle_requirements,
    data_items_of,
    matter_checklist_queryset,
    matter_list,
)

from . import selectors, services
from .forms import (
    ACCEPT,
    DEFER,
    NOTICE,
    REASON_SUGGESTIONS,
    REJECT,
    RESUBMIT,
    SAVE,
    ApplicantForm,
    ChecklistForm,
    InstantForm,
    ReceiveDeferredForm,
)

SESSION_APPLICANT = "desk_applicant"
# Pending transfers the desk lists at once (the count says when there are more).
DESK_TRANSFERS = 50


STATUS_TONES = {
    CaseStatus.DRAFT: "plain",
    CaseStatus.SUBMITTED: "info",
    CaseStatus.SUPPLEMENT_REQUIRED: "warn",
    CaseStatus.REJECTED: "bad",
    CaseStatus.IN_REVIEW: "info",
    CaseStatus.APPROVED: "good",
    CaseStatus.DENIED: "bad",
    CaseStatus.READY: "good",
    CaseStatus.IN_TRANSIT: "good",
    CaseStatus.CLOSED: "plain",
    CaseStatus.WITHDRAWN: "plain",
}


def clerk_required(view: Callable) -> Callable:
    """Clerks only: anonymous users go to sign in, everyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_clerk(request.user):
            raise PermissionDenied(_("只有窗口人员可以使用窗口工作台。"))
        return view(request, *args, **kwargs)

    return wrapper


def _masked(case: Case) -> dict:
    return {
        "name": mask_name(case.applicant_name)
        if case.applicant_kind == IdentityKind.PERSON
        else case.applicant_name,
        "identity": mask_id_number(case.applicant_identity),
        "phone": mask_phone(case.applicant_phone),
    }


# Desk home ------------------------------------------------------------------------------


@clerk_required
def desk_home(request: HttpRequest) -> HttpResponse:
    """The inbox, the hand-over queue, finding an applicant and starting a new application.

    The applicant search is a POST: ID numbers stay out of URLs and server logs.
    """
    context: dict = {}
    if request.method == "POST":
        find = request.POST.get("find", "").strip()[:25]
        if selectors.looks_like_case_number(find):
            # Only cases the clerk may open (an online draft is the applicant's alone).
            case = visible_cases(request.user, Case.objects.filter(number=find)).first()
            if case is not None:
                return redirect("windows:case-intake", number=case.number)
            context["find_error"] = _("没有编号为 %(n)s 的办件。") % {"n": find}
        elif find:
            number = normalize_id_number(find)
            found = list(selectors.cases_of_applicant(request.user, number))
            context["found"] = [{"case": case, **_masked(case)} for case in found]
            context["searched"] = True
            prefill = selectors.applicant_prefill(number)
            if prefill:
                request.session[SESSION_APPLICANT] = prefill
            else:
                request.session.pop(SESSION_APPLICANT, None)
                if not found:
                    context["find_error"] = _("证件号码不正确，也没有找到相关办件。")
        else:
            request.session.pop(SESSION_APPLICANT, None)
    elif request.GET.get("serving"):
        # Came from 开始办理 on the queue panel: the ticket's applicant and their cases.
        prefill = request.session.get(SESSION_APPLICANT) or {}
        identity = prefill.get("id_number") or prefill.get("credit_code")
        if identity:
            found = list(selectors.cases_of_applicant(request.user, identity))
            context["found"] = [{"case": case, **_masked(case)} for case in found]
            context["searched"] = True
    q = request.GET.get("q", "").strip()[:50]
    # Only what the clerk's hall may take in is offered for a new application.
    desk_hall = staff_hall(request.user)
    if q:
        matters = list(matter_list(search=q, hall=desk_hall)[:20])
        bundles = list(
            Bundle.published.filter(Q(name__icontains=q) | Q(code__iexact=q)).order_by("code")[:10]
        )
    else:
        matters = list(matter_list(hall=desk_hall).order_by("-usage_count", "code")[:10])
        bundles = list(Bundle.published.order_by("code")[:10])
    inbox, inbox_total = selectors.desk_inbox(hall=desk_hall)
    # 物料流转: paper on its way to the clerk's hall, oldest first, with its age.
    pending = transfers_pending_at(desk_hall.pk)
    transfers = list(pending[:DESK_TRANSFERS])
    now = timezone.now()
    for transfer in transfers:
        transfer.age_days = (now - transfer.sent_at).days
    handover, handover_total = selectors.desk_handover(hall=desk_hall)
    if context.get("find_error"):
        # Echo the search only to correct it; found people appear masked.
        context["find"] = request.POST.get("find", "").strip()[:25]
    prefill = request.session.get(SESSION_APPLICANT) or {}
    context.update(
        {
            "q": q,
            "hall": desk_hall,
            "matters": matters,
            "bundles": bundles,
            "inbox": [{"row": row, **_masked(row.case)} for row in inbox],
            "inbox_total": inbox_total,
            "handover": [{"case": case, **_masked(case)} for case in handover],
            "handover_total": handover_total,
            "transfers": transfers,
            "transfers_total": len(transfers)
            if len(transfers) < DESK_TRANSFERS
            else pending.count(),
            "drafts": selectors.desk_window_drafts(request.user),
            "prefill_name": mask_name(prefill.get("name", "")),
            "prefill_identity": mask_id_number(
                prefill.get("id_number") or prefill.get("credit_code") or ""
            ),
            "now": now,
        }
    )
    return render(request, "windows/desk_home.html", context)


@clerk_required
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """A clerk of the receiving hall marks paper materials received (物料流转)."""
    transfer = get_object_or_404(MaterialTransfer, pk=pk)
    try:
        transfer = case_services.transfer_receive(transfer=transfer, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect(reverse("windows:desk-home") + "#transfers")
    messages.success(request, _("已接收办件 %(n)s 的纸质材料。") % {"n": transfer.case.number})
    return redirect(reverse("windows:desk-home") + "#transfers")


@clerk_required
@require_POST
def applicant_clear(request: HttpRequest) -> HttpResponse:
    """Forget the applicant found last, before serving the next one."""
    request.session.pop(SESSION_APPLICANT, None)
    return redirect("windows:desk-home")


# New window application -----------------------------------------------------------------


@clerk_required
def case_new(request: HttpRequest) -> HttpResponse:
    """A new application at the window for the matter or bundle picked (?matter= or ?bundle=)."""
    matter = bundle = None
    if code := request.GET.get("matter"):
        matter = get_object_or_404(
            Matter.published.select_related("lead_department", "board"), code=code
        )
        requirements = [
            {
                "name": r.material.name,
                "key": r.key,
                "required": r.required,
                "deferrable": r.deferrable,
                "copies": r.copies,
                "conditions": [r.condition] if r.condition else [],
            }
            for r in matter.requirements.select_related("material").order_by("order", "id")
        ]
        methods = list(matter.delivery_methods or [DeliveryMethod.PICKUP])
    elif code := request.GET.get("bundle"):
        bundle = get_object_or_404(bundle_queryset(), code=code)
        merged = bundle_requirements(bundle)
        requirements = [
            {
                "name": r.material.name,
                "key": r.key,
                "required": r.required,
                "deferrable": r.deferrable,
                "copies": r.copies,
                "conditions": r.conditions,
            }
            for r in merged
        ]
        matters = [item.matter for item in bundle.items.all()]
        methods = (
            sorted(set.intersection(*(set(m.delivery_methods or []) for m in matters)))
            if matters
            else []
        )
    else:
        return redirect("windows:desk-home")
    # 情形引导 at the window: the clerk asks the matter's questions, and may leave them all
    # unanswered (then every material of the guide is listed and checked at the window);
    # answered, they must all be (``answers_incomplete``), as online.
    questions, answers = [], {}
    if matter is not None:
        loaded = matter_checklist_queryset(Matter.objects.filter(pk=matter.pk)).get()
        questions = questions_of(loaded)
        if request.method == "POST":
            answers = answers_from(request.POST, questions, prefix="answer.")
    questionnaire = [
        {"question": q, "options": options_of(q), "chosen": answers.get(q.code, "")}
        for q in questions
    ]
    prefill = request.session.get(SESSION_APPLICANT) or {}
    desk_hall = staff_hall(request.user)
    data_items = data_items_of([matter] if matter else [item.matter for item in bundle.items.all()])
    form = ApplicantForm(
        request.POST or None,
        delivery_methods=methods,
        pickup_halls=list(
            Hall.objects.filter(active=True, has_windows=True).order_by("order", "code")
        ),
        initial={**{k: v for k, v in prefill.items() if v}, "pickup_hall": desk_hall.code},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                case = case_services.case_create(
                    by=request.user,
                    matter=matter,
                    bundle=bundle,
                    channel=Channel.WINDOW,
                    consent=bool(data_items and form.cleaned_data.get("data_consent")),
                    answers=answers or None,
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except DomainError as error:
                form.add_error(None, error.detail)
                status = error.status_code
            else:
                request.session.pop(SESSION_APPLICANT, None)
                messages.success(
                    request,
                    _("已建立申请 %(n)s，请逐项核对材料。") % {"n": case.number},
                )
                return redirect("windows:case-intake", number=case.number)
    return render(
        request,
        "windows/case_new.html",
        {
            "form": form,
            "matter": matter,
            "bundle": bundle,
            "subject": matter or bundle,
            "requirements": requirements,
            "questionnaire": questionnaire,
            "bundle_matters": [item.matter for item in bundle.items.all()] if bundle else [],
            "prefilled": bool(prefill) and request.method != "POST",
            "desk_hall": desk_hall,
            "data_items": data_items,
        },
        status=status,
    )


# The case at the window -------------------------------------------------------------------


def _case_or_404(request: HttpRequest, number: str) -> Case:
    return get_object_or_404(case_detail_queryset(request.user), number=number)


# The papers the desk prints, in the order of the case's life (the documents app writes them;
# read here through the case's prefetched relation). A failed render is left to the admin.
PAPER_ORDER = (
    "data_check",
    "receipt",
    "commitment",
    "one_time_notice",
    "refusal",
    "supplement_notice",
    "decision",
    "licence",
    "payment_receipt",
    "delivery_receipt",
)
# What the desk offers to print at once after a decision made with the applicant present.
OFFERED_PAPERS = {
    "receipt": ("receipt", "commitment"),
    "one_time_notice": ("one_time_notice",),
    "refusal": ("refusal",),
    "delivery_receipt": ("delivery_receipt",),
}
PRINT_AFTER = {ACCEPT: "receipt", DEFER: "receipt", NOTICE: "one_time_notice", REJECT: "refusal"}


def _papers(case: Case) -> list:
    papers = [d for d in case.documents.all() if d.status != "failed" and d.kind in PAPER_ORDER]
    return sorted(papers, key=lambda d: PAPER_ORDER.index(d.kind))


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    checklist: ChecklistForm | None = None,
    page_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    materials = list(case.materials.all())
    findings = material_data_findings(materials)
    for material in materials:
        material.data_finding = findings.get(material.pk)
        form = material.received_form
        material.received_form_label = (
            MaterialForm(form).label if form in MaterialForm.values else form
        )
    open_checklist = case.materials_open
    if checklist is None and open_checklist:
        checklist = ChecklistForm(
            materials=materials,
            online=case.channel == Channel.ONLINE,
            initial={"in_person": case.channel == Channel.WINDOW},
        )
    visits = list(case.visits.all())
    reviews = list(case.reviews.all())
    authorised = request.user.authorised_departments.filter(pk=case.lead_department_id).exists()
    rating = Rating.objects.filter(case=case).first()
    deferred = [m for m in materials if m.status == MaterialStatus.DEFERRED]
    events = [{"event": event, "label": event_label(event)} for event in case.events.all()]
    rateable = rating is None and case.is_issued
    papers = _papers(case)
    offered = request.GET.get("print", "")
    # The courier order of a case in transit (delivery, read through the case's relation).
    shipment = getattr(case, "shipment", None) if case.status == CaseStatus.IN_TRANSIT else None
    # The applicant rates on their own device: the link (and its QR) for the window's screen.
    rating_link = (
        request.build_absolute_uri(
            reverse("cases:rate-link", args=[case_services.rating_link_token(case)])
        )
        if rateable
        else ""
    )
    desk_hall = staff_hall(request.user)
    pickup_id = pickup_hall_id(case)
    pickup_hall = (
        case.pickup_hall
        if case.pickup_hall_id
        else case.hall
        if case.hall_id
        else Hall.objects.get(pk=pickup_id)
    )
    context = {
        "case": case,
        "desk_hall": desk_hall,
        "pickup_hall": pickup_hall,
        "at_pickup_hall": desk_hall.pk == pickup_id,
        "transfers": list(case.transfers.all()),
        "materials": materials,
        "checklist": checklist,
        "rows": checklist.rows() if checklist is not None else [],
        "reason_suggestions": REASON_SUGGESTIONS,
        "status_tone": STATUS_TONES.get(case.status, "plain"),
        "visits": visits,
        "trips": len(visits),
        "reviews": reviews,
        "events": events,
        "deferred": deferred,
        "receive_form": ReceiveDeferredForm(),
        "instant_pending": case.is_instant and case.can("conclude") and not reviews,
        # Which panels the desk shows: the state machine's answer, never a status string.
        "stage": {
            "reviewing": case.can("conclude", guards=False),
            "issuing": case.can("issue", guards=False),
            "receiving_deferred": case.deferrals_open and not case.materials_open,
            "handing_over": case.can("collect"),
        },
        "authorised": authorised,
        "instant_form": InstantForm(),
        "papers": papers,
        "offered": [paper for paper in papers if paper.kind in OFFERED_PAPERS.get(offered, ())],
        "shipment": shipment,
        "rating": rating,
        "rateable": rateable,
        "rating_link": rating_link,
        "rating_qr": _qr_svg(rating_link) if rating_link else "",
        "page_errors": page_errors or [],
        "is_online": case.channel == Channel.ONLINE,
        "online_commitment": getattr(case, "commitment", None)
        if case.channel == Channel.ONLINE
        else None,
        "is_courier": case.delivery_method == DeliveryMethod.COURIER,
        "actions": {
            "accept": ACCEPT,
            "defer": DEFER,
            "notice": NOTICE,
            "reject": REJECT,
            "save": SAVE,
            "resubmit": RESUBMIT,
        },
        "deferrable_rows": any(m.deferrable and not m.key for m in materials),
        "today": timezone.localdate(),
    }
    return render(request, "windows/case_intake.html", context, status=status)


SUCCESS_MESSAGES = {
    ACCEPT: gettext_lazy("已受理。"),
    DEFER: gettext_lazy("已容缺受理，容缺材料须在约定日期前补齐，补齐后方可出件。"),
    NOTICE: gettext_lazy("已出具一次性告知：缺少的材料已一次列明。"),
    REJECT: gettext_lazy("已作出不予受理决定。"),
    SAVE: gettext_lazy("核对结果已保存。"),
    RESUBMIT: gettext_lazy("补正材料已收取，办件已重新提交。"),
}


def _upload_scans(request: HttpRequest, case: Case) -> dict[str, list[str]]:
    """Store the scans attached to the checklist, each on its own: a file taken stays taken
    even if the decision is refused. Returns errors by field."""
    errors: dict[str, list[str]] = {}
    for material in case.materials.all():
        field = f"m{material.requirement_id}_file"
        for upload in request.FILES.getlist(field):
            try:
                case_services.material_upload(
                    case=case,
                    by=request.user,
                    requirement_id=material.requirement_id,
                    upload=upload,
                )
            except ValidationError as error:
                errors.setdefault(field, []).extend(error.messages)
            except DomainError as error:
                errors.setdefault(field, []).append(error.detail)
    return errors


def _decide(form: ChecklistForm, case: Case, by) -> Case:
    action = form.cleaned_data["action"]
    marks = form.marks()
    in_person = None if case.channel == Channel.WINDOW else form.cleaned_data["in_person"]
    if action in (ACCEPT, DEFER):
        # Online, the applicant's own commitment gives the date and the words (case_accept).
        deferred = any(mark.state == services.DEFERRED for mark in marks) and not form.online
        return services.case_window_accept(
            case=case,
            by=by,
            marks=marks,
            due_date=form.cleaned_data["due_date"] if deferred else None,
            commitment=form.commitment_text() if deferred else "",
            in_person=in_person,
            valid_until=form.document_expiries(),
        )
    if action == NOTICE:
        return services.case_window_notice(
            case=case, by=by, marks=marks, note=form.cleaned_data["note"], in_person=in_person
        )
    if action == REJECT:
        return services.case_window_reject(
            case=case, by=by, reason=form.cleaned_data["reason"], in_person=in_person
        )
    if action == RESUBMIT:
        return services.case_window_resubmit(case=case, by=by, marks=marks)
    services.checklist_record(case=case, by=by, marks=marks)
    return case


@clerk_required
def case_intake(request: HttpRequest, number: str) -> HttpResponse:
    """The case at the window: its checklist and the decision on it, or what comes next."""
    case = _case_or_404(request, number)
    if request.method != "POST":
        return _render_case(request, case)
    if not case.materials_open:
        return _render_case(
            request,
            case,
            page_errors=[
                _("办件当前状态为“%(s)s”，不能再核对材料。") % {"s": case.get_status_display()}
            ],
            status=409,
        )
    upload_errors = _upload_scans(request, case) if request.FILES else {}
    if request.FILES:
        case = _case_or_404(request, number)
    form = ChecklistForm(
        request.POST,
        materials=list(case.materials.all()),
        online=case.channel == Channel.ONLINE,
    )
    valid = form.is_valid()
    for field, field_errors in upload_errors.items():
        form.add_error(field, field_errors)
    status = 400
    if valid and not upload_errors:
        action = form.cleaned_data["action"]
        try:
            decided = _decide(form, case, request.user)
        except MissingMaterialsError as error:
            form.add_error(None, error.detail)
            for item in error.missing:
                field = f"m{item['requirement']}_state"
                if field in form.fields:
                    form.add_error(field, _("必交材料尚未收取。"))
        except ValidationError as error:
            form.add_service_errors(error)
        except DomainError as error:
            form.add_error(None, error.detail)
            status = error.status_code
        else:
            message = SUCCESS_MESSAGES[action]
            if action in (ACCEPT, DEFER) and decided.is_instant:
                message = _("已受理。本事项为即办件，可当场办结。")
            messages.success(request, message)
            target = reverse("windows:case-intake", args=[decided.number])
            # The applicant at the counter leaves with the paper of the decision.
            present = case.channel == Channel.WINDOW or form.cleaned_data.get("in_person")
            if action in PRINT_AFTER and present:
                target += f"?print={PRINT_AFTER[action]}"
            return redirect(target)
    return _render_case(request, case, checklist=form, status=status)


def _run(
    request: HttpRequest,
    number: str,
    call: Callable[[Case], object],
    success: str,
    *,
    offer: str = "",
) -> HttpResponse:
    """Call one hand-over service on the case; show its refusal on the case page. ``offer``
    names the paper the desk offers to print at once."""
    case = _case_or_404(request, number)
    try:
        call(case)
    except ValidationError as error:
        return _render_case(request, case, page_errors=error.messages, status=400)
    except DomainError as error:
        return _render_case(request, case, page_errors=[error.detail], status=error.status_code)
    messages.success(request, success)
    target = reverse("windows:case-intake", args=[number])
    return redirect(f"{target}?print={offer}" if offer else target)


@clerk_required
@require_POST
def case_approve_instant(request: HttpRequest, number: str) -> HttpResponse:
    """Decide an instant matter on the spot (当场办结): authorised clerks only."""
    form = InstantForm(request.POST)
    opinion = form.cleaned_data["opinion"] if form.is_valid() else ""
    return _run(
        request,
        number,
        lambda case: case_services.case_approve_instant(
            case=case, by=request.user, opinion=opinion
        ),
        _("即办件已当场办结，请出件。"),
    )


@clerk_required
@require_POST
def case_issue(request: HttpRequest, number: str) -> HttpResponse:
    """Issue the result (出件); refused while a deferred material is outstanding."""
    return _run(
        request,
        number,
        lambda case: case_services.case_issue(case=case, by=request.user),
        _("已出件，请交付申请人。"),
    )


@clerk_required
@require_POST
def case_collect(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant collects the result at the window: a trip, and the case closes."""
    return _run(
        request,
        number,
        lambda case: case_services.case_collect(case=case, by=request.user),
        _("申请人已在窗口领取，办件已办结。"),
        offer="delivery_receipt",
    )


@clerk_required
@require_POST
def case_ship(request: HttpRequest, number: str) -> HttpResponse:
    """Hand the result to the courier: the courier integration orders the waybill after
    commit (``delivery``); the case page shows it once the courier answers."""
    return _run(
        request,
        number,
        lambda case: case_services.case_ship(case=case, by=request.user),
        _("已交快递，正在向快递公司下单，运单号稍后显示。"),
    )


@clerk_required
@require_POST
def case_rating(request: HttpRequest, number: str) -> HttpResponse:
    """A clerk does not rate for the applicant (403): the case page shows the rating link the
    applicant opens on the window's screen or their phone instead."""
    case = _case_or_404(request, number)
    message = _("评价由申请人本人作出：请申请人扫描二维码或在窗口评价器上打开评价链接。")
    return _render_case(request, case, page_errors=[message], status=403)


def _qr_svg(data: str, *, size_px: int = 160) -> str:
    """A QR code of ``data`` as inline SVG for the window's screen (``documents.pdf.qr_code``,
    as the papers' codes), scaled to ``size_px``."""
    from documents.pdf import qr_code

    svg = qr_code(data).to_svg(add_quiet_zones=True)
    svg = svg[svg.index("<svg") :]
    modules = re.search(r'<svg width="(\d+)" height="(\d+)"', svg)
    width, height = modules.groups()
    return mark_safe(
        svg.replace(
            modules.group(0),
            f'<svg role="img" width="{size_px}" height="{size_px}" '
            f'viewBox="0 0 {width} {height}" shape-rendering="crispEdges"',
            1,
        )
    )


@clerk_required
@require_POST
def material_receive(request: HttpRequest, number: str, requirement_id: int) -> HttpResponse:
    """A deferred material brought to the window after acceptance (容缺材料补交)."""
    form = ReceiveDeferredForm(request.POST)
    if not form.is_valid():
        case = _case_or_404(request, number)
        errors = [m for field_errors in form.errors.values() for m in field_errors]
        return _render_case(request, case, page_errors=errors, status=400)
    return _run(
        request,
        number,
        lambda case: case_services.material_receive(
            case=case,
            by=request.user,
            requirement_id=requirement_id,
            form=form.cleaned_data["form"],
            copies=form.cleaned_data["copies"],
        ),
        _("容缺材料已收取。"),
    )
