"""Errors of the materials locker; the API maps each to its status and code."""

from accounts.exceptions import DomainError


class LockerError(DomainError):
    code = "locker_error"


class LockerItemNotFoundError(LockerError):
    """Not an item of the caller's own locker (or removed already): no hint it exists."""

    status_code = 404
    code = "not_found"
