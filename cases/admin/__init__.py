"""The admin for approvers and supervisors: the review queue and the review page with its
decision form, extensions, follow-ups of bad ratings, and a read-only view of cases.

Nothing here changes a case by itself: every form and action calls one service, and no model
field is editable in the admin. Who sees what follows the roles (``cases.access``), not Django
model permissions, so a fresh approver account works without any permission set-up:
approvers see their own department's reviews and follow-ups and the cases they review;
supervisors and superusers see everything.
"""

from .cases import CaseAdmin
from .extensions import ExtensionAdmin
from .followups import FollowUpAdmin
from .reviews import ReviewAdmin

__all__ = ["CaseAdmin", "ExtensionAdmin", "FollowUpAdmin", "ReviewAdmin"]
