"""How case events and actors read to people: one place for the timeline's words."""

from django.utils.translation import gettext_lazy as _

from accounts import roles

from .access import SYSTEM
from .events import CaseAction
from .models import CaseEvent, CaseStatus

EVENT_LABELS: dict[CaseAction, str] = {
    CaseAction.CREATE: _("创建申请草稿"),
    CaseAction.SUBMIT: _("提交申请"),
    CaseAction.ACCEPT: _("受理"),
    CaseAction.REQUEST_SUPPLEMENT: _("一次性告知需补正材料"),
    CaseAction.REJECT: _("不予受理"),
    CaseAction.RESUBMIT: _("补正后重新提交"),
    CaseAction.WITHDRAW: _("撤回申请"),
    CaseAction.REVIEW_APPROVE: _("部门审查同意"),
    CaseAction.REVIEW_RETURN: _("部门退回补正"),
    CaseAction.REVIEW_DENY: _("部门审查不同意"),
    CaseAction.CONCLUDE: _("审查结论"),
    CaseAction.MATERIAL_RECEIVED: _("窗口收取材料"),
    CaseAction.MATERIAL_MISSING: _("窗口核对缺少"),
    CaseAction.MATERIAL_NOT_APPLICABLE: _("窗口核对不涉及"),
    CaseAction.DEFERRAL_COMMITTED: _("申请人在线作出容缺承诺"),
    CaseAction.DEFERRED_SUPPLIED: _("补交容缺材料"),
    CaseAction.SPECIAL_PROCEDURE_START: _("启动特别程序（停止计时）"),
    CaseAction.SPECIAL_PROCEDURE_END: _("特别程序结束（恢复计时）"),
    CaseAction.EXTENSION_REQUEST: _("申请延期"),
    CaseAction.EXTENSION_GRANTED: _("延长办理时限"),
    CaseAction.EXTENSION_REFUSED: _("不批准延期"),
    CaseAction.ISSUE: _("出具办理结果"),
    CaseAction.SHIP: _("结果已交快递"),
    CaseAction.WAYBILL: _("快递运单号"),
    CaseAction.DELIVER: _("结果已送达"),
    CaseAction.DELIVERY_FAILED: _("快递投递失败"),
    CaseAction.COLLECT: _("窗口领取结果"),
    CaseAction.RATING: _("评价"),
    CaseAction.TRANSFER_SENT: _("纸质材料送出"),
    CaseAction.TRANSFER_RECEIVED: _("纸质材料已接收"),
    CaseAction.HELPER_AUTHORISED: _("申请人在线确认代办授权"),
    CaseAction.FIRST_RESPONSIBLE_CHANGED: _("变更首接责任人"),
    CaseAction.PAYMENT_PAID: _("缴纳费用"),
    CaseAction.PAYMENT_REFUNDED: _("退还费用"),
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
    roles.HELPER: _("代办员"),
    SYSTEM: _("系统"),
    "admin": _("管理人员"),
}


def event_label(event: CaseEvent) -> str:
    """The event as a person reads it in a timeline."""
    if event.action == CaseAction.CONCLUDE and event.to_status in CONCLUDE_LABELS:
        return str(CONCLUDE_LABELS[event.to_status])
    if event.action in EVENT_LABELS:
        return str(EVENT_LABELS[event.action])
    return CaseStatus(event.to_status).label if event.to_status else event.action


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, _("工作人员")))
