"""Documents and e-licences: what the case events ask for, rendering, issuing, revoking.

Inside a case event's transaction (called from ``hall/reactions.py``) the services here only
record what must happen: a ``Document`` row with the snapshot of its content (status
``pending``) and, on approval, the ``Licence`` itself. Rendering runs after commit in Celery
(``documents.tasks.render_document``), one document per (case, kind), safe to run twice.
"""

import datetime
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import mask_id_number, mask_name
from accounts.models import IdentityKind, User
from cases.models import Case, CaseMaterial, CaseStatus, MaterialStatus
from matters.models import LicenceType, Matter, MatterKind

from .decisions import WORDINGS, DecisionWording, wording_for
from .exceptions import LicenceError
from .models import Document, DocumentKind, DocumentStatus, Licence, LicenceStatus
from .pdf import qr_svg, render_pdf, seal_svg
from .signing import SigningKey, current_key, key_for

logger = logging.getLogger(__name__)

TEMPLATES = {kind: f"pdf/{kind}.html" for kind in DocumentKind.values}


def cn_date(day: datetime.date | None) -> str:
    """``2026年3月5日``; empty for no date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _holder_id(case: Case) -> str:
    return case.applicant_identity


def _masked_identity(kind: str, value: str) -> str:
    # A credit code is public (it is printed on the business licence); an ID number is not.
    return value if kind == IdentityKind.COMPANY else mask_id_number(value)


def _masked_holder_name(kind: str, name: str) -> str:
    return name if kind == IdentityKind.COMPANY else mask_name(name)


def track_url(case: Case) -> str:
    """The public tracking page, the case number filled in."""
    return f"{settings.SITE_URL}{reverse('cases:track')}?number={case.number}"


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL}{reverse('documents:licence-verify', args=[code])}"


def _matters_of(case: Case) -> list[Matter]:
    if case.matter_id:
        return [case.matter]
    return [item.matter for item in case.bundle.items.select_related("matter").order_by("order")]


def _material_rows(materials: list[CaseMaterial]) -> list[dict]:
    return [
        {
            "name": m.material_type.name,
            "key": m.key,
            "copies": m.copies,
            "status": str(m.get_status_display()),
            "due_date": cn_date(m.due_date),
            "reason": m.reason,
        }
        for m in materials
    ]


def _base_context(case: Case, kind: str) -> dict:
    """What every paper of a case shows: the hall, the case, the applicant (masked)."""
    today = timezone.localdate()
    return {
        "kind": kind,
        "title": str(DocumentKind(kind).label),
        "hall": settings.HALL_NAME,
        "hall_phone": settings.HALL_PHONE,
        "hall_hours": settings.HALL_HOURS,
        "number": case.number,
        "doc_number": f"{case.number}-{list(DocumentKind.values).index(kind) + 1:02d}",
        "matter": case.title,
        "department": case.lead_department.name,
        "applicant_kind": case.applicant_kind,
        "applicant_name": _masked_holder_name(case.applicant_kind, case.applicant_name),
        "applicant_id": _masked_identity(case.applicant_kind, case.applicant_identity),
        "applicant_id_label": "统一社会信用代码"
        if case.applicant_kind == IdentityKind.COMPANY
        else "身份证号码",
        "agent_name": mask_name(case.agent_name),
        "date": cn_date(today),
        "track_url": track_url(case),
    }


def _materials(case: Case) -> list[CaseMaterial]:
    return list(case.materials.select_related("material_type").order_by("order", "id"))


def _receipt_context(case: Case, context: dict) -> dict:
    materials = _materials(case)
    received = (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED)
    return {
        **context,
        "received": _material_rows([m for m in materials if m.status in received]),
        "by_licence": _material_rows(
            [m for m in materials if m.status == MaterialStatus.SATISFIED_BY_LICENCE]
        ),
        "deferred": _material_rows([m for m in materials if m.status == MaterialStatus.DEFERRED]),
        "accepted_on": cn_date(case.accepted_on),
        "deemed": case.events.filter(action="accept", actor__isnull=True).exists(),
        "deadline": cn_date(case.deadline),
        "committed_days": case.committed_days,
        "courier": case.delivery_method == "courier",
        "address": f"{case.province}{case.city}{case.district}{case.address}",
        "receiver": mask_name(case.receiver),
    }


def _missing_context(case: Case, context: dict) -> dict:
    materials = _materials(case)
    missing = [m for m in materials if m.status == MaterialStatus.MISSING and m.reason]
    if not missing:  # a one-time notice names everything needed; reasons may be blank
        missing = [m for m in materials if m.status == MaterialStatus.MISSING and m.required]
    last = case.events.filter(to_status=CaseStatus.SUPPLEMENT_REQUIRED).order_by("-at").first()
    return {**context, "missing": _material_rows(missing), "note": last.note if last else ""}


def _refusal_context(case: Case, context: dict) -> dict:
    return {**context, "reason": case.decision_note, "remedies": _remedies(case)}


def _remedies(case: Case) -> dict:
    """Administrative Reconsideration Law art. 20 (60 days); Litigation Law art. 46 (6 months)."""
    return {"reconsideration_days": 60, "litigation_months": 6}


def _commitment_context(case: Case, context: dict) -> dict:
    deferred = [m for m in _materials(case) if m.status == MaterialStatus.DEFERRED]
    due = min((m.due_date for m in deferred if m.due_date), default=None)
    return {
        **context,
        "applicant_full_name": case.applicant_name,
        "deferred": _material_rows(deferred),
        "due_date": cn_date(due),
        "accepted_on": cn_date(case.accepted_on),
    }


def _decision_context(case: Case, context: dict) -> dict:
    """The decision in the words of the matter's kind (``documents.decisions``)."""
    approved = case.status == CaseStatus.APPROVED
    licences = list(case.licences.select_related("licence_type"))
    context = {**context, "approved": approved}
    return {
        **context,
        **_wording_context(decision_wording(case), context),
        "opinion": case.decision_note,
        "decided_on": cn_date(timezone.localdate(case.decided_at) if case.decided_at else None),
        "result_name": getattr(case.matter, "result_name", "") or case.title,
        "licences": [
            {
                "type": lic.licence_type.name,
                "number": lic.number,
                "valid_until": cn_date(lic.valid_until),
            }
            for lic in licences
        ],
        "remedies": _remedies(case),
    }


