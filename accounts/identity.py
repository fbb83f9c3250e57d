"""Identity numbers of applicants: validation (python-stdnum) and masking.

- Resident ID number (居民身份证号码): GB 11643-1999, 18 characters, check digit and a real
  birth date; ``stdnum.cn.ric`` checks both. A lower-case ``x`` check digit is accepted and
  stored upper-case.
- Unified social credit code (统一社会信用代码): GB 32100-2015, 18 characters with a check
  character; ``stdnum.cn.uscc``.
- Mainland mobile number: 11 digits starting 13–19.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    """Return the ID number without white space or hyphens, with an upper-case ``X``."""
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_id_number(value: str) -> str:
    """Validate a resident ID number; return it normalised or raise ``ValidationError``."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("身份证号码应为18位。"), code="id_number_length")
    if not ID_NUMBER_RE.match(number):
        raise ValidationError(_("身份证号码应为17位数字加1位数字或X。"), code="id_number_format")
    try:
        ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("身份证号码校验位不正确。"), code="id_number_checksum") from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(
            _("身份证号码中的出生日期或地区码无效。"), code="id_number_component"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(_("身份证号码格式不正确。"), code="id_number_format") from None
    return number


def normalize_credit_code(value: str) -> str:
    """Return the credit code without white space or hyphens, upper-case."""
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_credit_code(value: str) -> str:
    """Validate a unified social credit code; return it normalised or raise."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="credit_code_length")
    try:
        uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("统一社会信用代码校验位不正确。"), code="credit_code_checksum"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("统一社会信用代码格式不正确。"), code="credit_code_format"
        ) from None
    return code


def validate_mobile(value: str) -> str:
    """Validate a mainland mobile number (optionally written with +86); return 11 digits."""
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise ValidationError(_("请输入11位中国大陆手机号码。"), code="mobile")
    return number


def mask_id_number(value: str) -> str:
    """Keep the first 3 and last 4 characters: ``110***********002X``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Keep the family name only: ``张**``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
