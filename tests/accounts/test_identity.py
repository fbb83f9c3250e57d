"""Identity numbers: published vectors, valid and invalid, and masking."""

import pytest
from django.core.exceptions import ValidationError

from accounts.identity import (
    mask_id_number,
    mask_name,
    mask_phone,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)
from accounts.models import IdentityKind, User


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The sample number of GB 11643-1999.
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
    ],
)
def test_valid_id_numbers_are_accepted_and_normalised(raw, expected):
    assert validate_id_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_number_checksum"),
        ("110105194902300020", "id_number_component"),  # 30 February, right check digit
        ("11010519491231002", "id_number_length"),
        ("1101051949123100211", "id_number_length"),
        ("11010519491231002Y", "id_number_format"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(raw)
    assert excinfo.value.code == code
    assert "身份证" in excinfo.value.messages[0]


@pytest.mark.parametrize("raw", ["91110000600037341L", "91310000775785552L", "91110108551385082q"])
def test_valid_credit_codes(raw):
    assert validate_credit_code(raw) == raw.upper()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91110000600037341M", "credit_code_checksum"),
        ("9111000060003734", "credit_code_length"),
        ("91110000600037341I", "credit_code_format"),  # I is not in the GB 32100 alphabet
    ],
)
def test_invalid_credit_codes(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(raw)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678")],
)
def test_valid_mobiles(raw, expected):
    assert validate_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "23812345678", "1381234567a", ""])
def test_invalid_mobiles(raw):
    with pytest.raises(ValidationError):
        validate_mobile(raw)


def test_masking_keeps_only_what_identifies_nobody():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张小明") == "张**"
    assert mask_id_number("") == ""


def test_user_clean_validates_and_normalises_identity(db):
    user = User(
        username="u1",
        identity_kind=IdentityKind.PERSON,
        id_number="11010519491231002x",
        phone="138 1234 5678",
    )
    user.clean()
    assert user.id_number == "11010519491231002X"
    assert user.phone == "13812345678"


def test_user_clean_reports_every_bad_field_at_once(db):
    user = User(
        username="u2", identity_kind=IdentityKind.PERSON, id_number="110105194912310021", phone="1"
    )
    with pytest.raises(ValidationError) as excinfo:
        user.clean()
    assert set(excinfo.value.message_dict) == {"id_number", "phone"}


def test_company_needs_credit_code(db):
    with pytest.raises(ValidationError) as excinfo:
        User(username="c", identity_kind=IdentityKind.COMPANY).clean()
    assert "credit_code" in excinfo.value.message_dict
