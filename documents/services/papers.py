"""Case papers: what each case event asks for, snapshotted in its transaction, rendered later.

Inside a case event's transaction (called from ``hall/reactions.py``) only a ``Document`` row
with the snapshot of its content and the snapshot's hash (status ``pending``) is recorded;
nothing is rendered then and nothing is queued. A paper is rendered from that snapshot once,
under its row lock, by whoever needs it first: the first download (``document_ready``, in the
request), else the periodic sweep (``documents.tasks.render_pending_documents``, a bounded
number per run), else an admin's regenerate. Rendering every paper of every case at once
would cost ~0.4 s of CPU per lifecycle (four papers) and cap a 2-core hall near 4
lifecycles a second; most papers are never downloaded.
"""

import datetime
import hashlib
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.compiled import insert_rows
from accounts.enqueue import enqueue_after_commit
from accounts.identity import mask_name
from accounts.models import IdentityKind, User
from cases.events import CaseAction
from cases.links import track_url
from cases.models import Case, CaseMaterial, CaseStatus, MaterialStatus
from cases.selectors import case_materials
from halls.hours import describe_hours
from halls.models import Hall
from halls.selectors import city_centre
from matters.models import MatterKind

from ..decisions import WORDINGS, DecisionWording, decision_kind, wording_for
from ..models import Document, DocumentKind, DocumentStatus, Licence
from ..pdf import in_papers_language, qr_img, render_pdf, seal_img
from ._common import (
    cn_date,
    masked_holder_name,
    masked_identity,
    matters_of,
    verification_url,
)

logger = logging.getLogger(__name__)

TEMPLATES = {kind: f"pdf/{kind}.html" for kind in DocumentKind.values}
MATERIAL_STATUS_LABELS = dict(MaterialStatus.choices)


def _material_rows(materials: list[CaseMaterial]) -> list[dict]:
    return [
        {
            "name": m.material_type.name,
            "key": m.key,
            "copies": m.copies,
            # Not get_status_display(): it hashes every lazy label of the choices each call.
            "status": str(MATERIAL_STATUS_LABELS.get(m.status, m.status)),
            "due_date": cn_date(m.due_date),
            "reason": m.reason,
            "online": m.uploaded_online,
            "provided_by": m.provided_by,
        }
        for m in materials
    ]


def _hall_facts(hall: Hall | None) -> dict:
    """The hall a paper speaks for: its name, address, phone and hours (the settings' where
    the hall leaves one blank)."""
    hours = "；".join(describe_hours(hall.hours)) if hall is not None else ""
    return {
        "name": hall.name if hall is not None else settings.HALL_NAME,
        "address": (hall.address if hall is not None else "") or settings.HALL_ADDRESS,
        "phone": (hall.phone if hall is not None else "") or settings.HALL_PHONE,
        "hours": hours or settings.HALL_HOURS,
    }


def _base_context(case: Case, kind: str) -> dict:
    """What every paper of a case shows: the hall that took it in (the city centre before
    any did), the case, the applicant (masked)."""
    today = timezone.localdate()
    hall = _hall_facts(case.hall if case.hall_id else city_centre())
    pickup = case.pickup_hall if case.pickup_hall_id else None
    return {
        "kind": kind,
        "title": str(DocumentKind(kind).label),
        "hall": hall["name"],
        "hall_address": hall["address"],
        "hall_phone": hall["phone"],
        "hall_hours": hall["hours"],
        # Where the result is collected (异地能办), when another hall than the intake one.
        "pickup_hall": pickup.name if pickup is not None else "",
        "pickup_hall_address": pickup.address if pickup is not None else "",
        "number": case.number,
        "doc_number": f"{case.number}-{list(DocumentKind.values).index(kind) + 1:02d}",
        "matter": case.title,
        "department": case.lead_department.name,
        "applicant_kind": case.applicant_kind,
        "applicant_name": masked_holder_name(case.applicant_kind, case.applicant_name),
        "applicant_id": masked_identity(case.applicant_kind, case.applicant_identity),
        "applicant_id_label": "统一社会信用代码"
        if case.applicant_kind == IdentityKind.COMPANY
        else "身份证号码",
        "agent_name": mask_name(case.agent_name),
        "date": cn_date(today),
        "track_url": track_url(case.number),
    }


