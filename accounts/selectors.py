"""Reads of accounts that several apps make the same way."""

from django.db.models import QuerySet

from . import roles
from .models import User


def active_approvers() -> QuerySet[User]:
    """Approvers whose account is on: the staff a department's review notices go to."""
    return User.objects.filter(groups__name=roles.APPROVER, is_active=True)
