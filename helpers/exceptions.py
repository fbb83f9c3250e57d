"""Errors of home-visit help; the API maps each to its status and code."""

from accounts.exceptions import DomainError


class HomeVisitError(DomainError):
    code = "home_visit_error"


class HomeVisitPermissionError(HomeVisitError):
    status_code = 403
    code = "permission_denied"


class HomeVisitStateError(HomeVisitError):
    status_code = 409
    code = "invalid_transition"