def _materials(case: Case) -> list[CaseMaterial]:
    # As the service that asks for the paper left them (read by it in this transaction).
    return case_materials(case)


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
        # Pushed by a department or issued within the bundle: listed, never asked for.
        "pushed": _material_rows(
            [
                m
                for m in materials
                if m.provided_for_applicant
                and m.status in (MaterialStatus.MISSING, MaterialStatus.NOT_APPLICABLE)
            ]
        ),
        "accepted_on": cn_date(case.accepted_on),
        # Given by the acceptance asking for it (its event names no clerk), else read.
        "deemed": context["deemed"]
        if "deemed" in context
        else case.events.filter(action=CaseAction.ACCEPT, actor__isnull=True).exists(),
        "deemed_basis": "依照《中华人民共和国行政许可法》第三十二条的规定"
        if decision_kind([m.kind for m in matters_of(case)]) == MatterKind.LICENSING
        else "依照有关规定",
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
    # An online applicant confirmed the commitment on their case page: no signature to sign.
    online = getattr(case, "commitment", None) if case.channel == "online" else None
    return {
        **context,
        "online_given_at": timezone.localtime(online.given_at).strftime("%Y年%m月%d日 %H:%M")
        if online
        else "",
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
    return wording_for([matter.kind for matter in matters_of(case)])


def licence_context(licence: Licence) -> dict:
    """What a licence certificate shows (one page per licence)."""
    url = verification_url(licence.verification_code)
    return {
        "type": licence.licence_type.name,
        "number": licence.number,
        "holder_name": licence.holder_name,
        "holder_id": masked_identity(licence.holder_kind, licence.holder_id),
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


def _data_check_context(case: Case, context: dict) -> dict:
    """数据核验单: the items found in the data exchange (``facts["items"]``, given by the
    caller: documents does not read the exchange's log) with what each returned."""
    return {**context, "items": context.get("items", [])}


def _payment_receipt_context(case: Case, context: dict) -> dict:
    """电子缴费票据: the fee paid, how and when (the payments app hangs it on the case)."""
    payment = case.payment
    paid_at = timezone.localtime(payment.paid_at) if payment.paid_at else None
    return {
        **context,
        "reference": payment.reference,
        "amount": str(payment.amount),
        "method": str(payment.get_method_display()),
        "online": payment.method == "online",
        "order_id": payment.order_id,
        "counter_receipt": payment.counter_receipt,
        "paid_at": paid_at.strftime("%Y年%m月%d日 %H:%M") if paid_at else "",
        "fee_basis": getattr(case.matter, "fee_basis", "") if case.matter_id else "",
    }


BUILDERS = {
    DocumentKind.RECEIPT: _receipt_context,
    DocumentKind.DATA_CHECK: _data_check_context,
    DocumentKind.ONE_TIME_NOTICE: _missing_context,
    DocumentKind.SUPPLEMENT_NOTICE: _missing_context,
    DocumentKind.REFUSAL: _refusal_context,
    DocumentKind.COMMITMENT: _commitment_context,
    DocumentKind.DECISION: _decision_context,
    DocumentKind.LICENCE: _licence_context,
    DocumentKind.DELIVERY_RECEIPT: _delivery_context,
    DocumentKind.PAYMENT_RECEIPT: _payment_receipt_context,
}


def receipt_rows(context: dict) -> list[dict]:
    """Every material of a receipt in one list, each with what became of it."""
    rows = [
        {**m, "state": "网上提交电子材料，已收取" if m.get("online") else "已收取"}
        for m in context.get("received", [])
    ]
    rows += [{**m, "state": "电子证照免提交"} for m in context.get("by_licence", [])]
    rows += [
        {
            **m,
            "state": "由本“一件事”办理生成，无需提交"
            if m.get("provided_by") == "bundle"
            else "由部门共享推送，无需提交",
        }
        for m in context.get("pushed", [])
    ]
    rows += [
        {**m, "state": f"容缺后补，{m['due_date']}前补齐" if m.get("due_date") else "容缺后补"}
        for m in context.get("deferred", [])
    ]
    return rows


# Papers that must stay on one sheet whatever their length (the renderer tightens the layout).
ONE_PAGE = {DocumentKind.RECEIPT}


def with_pictures(context: dict) -> dict:
    """The snapshot plus what is drawn at render time, not stored: QR codes, seals, the
    receipt's one list of materials, and the wording of a decision snapshotted before
    decisions had kinds."""
    kind = context["kind"]
    pictures = {}
    if kind == DocumentKind.RECEIPT:
        pictures["qr"] = qr_img(context["track_url"], size_mm=24)
        pictures["rows"] = receipt_rows(context)
    elif kind == DocumentKind.DECISION:
        if "decision_text" not in context:  # a snapshot taken before decisions had kinds
            context = {**context, **_wording_context(WORDINGS[MatterKind.LICENSING], context)}
        pictures["seal"] = seal_img(context["department"], title=context["seal_title"], size_mm=36)
    elif kind == DocumentKind.LICENCE:
        pictures["licences"] = [
            {
                **lic,
                "qr": qr_img(lic["verification_url"], size_mm=30),
                "seal": seal_img(lic["issuing_department"]),
            }
            for lic in context["licences"]
        ]
    return {**context, **pictures}


def paper_pdf(kind: str, context: dict) -> bytes:
    """The PDF of the paper ``kind`` from its snapshot (the receipt fitted to one page)."""
    _html, pdf = render_pdf(
        TEMPLATES[kind], with_pictures(context), fit_pages=1 if kind in ONE_PAGE else None
    )
    return pdf


def snapshot_hash(context: dict) -> str:
    """SHA-256 of a snapshot as JSON with sorted keys (what the database gives back hashes
    the same as what was stored)."""
    canonical = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_request(
    *, case: Case, kind: str, facts: dict | None = None, later: bool = False
) -> Document | None:
    """Record that ``case`` needs the paper ``kind`` now: its snapshot and the snapshot's hash.

    ``facts``: what the paper shows that the case alone does not tell (JSON values), given by
    the app that knows it (the data exchange's findings for the 数据核验单).

    Snapshots the content inside the caller's transaction; the PDF is rendered from it when
    first downloaded (``document_ready``) or by the sweep. One row per (case, kind): asking
    again (a second supplement round) refreshes the same document instead of adding one, and
    until it is rendered again nobody is given the old file.

    ``later`` (a case event's reactions, under the case's lock): the caller does not want the
    row, and its upsert goes with the transaction's next statement (``accounts.carried``);
    returns None. A licence's certificate is linked to its licences: always written at once.
    """
    # The snapshot holds labels (statuses, the title): in Chinese even when a clerk or an
    # applicant using the English pages triggered the paper.
    with in_papers_language():
        context = BUILDERS[kind](case, {**_base_context(case, kind), **(facts or {})})
    fresh = {
        "title": context["title"],
        "context": context,
        "snapshot_sha256": snapshot_hash(context),
        "status": DocumentStatus.PENDING,
        "requested_at": timezone.now(),
        "error": "",
    }
    # One upsert on (case, kind) (``update_or_create`` took a locking read, a savepoint and
    # the insert): the fields above are replaced, the rendered file's own are left as they are.
    later = later and kind != DocumentKind.LICENCE
    [document] = insert_rows(
        [Document(case=case, kind=kind, **fresh)],
        unique_fields=["case", "kind"],
        update_fields=list(fresh),
        later=later,
    )
    if later:
        return None
    if kind == DocumentKind.LICENCE:
        case.licences.filter(document__isnull=True).update(document=document)
    return document


def _enqueue_render(document_id: int) -> None:
    """Render the paper after commit (regenerating); with the broker down, the first download
    or the sweep renders it."""
    enqueue_after_commit("documents.tasks.render_document", document_id)


def documents_due(*, older_than_seconds: int = 120, limit: int = 200) -> list[int]:
    """Pending documents nobody downloaded yet, oldest first, at most ``limit`` (the sweep's
    budget per run: 200 renders every 5 minutes is ~7 % of one core)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    return list(
        Document.objects.filter(status=DocumentStatus.PENDING, requested_at__lte=cutoff)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:limit]
    )


class SnapshotMismatchError(Exception):
    """A document's snapshot no longer hashes to the hash recorded with it."""


def document_render(*, document_id: int) -> Document | None:
    """Render a pending document from its snapshot and store it privately (same file name).

    Rendered and stored under the document's row lock (never the case's), so that whoever
    comes first renders and the others, waiting on the lock, find it stored: one render, one
    file, made from the snapshot the row holds at that moment, whose hash it checks first.
    """
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.status != DocumentStatus.PENDING:
            return document  # idempotency: rendered already, failed for good, or gone
        digest = snapshot_hash(document.context)
        if document.snapshot_sha256 and document.snapshot_sha256 != digest:
            raise SnapshotMismatchError(f"document {document.pk}: snapshot and its hash differ")
        pdf = paper_pdf(document.kind, document.context)
        if document.file:
            document.file.delete(save=False)
        document.file.save(f"{document.kind}.pdf", ContentFile(pdf), save=False)
        document.size = len(pdf)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.snapshot_sha256 = digest
        document.status = DocumentStatus.READY
        document.rendered_at = timezone.now()
        document.attempts += 1
        document.error = ""
        document.save()
    return document


def document_ready(document: Document) -> Document | None:
    """``document`` with its file, rendered now from its snapshot if nobody has yet; ``None``
    if it failed for good. Concurrent first downloads render once (``document_render``)."""
    if document.status == DocumentStatus.READY:
        return document
    if document.status != DocumentStatus.PENDING:
        return None
    rendered = document_render(document_id=document.pk)
    if rendered is None or rendered.status != DocumentStatus.READY:
        return None
    return rendered


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
        _enqueue_render(document.pk)
    document.refresh_from_db()
    return document
