"""Errors of the notices app, with the code the pages and the API show."""


class EmailAddressError(Exception):
    """An e-mail address could not be set or confirmed; ``code`` says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