def _wording_context(wording: DecisionWording, context: dict) -> dict:
    approved = context["approved"]
    return {
        "title": wording.approved_title if approved else wording.denied_title,
        "decision_text": wording.approved_text if approved else wording.denied_text,
        "reason_heading": wording.reason_heading,
        "opinion_label": wording.opinion_label,
        "with_remedies": wording.remedies_on_approval if approved else wording.remedies,
        "service": not wording.remedies,
        "seal_title": wording.seal,
    }


def decision_wording(case: Case) -> DecisionWording:
    """How the case's decision is worded: by the kind of its matter (or its bundle's)."""
    return wording_for([matter.kind for matter in _matters_of(case)])


def licence_context(licence: Licence) -> dict:
    """What a licence certificate shows (one page per licence)."""
    url = verification_url(licence.verification_code)
    return {
        "type": licence.licence_type.name,
        "number": licence.number,
        "holder_name": licence.holder_name,
        "holder_id": _masked_identity(licence.holder_kind, licence.holder_id),
        "holder_id_label": "统一社会信用代码"
        if licence.holder_kind == IdentityKind.COMPANY
        else "身份证号码",
        "scope": licence.scope,
        "issued_on": cn_date(licence.issued_on),
        "valid_until": cn_date(licence.valid_until) or "长期",
        "issuing_department": licence.issuing_department,
        "verification_code": licence.verification_code,
        "verification_url": url,
    }


def _licence_context(case: Case, context: dict) -> dict:
    licences = case.licences.select_related("licence_type").order_by("id")
    return {**context, "licences": [licence_context(lic) for lic in licences]}


def _delivery_context(case: Case, context: dict) -> dict:
    papers = list(
        case.documents.exclude(
            kind__in=[DocumentKind.DELIVERY_RECEIPT, DocumentKind.RECEIPT]
        ).values_list("title", flat=True)
    )
    courier = case.delivery_method == "courier"
    return {
        **context,
        "papers": papers or [getattr(case.matter, "result_name", "") or case.title],
        "courier": courier,
        "method": "邮寄送达（EMS）" if courier else "窗口领取（直接送达）",
        "waybill": case.waybill,
        "receiver": mask_name(case.receiver if courier else case.applicant_name),
        "address": f"{case.province}{case.city}{case.district}{case.address}" if courier else "",
        "delivered_on": cn_date(timezone.localdate(case.closed_at) if case.closed_at else None),
    }


