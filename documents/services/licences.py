"""E-licences: issued on approval, signed with their own keys, revoked, verified, reused."""

import datetime
import hmac
import json
import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from cases.models import Case
from matters.models import LicenceType

from ..exceptions import LicenceError
from ..models import Licence, LicenceStatus
from ..signing import SigningKey, current_key, key_for
from ._common import holder_id_of, masked_holder_name, masked_identity, matters_of

logger = logging.getLogger(__name__)


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


def licences_resign() -> tuple[int, int]:
    """Move licences signed with an older key to the newest, so the older key can retire.

    Only a licence whose signature holds under its own key is signed again (re-signing an
    altered one would launder it); the others are counted and left failing. Returns
    (re-signed, refused). Each licence in its own short transaction; safe to run twice.
    """
    newest = current_key()
    resigned = refused = 0
    stale = Licence.objects.exclude(signature_key_id=newest.kid).values_list("pk", flat=True)
    for pk in stale:
        with transaction.atomic():
            licence = (
                Licence.objects.select_for_update(of=("self",))
                .select_related("licence_type")
                .get(pk=pk)
            )
            if licence.signature_key_id == newest.kid:
                continue  # idempotency: another run moved it
            if not licence_signature_ok(licence):
                logger.warning("licence %s not re-signed: its signature does not hold", pk)
                refused += 1
                continue
            licence_sign(licence)
            licence.save(update_fields=["signature", "signature_key_id"])
            resigned += 1
    return resigned, refused


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
    for matter in matters_of(case):
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
            holder_id=holder_id_of(case),
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
    licence = Licence.objects.select_for_update(of=("self",)).get(pk=licence.pk)
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
            "holder_name": masked_holder_name(lic.holder_kind, lic.holder_name),
            "holder_id": masked_identity(lic.holder_kind, lic.holder_id),
            "scope": lic.scope,
            "issued_on": lic.issued_on,
            "valid_until": lic.valid_until,
            "issuing_department": lic.issuing_department,
            "revoked_on": timezone.localdate(lic.revoked_at) if lic.revoked_at else None,
            "revoke_reason": lic.revoke_reason,
        }


VERDICT_LABELS = {
    LicenceStatus.VALID: gettext_lazy("真实有效"),
    LicenceStatus.REVOKED: gettext_lazy("已撤销"),
    LicenceStatus.EXPIRED: gettext_lazy("已过期"),
    "invalid": gettext_lazy("内容与签名不符，证照可能被篡改"),
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


def licence_standing(licence: Licence, day: datetime.date) -> str:
    """What a holder's wallet says of a licence: ``invalid`` when its signature fails (an
    altered content or a retired key), else revoked, expired or valid."""
    if not licence_signature_ok(licence):
        return "invalid"
    return licence_status_on(licence, day)


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

    Online, the licences count only when the applicant is the filing account's own verified
    identity (a citizen cannot borrow someone else's licences by typing their number, nor an
    agent learn what the applicant holds); at the window the clerk has checked the identity
    document.
    """
    holder = holder_id_of(case)
    if not holder:
        return set()
    filer = case.created_by if case.channel == "online" else None
    if case.channel == "online" and (
        filer is None or holder not in (filer.id_number, filer.credit_code)
    ):
        return set()
    types = {lic.licence_type_id for lic in valid_licences_of(holder)}
    if not types:
        return set()
    return set(
        case.materials.filter(material_type__licence_type_id__in=types).values_list(
            "material_type_id", flat=True
        )
    )
