"""Home-visit help (上门代办): request, assign (or take on), file the case on the spot."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts import roles
from accounts.identity import mask_name, validate_mobile
from accounts.models import User
from cases import services as case_services
from cases.access import is_clerk, is_helper, is_supervisor
from cases.models import Case
from halls.models import Hall
from halls.selectors import staff_hall
from matters.models import Bundle, CatalogStatus, Matter
from notices.models import Channel
from notices.services import NoticeDraft, notices_create

from .exceptions import HomeVisitPermissionError, HomeVisitStateError
from .models import HomeVisit, HomeVisitChannel, HomeVisitStatus


def _lock(visit: HomeVisit | int) -> HomeVisit:
    pk = visit.pk if isinstance(visit, HomeVisit) else visit
    return (
        HomeVisit.objects.select_for_update(of=("self",))
        .select_related("matter", "hall", "helper")
        .get(pk=pk)
    )


def _refuse(visit: HomeVisit) -> HomeVisitStateError:
    return HomeVisitStateError(
        _("上门代办申请当前状态为“%(status)s”，不能执行此操作。")
        % {"status": visit.get_status_display()},
        extra={"status": visit.status},
    )


def _validated(name: str, phone: str, address: str, reason: str) -> dict:
    errors: dict[str, list[str]] = {}
    fields = {"name": name.strip(), "address": address.strip(), "reason": reason.strip()}
    if not fields["name"]:
        errors["name"] = [_("请填写需上门服务的群众姓名。")]
    if len(fields["address"]) < 5:
        errors["address"] = [_("请填写详细的上门地址（街道、门牌号）。")]
    if not fields["reason"]:
        errors["reason"] = [_("请说明需要上门的原因（如年老、患病、残疾、孕期）。")]
    try:
        fields["phone"] = validate_mobile(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    return fields


def _visit_context(visit: HomeVisit) -> dict:
    from django.conf import settings

    return {
        "hall": settings.HALL_NAME,
        "id": visit.pk,
        "name": mask_name(visit.name),
        "matter": visit.matter.name if visit.matter_id else "",
        "helper": visit.helper.display_name if visit.helper_id else "",
        "helper_phone": visit.helper.phone if visit.helper_id else "",
    }


@transaction.atomic
def home_visit_request(
    *,
    by: User,
    name: str,
    phone: str,
    address: str,
    reason: str,
    matter: Matter | None = None,
    hall: Hall | None = None,
) -> HomeVisit:
    """Ask for a helper to come: online by a resident or family member (their account), or
    a phone request a clerk records at the hall (the clerk's hall unless another is named)."""
    if is_clerk(by):
        channel = HomeVisitChannel.PHONE
        hall = hall or staff_hall(by)
    elif by.is_authenticated and by.has_role(roles.CITIZEN):
        channel = HomeVisitChannel.ONLINE
    else:
        raise HomeVisitPermissionError(
            _("上门代办由群众本人或家属在线申请，或由窗口人员登记电话申请。")
        )
    fields = _validated(name, phone, address, reason)
    if matter is not None and matter.status != CatalogStatus.PUBLISHED:
        raise ValidationError({"matter": [_("该事项未发布。")]})
    return HomeVisit.objects.create(
        **fields, matter=matter, hall=hall, channel=channel, requested_by=by
    )


def _assign(visit: HomeVisit, helper: User, by: User) -> HomeVisit:
    if not can_proceed(visit.assign):
        raise _refuse(visit)
    visit.assign(helper=helper, by=by, at=timezone.now())
    visit.save()
    context = _visit_context(visit)
    key = f"home-visit:{visit.pk}:assigned:{helper.pk}"
    drafts = [NoticeDraft(key, Channel.INBOX, "home_visit_assigned", context, helper, fresh=True)]
    if visit.channel == HomeVisitChannel.ONLINE and visit.requested_by_id != by.pk:
        drafts.append(
            NoticeDraft(
                key,
                Channel.INBOX,
                "home_visit_helper_coming",
                context,
                visit.requested_by,
                fresh=True,
            )
        )
    notices_create(drafts)
    return visit


@transaction.atomic
def home_visit_assign(*, visit: HomeVisit, by: User, username: str) -> HomeVisit:
    """A clerk or supervisor assigns a helper (or another helper) to the request."""
    visit = _lock(visit)
    if not (is_clerk(by) or is_supervisor(by)):
        raise HomeVisitPermissionError(_("只有窗口人员或监察人员可以指派代办员。"))
    if not can_proceed(visit.assign):
        raise _refuse(visit)
    helper = User.objects.filter(
        username=(username or "").strip(), is_active=True, groups__name=roles.HELPER
    ).first()
    if helper is None:
        raise ValidationError({"helper": [_("没有该用户名的在岗代办员。")]})
    return _assign(visit, helper, by)


@transaction.atomic
def home_visit_take(*, visit: HomeVisit, by: User) -> HomeVisit:
    """A helper takes on a request waiting in their hall's area (or one with no hall)."""
    visit = _lock(visit)
    if not is_helper(by):
        raise HomeVisitPermissionError(_("只有代办员可以认领上门代办。"))
    if visit.hall_id is not None and visit.hall_id != by.hall_id:
        raise HomeVisitPermissionError(
            _("该上门代办申请属于其他网点的服务范围。"), code="other_hall"
        )
    if visit.status != HomeVisitStatus.REQUESTED:
        raise _refuse(visit)
    return _assign(visit, by, by)


@transaction.atomic
def home_visit_file(
    *,
    visit: HomeVisit,
    by: User,
    applicant: case_services.Applicant,
    matter: Matter | None = None,
    bundle: Bundle | None = None,
    delivery: case_services.Delivery | None = None,
) -> Case:
    """The assigned helper files the case at the resident's home: a helper's case marked
    ``home_visit`` (the resident makes no trip), linked to the request."""
    visit = _lock(visit)
    if not (is_helper(by) and visit.helper_id == by.pk):
        raise HomeVisitPermissionError(_("只有指派的代办员可以上门受理。"))
    if not can_proceed(visit.file):
        raise _refuse(visit)
    if matter is None and bundle is None:
        matter = visit.matter
    case = case_services.case_create(
        by=by,
        applicant=applicant,
        matter=matter,
        bundle=bundle,
        delivery=delivery,
        home_visit=True,
    )
    visit.file(case=case, at=timezone.now())
    visit.save()
    return case
