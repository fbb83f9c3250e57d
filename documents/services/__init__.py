"""Documents and e-licences: what the case events ask for, rendering, issuing, revoking.

- ``papers``: the case papers (snapshot in the event's transaction, render after commit);
- ``licences``: e-licences (issue, sign, revoke, verify, reuse for 无证明办理);
- ``guides``: printable guides of published matters.
"""

from ._common import cn_date, verification_url
from .guides import guide_pdf
from .licences import (
    VERDICT_LABELS,
    Verification,
    canonical_content,
    licence_issue,
    licence_revoke,
    licence_sign,
    licence_signature_ok,
    licence_standing,
    licence_status_on,
    licence_verify,
    licences_resign,
    materials_satisfied_by_licences,
    valid_licences_of,
)
from .papers import (
    BUILDERS,
    ONE_PAGE,
    TEMPLATES,
    SnapshotMismatchError,
    decision_wording,
    document_ready,
    document_regenerate,
    document_render,
    document_render_failed,
    document_request,
    documents_due,
    licence_context,
    paper_pdf,
    receipt_rows,
    snapshot_hash,
    with_pictures,
)

__all__ = [
    "BUILDERS",
    "ONE_PAGE",
    "TEMPLATES",
    "VERDICT_LABELS",
    "SnapshotMismatchError",
    "Verification",
    "canonical_content",
    "cn_date",
    "decision_wording",
    "document_ready",
    "document_regenerate",
    "document_render",
    "document_render_failed",
    "document_request",
    "documents_due",
    "guide_pdf",
    "licence_context",
    "licence_issue",
    "licence_revoke",
    "licence_sign",
    "licence_signature_ok",
    "licence_standing",
    "licence_status_on",
    "licence_verify",
    "licences_resign",
    "materials_satisfied_by_licences",
    "paper_pdf",
    "receipt_rows",
    "snapshot_hash",
    "valid_licences_of",
    "verification_url",
    "with_pictures",
]
