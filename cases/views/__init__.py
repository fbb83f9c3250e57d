"""Citizen pages for cases: applying online, 我的办件, public tracking, material files."""

from .apply import apply_bundle, apply_matter, case_edit, case_materials, case_review
from .files import material_file, material_file_remove
from .mine import (
    case_authorise,
    case_commit,
    case_detail,
    case_list,
    case_rate,
    case_resubmit,
    case_withdraw,
)
from .rate import rate_by_link
from .track import track

__all__ = [
    "apply_bundle",
    "apply_matter",
    "case_authorise",
    "case_commit",
    "case_detail",
    "case_edit",
    "case_list",
    "case_materials",
    "case_rate",
    "case_resubmit",
    "case_review",
    "case_withdraw",
    "material_file",
    "material_file_remove",
    "rate_by_link",
    "track",
]
