"""The hall's own language for what it keeps and sends.

Pages and API answers follow the reader's language (Chinese, or English by the switch or the
browser). What the hall records and issues does not: a case's history, papers and notices are
in Chinese (``settings.LANGUAGE_CODE``) whoever caused them, in whatever language they read.
"""

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


def hall_language():
    """``with hall_language(): ...`` renders or records in the hall's language (Chinese)."""
    return translation.override(settings.LANGUAGE_CODE)


def recorded(message: str, params: dict | None = None) -> str:
    """A text kept in a record (a case event's note), ``message % params``: in the hall's
    language, not the page's; lazy labels among ``params`` (a status, a rating) too."""
    with hall_language():
        text = translation.gettext(message)
        if params is None:
            return text
        return text % {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}
