"""Valid identity numbers for tests, made with the standards' own check digits."""

import itertools

from stdnum.cn import ric, uscc

_sequence = itertools.count(1)


def make_id_number(birth: str = "19900307", area: str = "330102") -> str:
    """A valid resident ID number (GB 11643-1999) with a fresh sequence number."""
    body = f"{area}{birth}{next(_sequence) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_credit_code() -> str:
    """A valid unified social credit code (GB 32100-2015)."""
    body = f"91330100{next(_sequence):09d}"
    return body + uscc.calc_check_digit(body)


def make_mobile() -> str:
    return f"138{next(_sequence):08d}"
