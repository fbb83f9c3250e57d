"""Case services: every change to a case, one function per use case (see STYLE.md)."""

from .deadlines import deadline_colour, refresh_deadline
from .handover import (
    DeferredMaterialsOutstandingError,
    case_collect,
    case_deliver,
    case_issue,
    case_ship,
)
from .intake import (
    Agent,
    Applicant,
    Delivery,
    case_accept,
    case_create,
    case_reject,
    case_request_supplement,
    case_resubmit,
    case_submit,
    case_update_details,
    case_withdraw,
    cases_deem_accepted,
    material_for_requirement,
    material_upload,
    missing_for_submission,
)
from .ratings import (
    AlreadyRatedError,
    follow_up_decide_appeal,
    follow_up_record,
    rating_create,
)
from .reviews import (
    case_approve_instant,
    extension_decide,
    extension_request,
    review_decide,
    special_procedure_end,
    special_procedure_start,
)
from .visits import visit_record

__all__ = [
    "Agent",
    "AlreadyRatedError",
    "Applicant",
    "DeferredMaterialsOutstandingError",
    "Delivery",
    "case_accept",
    "case_approve_instant",
    "case_collect",
    "case_create",
    "case_deliver",
    "case_issue",
    "case_reject",
    "case_request_supplement",
    "case_resubmit",
    "case_ship",
    "case_submit",
    "case_update_details",
    "case_withdraw",
    "cases_deem_accepted",
    "deadline_colour",
    "extension_decide",
    "extension_request",
    "follow_up_decide_appeal",
    "follow_up_record",
    "material_for_requirement",
    "material_upload",
    "missing_for_submission",
    "rating_create",
    "refresh_deadline",
    "review_decide",
    "special_procedure_end",
    "special_procedure_start",
    "visit_record",
]
