"""Errors of the notices app, with the code the pages and the API show."""

from accounts.exceptions import DomainError


class EmailAddressError(DomainError):
    """An e-mail address could not be set or confirmed; ``code`` says why."""

    code = "email_invalid"
    # Codes answered with another status than 400.
    STATUS = {"not_yours": 403, "too_many_confirmations": 429, "already_confirmed": 409}

    def __init__(self, detail: str, *, code: str):
        super().__init__(detail, code=code)
        self.status_code = self.STATUS.get(code, 400)
