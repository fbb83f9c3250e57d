"""Who the applicant is and who files for them: the account holder online, or its declared
agent (代办) with the applicant's power of attorney; the applicant's own account owns the case."""

from django.utils.translation import gettext as _

from accounts.models import IdentityKind, User
from matters.models import MaterialType

from ..access import is_own_identity
from ..counters import material_status_changed
from ..exceptions import AgentNotAccountError, ApplicantNotAccountError
from ..models import (
    POWER_OF_ATTORNEY_CODE,
    POWER_OF_ATTORNEY_NAME,
    Case,
    CaseMaterial,
    MaterialStatus,
)


def applicant_account(kind: str, identity: str) -> User | None:
    """The citizen account whose identity is the applicant's, if there is one."""
    if not identity:
        return None
    field = "credit_code" if kind == IdentityKind.COMPANY else "id_number"
    return (
        User.objects.filter(is_active=True, is_staff=False, **{field: identity})
        .order_by("pk")
        .first()
    )


def identity_of(fields: dict) -> str:
    if fields["applicant_kind"] == IdentityKind.COMPANY:
        return fields["applicant_credit_code"]
    return fields["applicant_id_number"]


def online_filing(by: User, fields: dict) -> tuple[User | None, bool]:
    """The owner of an online case and whether ``by`` files it as the applicant's agent.

    An account applies for its own identity. For anyone else it must declare itself the agent
    (代办); a person's account is then the agent itself. The case then belongs to the
    applicant's own account, if they have one; the filer keeps access as the agent.
    """
    identity = identity_of(fields)
    if is_own_identity(by, fields["applicant_kind"], identity):
        return by, False
    if not fields["agent_name"]:
        raise ApplicantNotAccountError(
            _(
                "网上申请只能以本账户的身份申请。为他人申请的，请声明代办"
                "并上传申请人签署的授权委托书。"
            )
        )
    if by.identity_kind == IdentityKind.PERSON and fields["agent_id_number"] != by.id_number:
        raise AgentNotAccountError(_("代办人须为当前登录账户本人。"))
    return applicant_account(fields["applicant_kind"], identity), True


def power_of_attorney_type() -> MaterialType:
    """The power of attorney's material type (by its stable code, else by its name)."""
    material_type = (
        MaterialType.objects.filter(code=POWER_OF_ATTORNEY_CODE).first()
        or MaterialType.objects.filter(name=POWER_OF_ATTORNEY_NAME).first()
    )
    if material_type is None:
        material_type, _created = MaterialType.objects.get_or_create(
            code=POWER_OF_ATTORNEY_CODE,
            defaults={
                "name": POWER_OF_ATTORNEY_NAME,
                "description": "委托他人办理时，委托人签字（盖章）的授权委托书。",
            },
        )
    return material_type


def require_power_of_attorney(case: Case, needed: bool) -> None:
    """An agent's filing needs the power of attorney before submission.

    Added to the case when the guide does not list it, or the guide's conditional entry made
    required; taken back when the filing stops being an agent's.
    """
    material_type = power_of_attorney_type()
    material = (
        case.materials.filter(material_type=material_type).select_related("requirement").first()
    )
    if needed:
        if material is None:
            last = case.materials.order_by("-order").values_list("order", flat=True).first()
            CaseMaterial.objects.create(
                case=case,
                requirement=None,
                material_type=material_type,
                order=(last or 0) + 1,
                required=True,
            )
        elif not material.needed_at_submission:
            material.required, material.deferrable = True, False
            material.save(update_fields=["required", "deferrable"])
        return
    if material is None or not material.required:
        return
    if material.requirement is None:
        if material.files.exists():
            material.required = False
            material.save(update_fields=["required"])
        else:
            material_status_changed(case, material.status, MaterialStatus.MISSING)
            material.delete()
    elif not material.requirement.required:
        material.required, material.deferrable = False, material.requirement.deferrable
        material.save(update_fields=["required", "deferrable"])
