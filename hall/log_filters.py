"""Logging filters: personal data never reaches the logs through a request line."""

import logging
import re

# Query parameters whose values are personal or secret: the last characters of an ID number
# (public tracking), whole ID numbers, phone numbers, passwords, tokens, one-time codes.
PERSONAL_PARAMETER = re.compile(
    r"(?i)(?P<name>\b[\w.\-]*(?:id_last4|id_number|phone|mobile|password|token|sms_code)[\w\-]*)"
    r"=(?P<value>[^&\s\"']*)"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with the value of every personal query parameter replaced."""
    return PERSONAL_PARAMETER.sub(lambda match: f"{match['name']}={REDACTED}", text)


class RedactPersonalData(logging.Filter):
    """Rewrite a record's message with personal query values redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Loggers that write request lines themselves and do not propagate to the root's handlers.
ACCESS_LOGGERS = ("django.server", "gunicorn.access")


def install_access_log_filters() -> None:
    """Put the filter on runserver's and gunicorn's access loggers (their own handlers)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactPersonalData) for existing in logger.filters):
            logger.addFilter(RedactPersonalData())
