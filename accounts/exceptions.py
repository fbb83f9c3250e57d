"""Domain errors. ``DomainError`` lives here, on the lowest floor, so every app can raise it;
the API's exception handler maps it to ``{"detail", "code"}`` with its status."""


class DomainError(Exception):
    """Base of the errors services raise; carries a user-facing message and a code."""

    status_code = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra or {}


class IdentityError(DomainError):
    code = "invalid_identity"


class PasswordError(DomainError):
    """A password change or reset refused: wrong old password, bad code, weak new password."""

    code = "invalid_password"
