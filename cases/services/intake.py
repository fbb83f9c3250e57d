"""Intake: create an application, upload materials, submit, and the window's decisions on it
(accept, accept with deferrals, one-time notice, refuse), withdrawal and resubmission."""

import copy
import datetime
import unicodedata
import uuid
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Case as Conditional
from django.db.models import (
    Count,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, JSONObject
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.compiled import insert_rows, rows_by, update_later
from accounts.identity import validate_credit_code, validate_id_number, validate_mobile
from accounts.language import recorded
from accounts.models import IdentityKind, User
from accounts.selectors import active_approvers
from halls.selectors import city_centre, staff_hall
from matters.checklist import evaluate, require_complete
from matters.exceptions import InvalidAnswerError, NotEligibleError
from matters.models import Bundle, CatalogStatus, DeliveryMethod, MaterialForm, Matter
from matters.selectors import (
    bundle_queryset,
    bundle_requirements,
    checklist_prefetches,
    merge_requirements,
)

from ..access import can_act_as_applicant, is_clerk, is_helper
from ..counters import material_status_changed, materials_in_added
from ..events import CaseAction
from ..exceptions import (
    CaseError,
    CasePermissionError,
    ConsentNotApplicantError,
    InvalidTransitionError,
    MaterialFileError,
    MaterialTooLargeError,
    MissingMaterialsError,
)
from ..models import (
    IN_HAND,
    POWER_OF_ATTORNEY_CODE,
    Case,
    CaseMaterial,
    CaseStatus,
    Channel,
    DeferralCommitment,
    HelperAuthorisation,
    MaterialFile,
    MaterialStatus,
    Review,
    ReviewStatus,
    VisitKind,
    fsm_sources,
)
from ..satisfiers import (
    CreateContext,
    Filing,
    fill_materials_on_create,
    identity_changed,
    prepare_fillers,
    satisfied_material_types,
    satisfied_materials_recheck,
)
from ..selectors import hand_on, hand_on_end, materials_of
from ._core import (
    case_require_transition,
    lock_case,
    missing_payload,
    record_event,
    refuse,
    run_transition,
)
from .applicants import applicant_account, identity_of, online_filing, require_power_of_attorney
from .deadlines import WorkingDays, deadline_dates, resume_clock
from .halls import (
    case_matters,
    intake_hall_set,
    pickup_fields,
    require_intake_hall,
    transfer_for_intake,
)
from .helpers import (
    authorisation_missing_error,
    first_responsible_take,
    helper_agent_fields,
    helper_authorised,
    helper_intake_hall,
    offer_power_of_attorney,
)
from .numbering import next_case_number
from .visits import visit_record

ALLOWED_FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
FILE_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Shown names, extension included (the column holds 200; a download header needs far less).
MAX_NAME_CHARS = 100
DEEMED_ACCEPTANCE_DAYS = 5


@dataclass(frozen=True)
class Applicant:
    kind: str
    name: str
    phone: str
    id_number: str = ""
    credit_code: str = ""


@dataclass(frozen=True)
class Agent:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class Delivery:
    method: str = DeliveryMethod.PICKUP
    receiver: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    # The pickup hall's code (异地能办); empty: the intake hall (online: the city centre
    # until a hall accepts the case).
    hall: str = ""


def _validated_applicant(applicant: Applicant) -> dict:
    errors: dict[str, list[str]] = {}

    def check(field: str, validator, value: str) -> str:
        try:
            return validator(value)
        except ValidationError as error:
            errors[field] = error.messages
            return value

    if not applicant.name.strip():
        errors["applicant.name"] = [_("请填写申请人姓名或名称。")]
    fields = {"applicant_kind": applicant.kind, "applicant_name": applicant.name.strip()}
    if applicant.kind == IdentityKind.PERSON:
        fields["applicant_id_number"] = check(
            "applicant.id_number", validate_id_number, applicant.id_number
        )
    elif applicant.kind == IdentityKind.COMPANY:
        fields["applicant_credit_code"] = check(
            "applicant.credit_code", validate_credit_code, applicant.credit_code
        )
    else:
        errors["applicant.kind"] = [_("申请人类型应为个人或企业。")]
    fields["applicant_phone"] = check("applicant.phone", validate_mobile, applicant.phone)
    if errors:
        raise ValidationError(errors)
    return fields


def _validated_agent(agent: Agent | None) -> dict:
    if agent is None or not (agent.name or agent.id_number or agent.phone):
        return {"agent_name": "", "agent_id_number": "", "agent_phone": ""}
    errors: dict[str, list[str]] = {}
    fields = {"agent_name": agent.name.strip()}
    if not fields["agent_name"]:
        errors["agent.name"] = [_("请填写代办人姓名。")]
    for field, validator, value in (
        ("agent_id_number", validate_id_number, agent.id_number),
        ("agent_phone", validate_mobile, agent.phone),
    ):
        try:
            fields[field] = validator(value)
        except ValidationError as error:
            errors[field.replace("agent_", "agent.")] = error.messages
    if errors:
        raise ValidationError(errors)
    return fields


def _validated_delivery(delivery: Delivery, allowed: set[str]) -> dict:
    if delivery.method not in allowed:
        raise ValidationError({"delivery.method": [_("该事项不支持所选的送达方式。")]})
    if delivery.method != DeliveryMethod.COURIER:
        return {
            "delivery_method": delivery.method,
            **dict.fromkeys(
                ("receiver", "receiver_phone", "province", "city", "district", "address"), ""
            ),
        }
    errors: dict[str, list[str]] = {}
    fields = {"delivery_method": delivery.method}
    for field, label, value in (
        ("receiver", _("收件人"), delivery.receiver),
        ("province", _("省"), delivery.province),
        ("city", _("市"), delivery.city),
        ("district", _("区/县"), delivery.district),
        ("address", _("详细地址"), delivery.address),
    ):
        if not value.strip():
            errors[f"delivery.{field}"] = [_("快递送达须填写%(label)s。") % {"label": label}]
        fields[field] = value.strip()
    if fields.get("address") and len(fields["address"]) < 5:
        errors["delivery.address"] = [_("详细地址过短，请写明街道、门牌号。")]
    try:
        fields["receiver_phone"] = validate_mobile(delivery.phone)
    except ValidationError as error:
        errors["delivery.phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    return fields


def _answered_requirements(matter: Matter, answers: dict) -> tuple[list, list[dict]]:
    """情形引导: the requirements that apply to the applicant who answered so (those their
    answers selected required of them), and the answers as the case keeps them. Refused
    when an answer is unknown (``invalid_answer``), a question is left unanswered
    (``answers_incomplete``) or an answer rules the applicant out (``not_eligible``)."""
    # The checklist read onto the caller's matter (no second read of the matter itself).
    prefetch_related_objects([matter], *checklist_prefetches())
    result = evaluate(matter, answers)
    require_complete(result)
    if not result.eligible:
        raise NotEligibleError(
            "；".join(
                _("%(a)s：%(r)s") % {"a": reason.option.label, "r": reason.reason}
                for reason in result.reasons
            ),
            extra={
                "reasons": [
                    {
                        "question": reason.question.code,
                        "answer": reason.option.label,
                        "reason": reason.reason,
                        "instead": reason.instead,
                    }
                    for reason in result.reasons
                ]
            },
        )
    requirements = []
    for applied in result.requirements:
        # A copy for this case only (the matter's own stays as the guide lists it): selected,
        # it is required of this applicant.
        requirement = copy.copy(applied.requirement)
        requirement.required = applied.required
        requirements.append(requirement)
    return requirements, result.stored_answers()


def _case_scope(matter: Matter | None, bundle: Bundle | None, *, requirements: list | None = None):
    """Matters of the case, merged requirements, limits, delivery methods, lead department.

    ``requirements``: a matter's requirements that apply, as the answers selected them
    (``_answered_requirements``); without them, every requirement as the guide lists it.
    """
    if (matter is None) == (bundle is None):
        raise ValidationError({"matter": [_("请选择一个事项或一件事。")]})
    if matter is not None:
        if matter.status != CatalogStatus.PUBLISHED:
            raise ValidationError({"matter": [_("该事项未发布，不能申请。")]})
        if requirements is None:
            requirements = list(matter.requirements.select_related("material").order_by("order"))
        merged = merge_requirements(requirements)
        return [matter], merged, matter.lead_department, set(matter.delivery_methods)
    if bundle.status != CatalogStatus.PUBLISHED:
        raise ValidationError({"bundle": [_("该“一件事”未发布，不能申请。")]})
    bundle = bundle_queryset().get(pk=bundle.pk)
    matters = [item.matter for item in bundle.items.all()]
    methods = set.intersection(*(set(m.delivery_methods) for m in matters))
    return matters, bundle_requirements(bundle), matters[0].lead_department, methods


def case_create(
    *,
    by: User,
    applicant: Applicant,
    matter: Matter | None = None,
    bundle: Bundle | None = None,
    agent: Agent | None = None,
    delivery: Delivery | None = None,
    channel: str = Channel.ONLINE,
    home_visit: bool = False,
    consent: bool = False,
    answers: dict | None = None,
) -> Case:
    """Start a draft application for a matter or a bundle, one material entry per requirement.

    Online, an account applies for its own identity, or as the declared agent of another
    (then the power of attorney is required). A clerk applies at the window for the
    applicant in front of them. A helper (代办员) files for a resident who asks: the helper
    is the agent, the case is taken in at the helper's hall (if it may take the matter in)
    and needs the resident's authorisation before submission; ``home_visit``: filed on a
    home visit (上门代办). Either way the case belongs to the applicant's own account when
    there is one: it shows in their 我的办件 and their notices go there. A clerk or helper
    who files becomes the case's first responsible person (首接负责制).

    ``consent``: the applicant agreed to the lookups of their data (数据共享); it counts only
    from the applicant filing for their own identity or recorded by a clerk at the window
    (an agent's or helper's ``consent`` is refused: ``consent_not_applicant``). ``answers``:
    the applicant's answers to the matter's questions (情形引导), which select the
    conditional requirements.

    The preparers (``cases.satisfiers.register_preparer``: the exchange's lookups) run
    before the case's transaction, so no slow call holds the day's number lock.
    """
    if not by.is_authenticated:
        raise CasePermissionError(_("请先登录。"))
    # 情形引导: answers select the materials that apply. Filed online (by the applicant,
    # their agent or a helper) for a matter that asks questions, every question must be
    # answered (``answers_incomplete``); a clerk at the window may leave them unanswered,
    # then every material is listed as the guide states it and the clerk checks them.
    # Matters without questions and bundles (一件事, which ask none) need no answers.
    requirements, stored_answers = None, []
    if answers is not None and bundle is not None and answers:
        raise InvalidAnswerError(_("“一件事”没有情形问题，请不要填写 answers。"), question=None)
    if answers is None and matter is not None and not is_clerk(by) and matter.questions.exists():
        answers = {}
    if answers is not None and matter is not None and matter.status == CatalogStatus.PUBLISHED:
        requirements, stored_answers = _answered_requirements(matter, answers)
    matters, merged, lead_department, methods = _case_scope(
        matter, bundle, requirements=requirements
    )
    delivery = delivery or Delivery()
    helper = is_helper(by)
    if home_visit and not helper:
        raise CasePermissionError(_("只有代办员可以上门代办申请。"))
    fields = {
        **_validated_applicant(applicant),
        **(helper_agent_fields(by) if helper else _validated_agent(agent)),
        **_validated_delivery(delivery, methods),
    }
    hall = None
    if is_clerk(by):
        # Taken in at the clerk's hall, which must be one that may take the matter in.
        hall = staff_hall(by)
        require_intake_hall(matters, hall)
        channel = Channel.WINDOW
        owner = applicant_account(fields["applicant_kind"], identity_of(fields))
        agent_filing = False
    elif helper:
        hall = helper_intake_hall(by, matters)
        channel = Channel.ONLINE
        owner = applicant_account(fields["applicant_kind"], identity_of(fields))
        agent_filing = False
    else:
        hall = None
        channel = Channel.ONLINE
        owner, agent_filing = online_filing(by, fields)
    if consent and not (channel == Channel.WINDOW or (not helper and not agent_filing)):
        raise ConsentNotApplicantError(
            _(
                "只有申请人本人（或窗口受理时由工作人员记录）可以同意查询共享数据；"
                "代办的，请提交纸质材料。"
            )
        )
    fields.update(pickup_fields(delivery.method, delivery.hall, hall or city_centre()))
    prepared = prepare_fillers(
        Filing(
            by=by,
            consent=consent,
            applicant_kind=fields["applicant_kind"],
            applicant_identity=identity_of(fields),
            applicant_name=fields["applicant_name"],
            title=matter.name if matter else bundle.name,
            material_type_ids=tuple(item.material.pk for item in merged),
            lead_department=lead_department,
            hall=hall,
        )
    )
    with transaction.atomic():
        return _case_create_in_transaction(
            by=by,
            matter=matter,
            bundle=bundle,
            merged=merged,
            matters=matters,
            lead_department=lead_department,
            channel=channel,
            hall=hall,
            owner=owner,
            helper=helper,
            home_visit=home_visit,
            agent_filing=agent_filing,
            fields=fields,
            stored_answers=stored_answers,
            context=CreateContext(by=by, consent=consent, prepared=prepared),
        )


def _case_create_in_transaction(
    *,
    by,
    matter,
    bundle,
    merged,
    matters,
    lead_department,
    channel,
    hall,
    owner,
    helper,
    home_visit,
    agent_filing,
    fields,
    stored_answers,
    context,
) -> Case:
    today = timezone.localdate()
    case = Case.objects.create(
        number=next_case_number(today),
        matter=matter,
        matter_version=matter.version if matter else None,
        bundle=bundle,
        lead_department=lead_department,
        channel=channel,
        hall=hall,
        owner=owner,
        created_by=by,
        committed_days=max(m.committed_days for m in matters),
        legal_days=max(m.legal_days for m in matters),
        helper=by if helper else None,
        home_visit=home_visit,
        first_responsible=by if channel == Channel.WINDOW or helper else None,
        answers=stored_answers,
        **fields,
    )
    insert_rows(
        CaseMaterial(
            case=case,
            requirement_id=item.requirement_ids[0],
            material_type=item.material,
            order=order,
            key=item.key,
            required=item.required,
            deferrable=item.deferrable,
            copies=item.copies,
            provided_by=item.provided_by,
        )
        for order, item in enumerate(merged)
    )
    if agent_filing:
        require_power_of_attorney(case, True)
    elif helper:
        offer_power_of_attorney(case)
    # 无证明办理: what the applicant already holds (e.g. a valid e-licence) is not asked for.
    satisfied = satisfied_material_types(case)
    if satisfied:
        materials_in_added(
            case,
            case.materials.filter(material_type_id__in=satisfied).update(
                status=MaterialStatus.SATISFIED_BY_LICENCE
            ),
        )
    fill_materials_on_create(case, context)
    record_event(case, action=CaseAction.CREATE, by=by, to_status=case.status)
    return case


@transaction.atomic
def case_update_details(
    *,
    case: Case,
    by: User,
    applicant: Applicant,
    agent: Agent | None = None,
    delivery: Delivery | None = None,
) -> Case:
    """Change a draft's applicant, agent and delivery details (saved drafts are resumed).

    Online, the same rule as filing: the account's own identity, or a declared agent.
    """
    case = lock_case(case)
    _check_applicant_actor(by, case)
    case_require_transition(case, "submit")
    _matters, _merged, _lead, methods = _case_scope(case.matter, case.bundle)
    delivery = delivery or Delivery()
    before = (case.applicant_kind, (case.applicant_identity or "").upper())
    fields = {
        **_validated_applicant(applicant),
        # The helper stays the agent of their case whatever the form says.
        **(helper_agent_fields(case.helper) if case.helper_id else _validated_agent(agent)),
        **_validated_delivery(delivery, methods),
        **pickup_fields(delivery.method, delivery.hall, case.hall or city_centre()),
    }
    if case.helper_id is not None:
        # Another applicant's name on the draft needs that applicant's own confirmation.
        case.owner = applicant_account(fields["applicant_kind"], identity_of(fields))
        if identity_of(fields) != case.applicant_identity:
            HelperAuthorisation.objects.filter(case=case).delete()
    elif case.channel == Channel.ONLINE:
        case.owner, agent_filing = online_filing(by, fields)
        require_power_of_attorney(case, agent_filing)
    else:
        case.owner = applicant_account(fields["applicant_kind"], identity_of(fields))
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    if (case.applicant_kind, (case.applicant_identity or "").upper()) != before:
        # What was filled from the former applicant's own records (their locker, their data)
        # is not the new applicant's.
        identity_changed(case)
    return case


def _check_applicant_actor(by: User, case: Case) -> None:
    if not can_act_as_applicant(by, case):
        raise CasePermissionError(_("您无权办理此办件。"))


def _sniff(upload: UploadedFile) -> str:
    """The file's real type from its content, or raise."""
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_FILE_TYPES:
        raise MaterialFileError(
            _("只接受 PDF、JPEG、PNG 文件（按文件内容识别，与文件名无关）。"),
            extra={"field": "file"},
        )
    return kind.mime


def _check_image_pixels(upload: UploadedFile) -> None:
    """Refuse an image larger than MATERIAL_MAX_IMAGE_PIXELS, from its header alone.

    ``Image.open`` reads the header, never the pixels, so a 50,000 × 50,000 PNG of a few
    kilobytes costs nothing here; decoding it anywhere later would take gigabytes.
    """
    limit = settings.MATERIAL_MAX_IMAGE_PIXELS
    too_large = MaterialFileError(
        _("图片尺寸过大：不能超过 %(megapixels)s 百万像素，请缩小后重新上传。")
        % {"megapixels": f"{limit / 1_000_000:g}"},
        code="image_too_large",
        extra={"field": "file"},
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise MaterialFileError(
            _("图片文件已损坏，无法识别，请重新扫描或拍照后上传。"), extra={"field": "file"}
        ) from None
    finally:
        upload.seek(0)
    if width * height > limit:
        raise too_large


def _clean_name(name: str) -> str:
    """The name without control characters (NUL included) or path, normalised (NFC)."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    return name.replace("/", "_").replace("\\", "_").strip()


def material_file_name(name: str, content_type: str, *, fallback: str = "") -> str:
    """The name a file is shown and downloaded under: its own stem and the extension of its
    sniffed type (``poly.html`` holding a PDF is ``poly.pdf``), at most 100 characters."""
    extension = FILE_EXTENSIONS[content_type]
    stem = _clean_name(name)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = stem.strip(" .") or _clean_name(fallback) or _("材料")
    return f"{stem[: MAX_NAME_CHARS - len(extension)]}{extension}"


def _with_file_count(materials: QuerySet[CaseMaterial]) -> QuerySet[CaseMaterial]:
    """``file_count`` on each material: its files, counted in the same statement."""
    files = (
        MaterialFile.objects.filter(material=OuterRef("pk"))
        .order_by()
        .values("material")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return materials.annotate(file_count=Coalesce(Subquery(files), 0))


def material_for_requirement(
    case: Case, requirement_id: int | None, *, count_files: bool = False
) -> CaseMaterial:
    """The case's material entry for a requirement (of the matter, or any merged into it),
    in one statement (``count_files``: with its ``file_count`` read in it too).

    ``None`` is the material the hall added beyond the guide (the agent's power of attorney);
    on a helper's case, the power of attorney wherever it comes from (the guide's own too).
    """
    from matters.models import Requirement

    materials = case.materials.select_related("material_type")
    if count_files:
        materials = _with_file_count(materials)
    if requirement_id is None:
        material = materials.filter(requirement__isnull=True).first()
        if material is None and case.helper_id is not None:
            material = materials.filter(material_type__code=POWER_OF_ATTORNEY_CODE).first()
        if material is None:
            raise ValidationError({"requirement": [_("该办件没有这项材料要求。")]})
        return material
    # The requirement's material type read in the same statement (none: no material).
    material_type = Requirement.objects.filter(pk=requirement_id).values("material_id")[:1]
    material = materials.filter(material_type_id=Subquery(material_type)).first()
    if material is None:
        raise ValidationError({"requirement": [_("该办件没有这项材料要求。")]})
    return material


def material_in(case: Case, materials: list[CaseMaterial], requirement_id: int | None):
    """``material_for_requirement`` from the case's materials read already (``materials``,
    kept current: a material read here takes its place in the list)."""
    for material in materials:
        if requirement_id is not None and material.requirement_id == requirement_id:
            return material
    material = material_for_requirement(case, requirement_id)
    for index, other in enumerate(materials):
        if other.pk == material.pk:
            materials[index] = material
            return material
    materials.append(material)
    return material


def size_label(size: int) -> str:
    """``20 MB`` for whole megabytes, else Django's ``2.0 KB`` (never "0 MB")."""
    megabyte = 1024 * 1024
    if size >= megabyte and size % megabyte == 0:
        return f"{size // megabyte} MB"
    return filesizeformat(size)


@transaction.atomic
def material_upload(
    *, case: Case, by: User, requirement_id: int | None, upload: UploadedFile
) -> MaterialFile:
    """Attach a file to a material; PDF, JPEG or PNG by content, within the size limit.

    Allowed while the applicant can still change the application (draft, submitted before
    acceptance, supplement required) and, for a material deferred at acceptance, until it is
    in. At most MATERIAL_MAX_FILES files a material; images within MATERIAL_MAX_IMAGE_PIXELS.
    The file is stored under a random name with its sniffed type's extension: the uploaded
    name (any length, any characters) is kept only as the name shown, cleaned.
    """
    limit = settings.MATERIAL_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise MaterialTooLargeError(
            _("文件过大：单个文件不能超过 %(limit)s。") % {"limit": size_label(limit)}
        )
    content_type = _sniff(upload)
    if content_type.startswith("image/"):
        _check_image_pixels(upload)
    case = lock_case(case)
    _check_applicant_actor(by, case)
    # Its files counted in the same read; the case's row lock keeps the count true until
    # this transaction ends (every upload and removal of the case's files takes it).
    material = material_for_requirement(case, requirement_id, count_files=True)
    files = material.file_count
    if not (case.materials_open or material.is_open_deferral(case)):
        raise refuse(case, "upload")
    if material.status == MaterialStatus.SATISFIED_BY_LOCKER:
        # The applicant brings their own instead of the locker's: the reused files (rows
        # only; the stored files are the earlier case's) give way.
        MaterialFile.objects.filter(material=material).delete()
        material.reused_from = None
        material.save(update_fields=["reused_from"])
        files = 0
    max_files = settings.MATERIAL_MAX_FILES
    if files >= max_files:
        raise MaterialFileError(
            _("“%(m)s”最多上传 %(n)d 个文件，请先删除不需要的文件。")
            % {"m": material.material_type.name, "n": max_files},
            code="too_many_files",
            extra={"field": "file"},
        )
    shown_name = material_file_name(upload.name, content_type, fallback=material.material_type.name)
    upload.name = f"{uuid.uuid4().hex}{FILE_EXTENSIONS[content_type]}"
    stored = MaterialFile.objects.create(
        material=material,
        file=upload,
        original_name=shown_name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    was_deferred = material.status == MaterialStatus.DEFERRED
    material_status_changed(case, material.status, MaterialStatus.RECEIVED)
    material.status = MaterialStatus.RECEIVED
    # While a supplement is open the reason says what was asked (shown again if the applicant
    # takes the new file off); otherwise the material is simply in.
    if not case.can("resubmit"):
        material.reason = ""
    fields = ["status", "reason"]
    if not is_clerk(by):
        # Sent online: electronic copies, in once the window has checked them (a clerk's scan
        # is the paper the checklist records).
        material.received_form = MaterialForm.ELECTRONIC
        material.received_copies = files + 1
        material.taken_in_at = None
        fields += ["received_form", "received_copies", "taken_in_at"]
    material.save(update_fields=fields)
    if was_deferred:
        record_event(
            case,
            action=CaseAction.DEFERRED_SUPPLIED,
            by=by,
            note=recorded("容缺材料已补交：%(m)s", {"m": material.material_type.name}),
        )
    return stored


def supplement_asked_at(case: Case) -> datetime.datetime | None:
    """When the case last entered ``supplement_required`` (its open one-time notice)."""
    return (
        case.events.filter(to_status=CaseStatus.SUPPLEMENT_REQUIRED)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )


def material_file_removable(
    case: Case, material: CaseMaterial, stored: MaterialFile, *, asked_at
) -> bool:
    """Whether the applicant may take this file off now.

    A draft is the applicant's own. Waiting for supplement, only what the window has not
    checked: the files of a material asked for again, and files uploaded since the notice.
    """
    if case.can("submit"):
        return True
    if not case.can("resubmit"):
        return False
    asked = material.status == MaterialStatus.MISSING or bool(material.reason)
    return asked or (asked_at is not None and stored.uploaded_at >= asked_at)


@transaction.atomic
def material_file_remove(*, stored: MaterialFile, by: User) -> CaseMaterial:
    """Take an uploaded file off its material, to remove or replace it (draft, supplement).

    The material is missing again when its last file goes (deferred again if it had been
    deferred at acceptance). The stored file is deleted after commit.
    """
    case = lock_case(stored.material.case_id)
    _check_applicant_actor(by, case)
    if not case.files_removable:
        raise refuse(case, "remove_file")
    material = CaseMaterial.objects.select_for_update(of=("self",)).get(pk=stored.material_id)
    if not material_file_removable(case, material, stored, asked_at=supplement_asked_at(case)):
        raise InvalidTransitionError(
            _("“%(m)s”已经窗口核验，补正期间不能删除；如需更正请联系窗口。")
            % {"m": material.material_type.name},
            extra={"status": case.status},
        )
    file = stored.file
    stored.delete()
    files_left = material.files.count()
    if not files_left:
        before = material.status
        material.status = MaterialStatus.DEFERRED if material.due_date else MaterialStatus.MISSING
        material_status_changed(case, before, material.status)
        material.received_form, material.received_copies = "", 0
        material.taken_in_at = None
        # Taking off the file reused from the locker: the applicant brings their own instead.
        material.reused_from = None
        material.save(
            update_fields=[
                "status",
                "received_form",
                "received_copies",
                "taken_in_at",
                "reused_from",
            ]
        )
    elif material.uploaded_online:
        material.received_copies = files_left
        material.save(update_fields=["received_copies"])
    # A file reused from the materials locker is shared with the case it was verified on
    # (and any other reusing it): the stored file goes only with its last reference.
    if not MaterialFile.objects.filter(file=file.name).exists():
        transaction.on_commit(lambda: file.delete(save=False))
    return material


def missing_for_submission(
    case: Case, *, materials: list[CaseMaterial] | None = None
) -> list[CaseMaterial]:
    """Required materials not in, except those the guide marks deferrable (of ``materials``
    when the caller has read them already)."""
    if materials is None:
        materials = case.materials.select_related("material_type")
    return [
        material
        for material in materials
        if material.needed_at_submission and material.status not in IN_HAND
    ]


def _missing_error(missing: list[CaseMaterial]) -> MissingMaterialsError:
    names = "、".join(material.material_type.name for material in missing)
    return MissingMaterialsError(
        _("以下材料尚未提交：%(names)s。") % {"names": names},
        missing=[
            {"requirement": material.requirement_id, "name": material.material_type.name}
            for material in missing
        ],
    )


def case_submit(*, case: Case, by: User) -> Case:
    """Hand the application in; refused naming every missing material at once.

    A material an e-licence stood for counts only while the licence still does (not revoked,
    expired or altered); one that lapsed is missing again, and that is kept even though the
    submission is refused.
    """
    with transaction.atomic():
        case = lock_case(case)
        _check_applicant_actor(by, case)
        case_require_transition(case, "submit")
        materials = materials_of(case)
        satisfied_materials_recheck(case=case, materials=materials)
        missing = missing_for_submission(case, materials=materials)
        unauthorised = case.helper_id is not None and not helper_authorised(case, materials)
        if not missing and not unauthorised:
            run_transition(case, CaseAction.SUBMIT, by=by, at=timezone.now())
            return case
    if unauthorised:
        raise authorisation_missing_error(case, missing)
    raise _missing_error(missing)


def _validate_deferrals(
    case: Case,
    deferred: list[int],
    due_date: datetime.date | None,
    *,
    loaded: list[CaseMaterial],
    working: WorkingDays,
):
    """The materials to defer; ``loaded``: the case's materials, read already."""
    by_requirement = {m.requirement_id: m for m in loaded}
    materials = [
        by_requirement.get(requirement_id) or material_for_requirement(case, requirement_id)
        for requirement_id in deferred
    ]
    errors = []
    for material in materials:
        if material.key:
            errors.append(_("主件“%(m)s”不能容缺。") % {"m": material.material_type.name})
        elif not material.deferrable:
            errors.append(
                _("“%(m)s”不在办事指南的容缺范围内。") % {"m": material.material_type.name}
            )
        elif material.status in IN_HAND:
            errors.append(_("“%(m)s”已收取，无需容缺。") % {"m": material.material_type.name})
    if materials and due_date is None:
        errors.append(_("容缺受理须约定补齐日期。"))
    if due_date is not None and due_date <= timezone.localdate():
        errors.append(_("补齐日期须晚于今天。"))
    elif due_date is not None and not working.includes(due_date):
        errors.append(
            _("补齐日期%(date)s不是工作日，请选择工作日。") % {"date": due_date.isoformat()}
        )
    if errors:
        raise ValidationError({"deferred": errors})
    return materials


def case_accept(
    *,
    case: Case,
    by: User | None,
    deferred: list[int] | None = None,
    due_date: datetime.date | None = None,
    commitment: str = "",
    in_person: bool | None = None,
    valid_until: dict | None = None,
) -> Case:
    """Accept the application (受理), optionally deferring materials (容缺受理).

    Every required non-deferred material must be in. Opens one review per reviewing
    department of the matter (or of every matter of the bundle, each department once), all
    at once. ``by=None`` is the system (deemed acceptance), which accepts as of the day the
    materials were received. A case taken in with the applicant at the window counts a trip.
    Materials an e-licence stood for are checked again, as at submission.
    ``valid_until``: requirement id → the day a document's own validity ends (a certificate,
    an ID card), when the clerk records it: it is kept in the applicant's materials locker
    (材料库) no longer than that (carried in the event's payload).
    """
    with transaction.atomic():
        accepted = _accept(
            case, by, deferred or [], due_date, commitment, in_person, valid_until or {}
        )
        if isinstance(accepted, Case):
            return accepted
    raise _missing_error(accepted)


def _accept(
    case: Case,
    by: User | None,
    deferred: list[int],
    due_date: datetime.date | None,
    commitment: str,
    in_person: bool | None,
    valid_until: dict,
) -> Case | list[CaseMaterial]:
    """The acceptance itself, or the missing materials (the licence re-check is kept)."""
    case = lock_case(case)
    if by is not None and not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以受理。"))
    case_require_transition(case, "accept")
    # Taken in at the clerk's hall, which must be one that may take in every matter; a
    # helper's case was taken in at the helper's hall when it was filed, and stays so.
    if case.helper_id is not None and case.hall_id is not None:
        hall = case.hall
        if by is not None:
            require_intake_hall(case_matters(case), staff_hall(by))
    elif by is not None:
        hall = staff_hall(by)
        require_intake_hall(case_matters(case), hall)
    else:
        hall = case.hall or city_centre()
    # The materials are read once; every check below looks at these rows.
    materials = materials_of(case)
    expiries = _document_expiries(materials, valid_until)
    satisfied_materials_recheck(case=case, materials=materials)
    today = timezone.localdate()
    # Deemed acceptance (licensing law art. 32): accepted as of the day the materials came in.
    received = case.submitted_at if by is None else None
    accepted_on = timezone.localdate(received) if received else today
    # One read of the calendar for the due date and the deadline.
    working = WorkingDays(accepted_on)
    online_errors: list[str] = []
    if deferred and by is not None and case.channel == Channel.ONLINE:
        due_date, commitment, online_errors = _online_commitment(
            case, deferred, due_date, materials
        )
    try:
        deferred_materials = _validate_deferrals(
            case, deferred, due_date, loaded=materials, working=working
        )
    except ValidationError as error:
        raise ValidationError(
            {"deferred": online_errors + error.message_dict["deferred"]}
        ) from error
    if online_errors:
        raise ValidationError({"deferred": online_errors})
    deferred_ids = {material.pk for material in deferred_materials}
    missing = [
        m for m in missing_for_submission(case, materials=materials) if m.pk not in deferred_ids
    ]
    # Deferrable materials not yet in must be deferred (with a due date) or asked for.
    missing += [
        m
        for m in materials
        if m.required
        and m.deferrable
        and m.pk not in deferred_ids
        and m.status in (MaterialStatus.MISSING,)
    ]
    if missing and by is not None:
        return missing
    # Accepting takes in what was uploaded and not yet checked at the window (named in the
    # event's payload: nobody checked them, so the materials locker does not keep them).
    untaken = [
        m.pk for m in materials if m.status == MaterialStatus.RECEIVED and m.taken_in_at is None
    ]
    taken_in_at = timezone.now()
    # Both in one UPDATE (what is in hand is never deferred): each row gets its own change.
    changes = {}
    if untaken:
        changes["taken_in_at"] = _for_rows(untaken, taken_in_at, "taken_in_at", deferred_ids)
    if deferred_ids:
        changes["status"] = _for_rows(deferred_ids, MaterialStatus.DEFERRED, "status", untaken)
        changes["due_date"] = _for_rows(deferred_ids, due_date, "due_date", untaken)
    if changes:
        # The case's materials, under its lock: the next statement carries the UPDATE.
        update_later(CaseMaterial.objects.filter(pk__in=[*untaken, *deferred_ids]), **changes)
    for material in materials:
        if material.pk in untaken:
            material.taken_in_at = taken_in_at
    for material in deferred_materials:
        material_status_changed(case, material.status, MaterialStatus.DEFERRED)
        material.status = MaterialStatus.DEFERRED
        material.due_date = due_date
    # What the acceptance notice names: every material now deferred, and the earliest due day.
    current = {m.pk: m for m in deferred_materials}
    now_deferred = [
        current.get(m.pk, m)
        for m in materials
        if current.get(m.pk, m).status == MaterialStatus.DEFERRED
    ]
    due = min((m.due_date for m in now_deferred if m.due_date), default=None)
    note = ""
    if deferred_materials:
        names = "、".join(m.material_type.name for m in deferred_materials)
        note = recorded(
            "容缺受理：%(names)s，承诺于%(due)s前补齐。%(commitment)s",
            {
                "names": names,
                "due": due_date,
                "commitment": commitment,
            },
        )
    elif by is None:
        note = recorded(
            "网上申请满5个工作日未作处理，依法视为受理，受理日期为收到申请材料之日（%(day)s）。"
        ) % {"day": f"{accepted_on.year}年{accepted_on.month}月{accepted_on.day}日"}
    # Reviews and dates first: the event's reactions (notices) read them.
    departments = reviewing_departments(case)
    reviews = insert_rows(Review(case=case, department=department) for department in departments)
    # The receipt, the locker and the reviewers' notices are made from these rows as stored.
    hand_on(
        case,
        materials=[current.get(m.pk, m) for m in materials],
        reviews=reviews,
        approvers=_approvers_of(departments),
    )
    try:
        deadline, warning_on = deadline_dates(
            accepted_on, case.committed_days + case.extension_days, working=working
        )
        # Saved with the transition: the receipt and the notices name the intake hall.
        intake_hall_set(case, hall)
        # 首接负责制: the clerk who accepts an online case answers for it (unless a helper does).
        first_responsible_take(case, by)
        run_transition(
            case,
            "accept",
            by=by,
            note=note,
            payload={
                "deferred": [m.material_type.name for m in now_deferred],
                "due_date": due.isoformat() if due else None,
                **({"valid_until": expiries} if expiries else {}),
                **({"unchecked": untaken} if untaken else {}),
            },
            on=accepted_on,
            deadline=deadline,
            warning_on=warning_on,
        )
    finally:
        # Only this event's reactions may use them: later reads of the case read afresh.
        hand_on_end(case)
    if by is not None and (in_person if in_person is not None else case.channel == Channel.WINDOW):
        visit_record(case=case, by=by, kind=VisitKind.INTAKE, on=today)
    if by is not None:
        transfer_for_intake(case=case, by=by)
    return case


def _for_rows(ids, value, field: str, others) -> object:
    """An UPDATE's value of ``field``: ``value`` for the rows ``ids``, unchanged for the
    ``others`` updated with them."""
    if not others:
        return value
    return Conditional(When(pk__in=list(ids), then=Value(value)), default=F(field))


def _document_expiries(materials: list[CaseMaterial], valid_until: dict) -> dict[str, str]:
    """The documents' own validity the clerk recorded (requirement id → date), as material type
    id → ISO date for the event's payload; a day before tomorrow or an unknown requirement is
    refused (400 ``valid_until``)."""
    if not valid_until:
        return {}
    by_requirement = {str(m.requirement_id): m for m in materials if m.requirement_id}
    errors, expiries = [], {}
    today = timezone.localdate()
    for key, day in valid_until.items():
        material = by_requirement.get(str(key))
        if material is None:
            errors.append(_("该办件没有这项材料要求：%(key)s。") % {"key": key})
        elif not isinstance(day, datetime.date) or day <= today:
            errors.append(
                _("“%(m)s”的有效期须晚于今天；已过期的证件不能作为有效材料。")
                % {"m": material.material_type.name}
            )
        else:
            expiries[str(material.material_type_id)] = day.isoformat()
    if errors:
        raise ValidationError({"valid_until": errors})
    return expiries


def _online_commitment(
    case: Case, deferred: list[int], due_date: datetime.date | None, materials: list
) -> tuple[datetime.date, str, list[str]]:
    """An online case is deferred only on the applicant's own online commitment, for the
    materials it names and by its date (the clerk ticks nothing for them): the due date, the
    words for the acceptance, and what the commitment does not cover."""
    commitment = DeferralCommitment.objects.filter(case=case).first()
    if commitment is None:
        raise ValidationError(
            {
                "deferred": [
                    _(
                        "申请人尚未在线作出容缺承诺，不能容缺受理：请出具一次性告知，"
                        "或请申请人在办件页面确认容缺承诺。"
                    )
                ]
            }
        )
    names = {m.requirement_id: m.material_type.name for m in materials}
    # Only what the guide lets defer: the rest is named by ``_validate_deferrals``.
    deferrable = {m.requirement_id for m in materials if m.deferrable and not m.key}
    uncovered = [r for r in deferred if r in deferrable and r not in commitment.requirement_ids]
    errors = []
    if uncovered:
        errors.append(
            _("申请人的容缺承诺不包括：%(names)s。")
            % {"names": "、".join(names.get(r, str(r)) for r in uncovered)}
        )
    if due_date is not None and due_date != commitment.due_date:
        errors.append(
            _("补齐期限须为申请人承诺的%(due)s。") % {"due": commitment.due_date.isoformat()}
        )
    at = timezone.localtime(commitment.given_at)
    text = recorded("申请人已于%(at)s在线确认容缺承诺。", {"at": at.strftime("%Y-%m-%d %H:%M")})
    return commitment.due_date, text, errors


def reviewing_departments(case: Case):
    """Every department that reviews the case, each once, in code order; on PostgreSQL each
    with its active approvers (``_approvers_of``), read in the same statement."""
    if case.matter_id:
        # Every acceptance asks: compiled once per process.
        return rows_by(
            "reviewing_departments", _departments_in_code_order, "reviewed_matters", case.matter_id
        )
    return list(_departments_in_code_order().filter(reviewed_matters__bundles=case.bundle_id))


def _departments_in_code_order():
    from accounts.models import Department

    departments = Department.objects.distinct().order_by("code")
    if connection.vendor != "postgresql":  # no arrays in the embedded SQLite of make run
        return departments
    approvers = (
        active_approvers()
        .filter(department=OuterRef("pk"))
        .order_by("pk")
        .values(row=JSONObject(id="id", phone="phone"))  # the _APPROVER_FIELDS it has
    )
    return departments.annotate(approver_rows=ArraySubquery(approvers))


# What the reviewers' notices need of an approver (``hall.reactions.reviewer_notices``), in
# the order of the model's fields, as ``Model.from_db`` takes them.
_APPROVER_FIELDS = [
    field.attname
    for field in User._meta.concrete_fields
    if field.attname in ("id", "phone", "department_id")
]


def _approvers_of(departments) -> dict[int, list[User]] | None:
    """Each department's active approvers, read with it (``reviewing_departments``), as users
    with only what a notice needs loaded; ``None`` where they were not read with it."""
    if not all(hasattr(department, "approver_rows") for department in departments):
        return None
    approvers: dict[int, list[User]] = {}
    for department in departments:
        users = approvers[department.pk] = []
        for row in department.approver_rows:
            values = {**row, "department_id": department.pk}
            fields = [values[name] for name in _APPROVER_FIELDS]
            users.append(User.from_db(DEFAULT_DB_ALIAS, _APPROVER_FIELDS, fields))
    return approvers


def _mark_missing(
    case: Case, missing: list[int], reasons: dict[int, str], note: str, loaded: list
) -> list:
    materials = [material_in(case, loaded, requirement_id) for requirement_id in missing]
    if not materials:
        raise ValidationError({"missing": [_("请列出需要补正的全部材料。")]})
    for material in materials:
        material_status_changed(case, material.status, MaterialStatus.MISSING)
        material.status = MaterialStatus.MISSING
        material.reason = reasons.get(material.requirement_id, "") or note or _("需补正")
        material.save(update_fields=["status", "reason"])
    return materials


@transaction.atomic
def case_request_supplement(
    *,
    case: Case,
    by: User,
    missing: list[int],
    note: str = "",
    reasons: dict[int, str] | None = None,
    in_person: bool | None = None,
) -> Case:
    """One-time notice (一次性告知): tell the applicant everything missing, at once, in writing."""
    case = lock_case(case)
    if not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以出具一次性告知。"))
    # Answering an application belongs to a hall that may take it in.
    require_intake_hall(case_matters(case), staff_hall(by))
    case_require_transition(case, "request_supplement")
    loaded = list(case.materials.select_related("material_type"))
    materials = _mark_missing(case, missing, reasons or {}, note, loaded)
    names = "、".join(m.material_type.name for m in materials)
    run_transition(
        case,
        CaseAction.REQUEST_SUPPLEMENT,
        by=by,
        note=recorded("一次性告知需补正：%(names)s。%(note)s", {"names": names, "note": note}),
        payload={"missing": missing_payload(case, materials=loaded)},
    )
    if in_person if in_person is not None else case.channel == Channel.WINDOW:
        visit_record(case=case, by=by, kind=VisitKind.INTAKE, on=timezone.localdate())
    return case


@transaction.atomic
def case_reject(*, case: Case, by: User, reason: str) -> Case:
    """Refuse to accept (不予受理) with a written reason."""
    case = lock_case(case)
    if not is_clerk(by):
        raise CasePermissionError(_("只有窗口人员可以作出不予受理决定。"))
    require_intake_hall(case_matters(case), staff_hall(by))
    case_require_transition(case, "reject")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写不予受理的理由。")]})
    run_transition(case, CaseAction.REJECT, by=by, note=reason, reason=reason, at=timezone.now())
    return case


@transaction.atomic
def case_withdraw(*, case: Case, by: User, reason: str = "") -> Case:
    """The applicant withdraws the application (draft, submitted, or waiting for supplement)."""
    case = lock_case(case)
    _check_applicant_actor(by, case)
    run_transition(case, CaseAction.WITHDRAW, by=by, note=reason, at=timezone.now())
    return case


@transaction.atomic
def case_resubmit(*, case: Case, by: User) -> Case:
    """Supply what was asked: the clock restarts and only the returned reviews reopen."""
    case = lock_case(case)
    _check_applicant_actor(by, case)
    case_require_transition(case, "resubmit")
    # Everything that was asked for (it has a reason) and everything needed to submit.
    still_missing = [
        material
        for material in case.materials.select_related("material_type")
        if material.status == MaterialStatus.MISSING
        and (material.reason or material.needed_at_submission)
    ]
    if still_missing:
        raise _missing_error(still_missing)
    today = timezone.localdate()
    resume_clock(case, today)
    # Reopen first: the event's reactions tell the departments whose reviews reopened.
    for review in case.reviews.filter(status=ReviewStatus.RETURNED):
        review.reopen()
        review.save()
    run_transition(case, CaseAction.RESUBMIT, by=by, at=timezone.now())
    return case


def deemed_acceptance_due(today: datetime.date) -> datetime.date:
    """Online cases submitted on or before this day are deemed accepted today."""
    from matters.calendar import working_days_between

    day = today
    while working_days_between(day, today) < DEEMED_ACCEPTANCE_DAYS:
        day -= datetime.timedelta(days=1)
    return day


def cases_deem_accepted(*, today: datetime.date | None = None) -> list[str]:
    """Accept online cases nobody answered within 5 working days (licensing law art. 32).

    They count as accepted on the day they were submitted, not on the day of this scan: the
    accepted date and the deadline start from ``submitted_at``. Each case in its own
    transaction. A case a clerk is handling at this moment is waited for (its row lock) and
    then refused as no longer submitted, so it is left alone.
    Returns the numbers accepted.
    """
    today = today or timezone.localdate()
    cutoff = deemed_acceptance_due(today)
    accepted = []
    candidates = Case.objects.filter(
        status__in=fsm_sources(Case, "accept"),
        channel=Channel.ONLINE,
        submitted_at__date__lte=cutoff,
    ).values_list("pk", flat=True)
    for pk in candidates:
        try:
            case = case_accept(case=Case(pk=pk), by=None)
        except CaseError:
            continue
        accepted.append(case.number)
    return accepted
