"""How case events and actors read to people: one place for the timeline's words."""

from django.utils.translation import gettext_lazy as _

from accounts import roles

from .access import SYSTEM
from .models import CaseEvent, CaseStatus

EVENT_LABELS = {
    "create": _("创建申请草稿"),
    "submit": _("提交申请"),
    "accept": _("受理"),
    "request_supplement": _("一次性告知需补正材料"),
    "reject": _("不予受理"),
    "resubmit": _("补正后重新提交"),
    "withdraw": _("撤回申请"),
    "review_approve": _("部门审查同意"),
    "review_return": _("部门退回补正"),
    "review_deny": _("部门审查不同意"),
    "conclude": _("审查结论"),
    "material_received": _("窗口收取材料"),
    "material_missing": _("窗口核对缺少"),
    "deferred_supplied": _("补交容缺材料"),
    "special_procedure_start": _("启动特别程序（停止计时）"),
    "special_procedure_end": _("特别程序结束（恢复计时）"),
    "extension_request": _("申请延期"),
    "extension_granted": _("延长办理时限"),
    "extension_refused": _("不批准延期"),
    "issue": _("出具办理结果"),
    "ship": _("结果已交快递"),
    "waybill": _("快递运单号"),
    "deliver": _("结果已送达"),
    "delivery_failed": _("快递投递失败"),
    "collect": _("窗口领取结果"),
    "rating": _("评价"),
}
CONCLUDE_LABELS = {
    CaseStatus.APPROVED: _("审查通过，准予办理"),
    CaseStatus.DENIED: _("审查决定：不予许可"),
    CaseStatus.SUPPLEMENT_REQUIRED: _("审查中需补正材料"),
}
ROLE_LABELS = {
    roles.CITIZEN: _("申请人"),
    roles.CLERK: _("窗口人员"),
    roles.APPROVER: _("审批人员"),
    roles.SUPERVISOR: _("监察人员"),
    roles.CATALOG_ADMIN: _("管理人员"),
    SYSTEM: _("系统"),
    "admin": _("管理人员"),
}


def event_label(event: CaseEvent) -> str:
    """The event as a person reads it in a timeline."""
    if event.action == "conclude" and event.to_status in CONCLUDE_LABELS:
        return str(CONCLUDE_LABELS[event.to_status])
    if event.action in EVENT_LABELS:
        return str(EVENT_LABELS[event.action])
    return CaseStatus(event.to_status).label if event.to_status else event.action


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, _("工作人员")))