BUILDERS = {
    DocumentKind.RECEIPT: _receipt_context,
    DocumentKind.ONE_TIME_NOTICE: _missing_context,
    DocumentKind.SUPPLEMENT_NOTICE: _missing_context,
    DocumentKind.REFUSAL: _refusal_context,
    DocumentKind.COMMITMENT: _commitment_context,
    DocumentKind.DECISION: _decision_context,
    DocumentKind.LICENCE: _licence_context,
    DocumentKind.DELIVERY_RECEIPT: _delivery_context,
}


def receipt_rows(context: dict) -> list[dict]:
    """Every material of a receipt in one list, each with what became of it."""
    rows = [{**m, "state": "已收取"} for m in context.get("received", [])]
    rows += [{**m, "state": "电子证照免提交"} for m in context.get("by_licence", [])]
    rows += [
        {**m, "state": f"容缺后补，{m['due_date']}前补齐" if m.get("due_date") else "容缺后补"}
        for m in context.get("deferred", [])
    ]
    return rows


# Papers that must stay on one sheet whatever their length (the renderer tightens the layout).
ONE_PAGE = {DocumentKind.RECEIPT}


def with_pictures(context: dict) -> dict:
    """The snapshot plus its pictures (QR codes, seals), drawn at render time, not stored."""
    kind = context["kind"]
    pictures = {}
    if kind == DocumentKind.RECEIPT:
        pictures["qr"] = qr_svg(context["track_url"], size_mm=24)
        pictures["rows"] = receipt_rows(context)
    elif kind == DocumentKind.DECISION:
        if "decision_text" not in context:  # a snapshot taken before decisions had kinds
            context = {**context, **_wording_context(WORDINGS[MatterKind.LICENSING], context)}
        pictures["seal"] = seal_svg(context["department"], title=context["seal_title"], size_mm=36)
    elif kind == DocumentKind.LICENCE:
        pictures["licences"] = [
            {
                **lic,
                "qr": qr_svg(lic["verification_url"], size_mm=30),
                "seal": seal_svg(lic["issuing_department"]),
            }
            for lic in context["licences"]
        ]
    return {**context, **pictures}


def document_request(*, case: Case, kind: str) -> Document:
    """Record that ``case`` needs the paper ``kind`` now; render it after commit.

    Snapshots the content inside the caller's transaction. One row per (case, kind): asking
    again (a second supplement round) refreshes the same document instead of adding one.
    """
    context = BUILDERS[kind](case, _base_context(case, kind))
    document, _created = Document.objects.update_or_create(
        case=case,
        kind=kind,
        defaults={
            "title": context["title"],
            "context": context,
            "status": DocumentStatus.PENDING,
            "requested_at": timezone.now(),
            "error": "",
        },
    )
    if kind == DocumentKind.LICENCE:
        case.licences.filter(document__isnull=True).update(document=document)
    transaction.on_commit(lambda: _enqueue_render(document.pk))
    return document


def _enqueue_render(document_id: int) -> None:
    """Hand the rendering to Celery; with the broker down the sweep renders it later."""
    from .tasks import render_document

    try:
        render_document.delay(document_id)
    except Exception:  # any broker failure: the pending row is the safety net
        logger.warning("broker unavailable; document %s left for the sweep", document_id)


