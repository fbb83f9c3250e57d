"""Errors of documents and e-licences; the API maps each to its status and code."""

from accounts.exceptions import DomainError


class LicenceError(DomainError):
    code = "licence_error"


class LicenceTamperedError(LicenceError):
    """The licence's content no longer matches its signature (altered after issue)."""

    status_code = 409
    code = "licence_tampered"


class LicenceDeleteError(LicenceError):
    """Issued licences are revoked, never deleted."""

    status_code = 409
    code = "licence_not_deletable"
