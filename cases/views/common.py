"""What the citizen case pages share: constants, ownership, material rows, uploads."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from matters.models import BundleItem, CatalogStatus, DeliveryMethod, Matter

from .. import services
from ..access import applicant_side_condition, is_applicant_account
from ..exceptions import CaseError
from ..forms import UploadForm
from ..models import (
    IN_HAND,
    POWER_OF_ATTORNEY_CODE,
    SATISFIED,
    Case,
    CaseMaterial,
    CaseStatus,
    HelperAuthorisation,
    MaterialFile,
    MaterialStatus,
)
from ..selectors import case_detail_queryset, material_data_findings

ONLINE_APPLY_MIN_LEVEL = 3
CASES_PER_PAGE = 20
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
    """A case the signed-in user stands for as the applicant (their own, or filed as the
    agent), with everything a page shows, or 404."""
    _load_roles(request.user)
    return get_object_or_404(
        case_detail_queryset(request.user).filter(applicant_side_condition(request.user)),
        number=number,
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
    # Ids of the files the applicant may take off now (services.material_file_removable).
    removable: set[int] = field(default_factory=set)
    state: str = ""
    state_label: str = ""
    # 数据共享免提交: {item, department, at, fields} of what the data exchange returned.
    data: dict | None = None

    @property
    def anchor(self) -> str:
        return f"material-{self.material.requirement_id}"

    @property
    def input_id(self) -> str:
        return f"file-{self.material.requirement_id}"


def _material_rows(
    case: Case, *, errors: dict[int, str] | None = None, can_act: bool = True
) -> list[MaterialRow]:
    """The case's materials with their files, whether each may take an upload now, and why
    the applicant should care (missing, deferred, agent's letter)."""
    materials = list(case.materials.all())
    prefetch_related_objects(materials, "material_type__licence_type")
    found = material_data_findings(materials)
    errors = errors or {}
    asked_at = services.supplement_asked_at(case) if case.can("resubmit") else None
    # A helper's case: the resident's online confirmation stands for the signed letter.
    confirmed = (
        case.helper_id is not None and HelperAuthorisation.objects.filter(case=case).exists()
    )
    rows = []
    for material in materials:
        status = material.status
        if not can_act:
            can_upload = False
        elif case.can("submit"):
            can_upload = True
        elif status == MaterialStatus.DEFERRED:
            can_upload = material.is_open_deferral(case)
        elif case.materials_open:
            can_upload = status == MaterialStatus.MISSING
        else:
            can_upload = False
        in_hand = status in IN_HAND
        letter = (
            bool(case.agent_name)
            and not confirmed
            and AUTHORISATION_LETTER in material.material_type.name
        )
        needed = not in_hand and (material.needed_at_submission or letter or bool(material.reason))
        notes = []
        if letter and not in_hand and case.helper_id is not None:
            notes.append(
                _(
                    "代办须经申请人授权：请上传申请人签署的授权委托书，"
                    "或请申请人登录本人账户在线确认代办授权。"
                )
            )
        elif letter and not in_hand:
            notes.append(_("您填写了代办人，请上传申请人签署的授权委托书。"))
        files = list(material.files.all())
        rows.append(
            MaterialRow(
                material=material,
                files=files,
                removable={
                    stored.pk
                    for stored in files
                    if services.material_file_removable(case, material, stored, asked_at=asked_at)
                },
                can_upload=can_upload,
                needed=needed,
                error=errors.get(material.requirement_id, ""),
                notes=notes,
                data=found.get(material.pk),
                **_material_state(case, material),
            )
        )
    return rows


# While the hall or a department still checks what came in (files uploaded online count as
# taken in only once the window checked them or accepted the case).
CHECKING_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUIRED, CaseStatus.IN_REVIEW)


def _material_state(case: Case, material: CaseMaterial) -> dict:
    """A short status of the material in the applicant's words, and its colour.

    已收取 only once the window took the material in; a file uploaded online before that is
    已上传，待审核. A material that does not apply (the window said so, a department pushes
    it, the bundle issues it, or the guide asks for it only in some cases and the case is
    past its materials) is 不涉及, never a red 缺少.
    """
    status = material.status
    if status in SATISFIED:
        return {"state": "in", "state_label": material.get_status_display()}
    if status in IN_HAND:
        if case.can("submit"):
            return {"state": "in", "state_label": _("已上传")}
        if material.taken_in_at is None and case.status in CHECKING_STATUSES:
            return {"state": "pending", "state_label": _("已上传，待审核")}
        return {"state": "in", "state_label": _("已收取")}
    if status == MaterialStatus.DEFERRED:
        return {"state": "deferred", "state_label": _("容缺待补")}
    if status == MaterialStatus.NOT_APPLICABLE or (
        material.provided_for_applicant and not material.reason
    ):
        return {"state": "na", "state_label": _("不涉及")}
    if case.can("submit"):
        return {"state": "todo", "state_label": _("未上传")}
    if material.reason:
        return {"state": "missing", "state_label": _("需补正")}
    if not material.required:
        if case.materials_open:
            return {"state": "todo", "state_label": _("未提交")}
        return {"state": "na", "state_label": _("不涉及")}
    if material.deferrable:
        return {"state": "deferred", "state_label": _("暂缺（可容缺）")}
    return {"state": "missing", "state_label": material.get_status_display()}


def _upload(request: HttpRequest, case: Case) -> tuple[bool, dict[int, str], int]:
    """Pass one uploaded file to the service; ``(ok, errors by requirement, status)``."""
    form = UploadForm(request.POST, request.FILES)
    posted = request.POST.get("requirement", "")
    try:
        # The power of attorney added to an agent's filing has no requirement: its code.
        requirement_id = None if posted == POWER_OF_ATTORNEY_CODE else int(posted)
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


def _upload_context(case: Case, rows: list[MaterialRow], *, upload_view: str, viewer=None) -> dict:
    """What the material rows need; ``upload_view`` names the page that takes the uploads:
    every upload form posts there explicitly, whatever URL the page was rendered at (a
    refused resubmission renders the case page at ``…/resubmit/``). ``viewer``: the case
    number a locker material came from is shown to the applicant's own account only."""
    return {
        "show_reused_case": viewer is not None and is_applicant_account(viewer, case),
        "case": case,
        "upload_url": reverse(upload_view, kwargs={"number": case.number}),
        "rows": rows,
        "upload_errors": [row for row in rows if row.error],
        "limit_mb": UploadForm.limit_mb(),
        "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
    }