def documents_due(*, older_than_seconds: int = 120, limit: int = 200) -> list[int]:
    """Pending documents nobody rendered (broker down at commit, worker lost)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        Document.objects.filter(status=DocumentStatus.PENDING, requested_at__lte=cutoff)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:limit]
    )


def document_render(*, document_id: int) -> Document | None:
    """Render a pending document from its snapshot and store it privately (same file name).

    The PDF is made outside any lock; it is stored only if nobody asked for a newer version
    meanwhile (that request's own task renders it).
    """
    document = Document.objects.select_related("case").filter(pk=document_id).first()
    if document is None or document.status != DocumentStatus.PENDING:
        return document  # idempotency: rendered already, or gone
    requested_at = document.requested_at
    _html, pdf = render_pdf(
        TEMPLATES[document.kind],
        with_pictures(document.context),
        fit_pages=1 if document.kind in ONE_PAGE else None,
    )
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
        if locked.status != DocumentStatus.PENDING or locked.requested_at != requested_at:
            return locked  # idempotency: another run stored it, or a newer snapshot waits
        if locked.file:
            locked.file.delete(save=False)
        locked.file.save(f"{locked.kind}.pdf", ContentFile(pdf), save=False)
        locked.size = len(pdf)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.status = DocumentStatus.READY
        locked.rendered_at = timezone.now()
        locked.attempts += 1
        locked.error = ""
        locked.save()
    return locked


def document_render_failed(*, document_id: int, error: str) -> None:
    """Record that rendering failed for good (visible in the admin)."""
    Document.objects.filter(pk=document_id, status=DocumentStatus.PENDING).update(
        status=DocumentStatus.FAILED, error=error[:2000]
    )


def document_regenerate(*, document: Document, by: User | None = None) -> Document:
    """Render the same document again from its snapshot (same row, same file name)."""
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.PENDING, requested_at=timezone.now(), error=""
        )
        transaction.on_commit(lambda: _enqueue_render(document.pk))
    document.refresh_from_db()
    return document


# E-licences -----------------------------------------------------------------------------


def canonical_content(licence: Licence) -> bytes:
    """The signed content: every fact the certificate states, in a fixed form."""
    facts = {
        "type": licence.licence_type.code,
        "number": licence.number,
        "holder_kind": licence.holder_kind,
        "holder_id": licence.holder_id,
        "holder_name": licence.holder_name,
        "scope": licence.scope,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else "",
        "issuing_department": licence.issuing_department,
        "verification_code": licence.verification_code,
    }
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _hmac(key: SigningKey, licence: Licence) -> str:
    return hmac.new(key.secret, canonical_content(licence), "sha256").hexdigest()


def licence_sign(licence: Licence) -> None:
    """Sign the licence's content with the newest key (HMAC-SHA256, hex), naming the key."""
    key = current_key()
    licence.signature_key_id = key.kid
    licence.signature = _hmac(key, licence)


def licence_signature_ok(licence: Licence) -> bool:
    """The content matches the signature under the key it names; an unknown key never does."""
    key = key_for(licence.signature_key_id)
    if key is None:
        return False
    return hmac.compare_digest(licence.signature, _hmac(key, licence))


def _valid_until(issued: datetime.date, years: int | None) -> datetime.date | None:
    if not years:
        return None
    try:
        end = issued.replace(year=issued.year + years)
    except ValueError:  # 29 February
        end = issued.replace(year=issued.year + years, day=28)
    return end - datetime.timedelta(days=1)


def licence_issue(*, case: Case) -> list[Licence]:
    """Issue the e-licences of an approved case (one per licence type its matters produce).

    Runs inside the approval's transaction (reaction to ``conclude``); idempotent per
    (case, type).
    """
    issued = []
    today = timezone.localdate()
    for matter in _matters_of(case):
        licence_type: LicenceType | None = matter.result_licence_type
        if licence_type is None:
            continue
        existing = Licence.objects.filter(case=case, licence_type=licence_type).first()
        if existing is not None:
            issued.append(existing)  # idempotency: issued already
            continue
        department = licence_type.issuing_department or matter.lead_department
        licence = Licence(
            licence_type=licence_type,
            number=f"{licence_type.code[:8].upper()}{case.number.replace('-', '')}",
            holder_kind=case.applicant_kind,
            holder_id=_holder_id(case),
            holder_name=case.applicant_name,
            scope=f"{matter.name}：{matter.result_name}",
            issued_on=today,
            valid_until=_valid_until(today, licence_type.valid_years),
            issuing_department=department.name,
            case=case,
            verification_code=secrets.token_urlsafe(24),
        )
        licence_sign(licence)
        licence.save()
        issued.append(licence)
    return issued


@transaction.atomic
def licence_revoke(*, licence: Licence, by: User, reason: str) -> Licence:
    """Revoke a licence with a written reason (administrators)."""
    if not reason.strip():
        raise LicenceError(_("撤销电子证照须写明理由。"))
    licence = Licence.objects.select_for_update().get(pk=licence.pk)
    if licence.status == LicenceStatus.REVOKED:
        return licence
    licence.status = LicenceStatus.REVOKED
    licence.revoked_at = timezone.now()
    licence.revoked_by = by
    licence.revoke_reason = reason.strip()
    licence.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    return licence


@dataclass(frozen=True)
class Verification:
    """The verdict on a licence: ``valid``, ``revoked``, ``expired`` or ``invalid`` (tampered)."""

    status: str
    licence: Licence

    @property
    def genuine(self) -> bool:
        return self.status != "invalid"

    def public_facts(self) -> dict:
        """What anyone may learn of a genuine licence (holder masked for a person)."""
        lic = self.licence
        return {
            "status": self.status,
            "status_label": VERDICT_LABELS[self.status],
            "type": lic.licence_type.name,
            "number": lic.number,
            "holder_name": _masked_holder_name(lic.holder_kind, lic.holder_name),
            "holder_id": _masked_identity(lic.holder_kind, lic.holder_id),
            "scope": lic.scope,
            "issued_on": lic.issued_on,
            "valid_until": lic.valid_until,
            "issuing_department": lic.issuing_department,
            "revoked_on": timezone.localdate(lic.revoked_at) if lic.revoked_at else None,
            "revoke_reason": lic.revoke_reason,
        }


VERDICT_LABELS = {
    LicenceStatus.VALID: "真实有效",
    LicenceStatus.REVOKED: "已撤销",
    LicenceStatus.EXPIRED: "已过期",
    "invalid": "内容与签名不符，证照可能被篡改",
}


def licence_status_on(licence: Licence, day: datetime.date) -> str:
    """Revoked, expired (past its date even before a sweep marks it), or valid."""
    if licence.status == LicenceStatus.REVOKED:
        return LicenceStatus.REVOKED
    if licence.status == LicenceStatus.EXPIRED or (
        licence.valid_until is not None and licence.valid_until < day
    ):
        return LicenceStatus.EXPIRED
    return LicenceStatus.VALID


def licence_verify(code: str) -> Verification | None:
    """Verify a licence by its code: None when no such licence; ``invalid`` when altered."""
    licence = Licence.objects.select_related("licence_type").filter(verification_code=code).first()
    if licence is None:
        return None
    if not licence_signature_ok(licence):
        logger.warning("licence %s fails its signature check", licence.pk)
        return Verification("invalid", licence)
    return Verification(licence_status_on(licence, timezone.localdate()), licence)


def valid_licences_of(holder_id: str):
    """Licences of a holder that are valid today and carry a good signature."""
    today = timezone.localdate()
    candidates = Licence.objects.filter(holder_id=holder_id, status=LicenceStatus.VALID).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    return [lic for lic in candidates.select_related("licence_type") if licence_signature_ok(lic)]


def materials_satisfied_by_licences(case: Case) -> set[int]:
    """Satisfier for ``cases.satisfiers``: materials replaced by a valid e-licence held.

    Online, the licences count only when the applicant is the account's own verified
    identity (a citizen cannot borrow someone else's licences by typing their number); at
    the window the clerk has checked the identity document.
    """
    holder = _holder_id(case)
    if not holder:
        return set()
    owner = case.owner
    if owner is not None and holder not in (owner.id_number, owner.credit_code):
        return set()
    types = {lic.licence_type_id for lic in valid_licences_of(holder)}
    if not types:
        return set()
    return set(
        case.materials.filter(material_type__licence_type_id__in=types).values_list(
            "material_type_id", flat=True
        )
    )


# Guides ---------------------------------------------------------------------------------


def guide_pdf(matter: Matter) -> bytes:
    """The printable guide (办事指南) of a published matter, cached per version of the matter."""
    key = f"documents:guide:{matter.code}:{matter.version}:{matter.updated_at.timestamp()}"
    pdf = cache.get(key)
    if pdf is None:
        context = {
            "title": "办事指南",
            "hall": settings.HALL_NAME,
            "hall_phone": settings.HALL_PHONE,
            "matter": matter,
            "requirements": list(matter.requirements.all()),
            "steps": list(matter.steps.all()),
            "reviewing_departments": list(matter.reviewing_departments.all()),
            "delivery_methods": [
                {"pickup": "窗口领取", "courier": "快递送达"}.get(m, m)
                for m in matter.delivery_methods or []
            ],
            "effective_date": cn_date(matter.effective_date),
            "printed_on": cn_date(timezone.localdate()),
            "guide_url": settings.SITE_URL + reverse("matters:matter-detail", args=[matter.code]),
        }
        context["qr"] = qr_svg(context["guide_url"], size_mm=24)
        _html, pdf = render_pdf("pdf/guide.html", context)
        cache.set(key, pdf, 24 * 3600)
    return pdf
