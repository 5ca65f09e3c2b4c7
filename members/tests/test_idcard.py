import datetime

import pytest
from django.core.exceptions import ValidationError

from members.idcard import check_digit, make_id_number, mask_id_number, parse_id_number

# A published sample number (GB 11643 examples use 11010519491231002X).
VALID_FEMALE = "11010519491231002X"


def test_valid_number_gives_birth_date_and_gender():
    info = parse_id_number(VALID_FEMALE)
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.gender == "F"


def test_lowercase_x_full_width_and_spaces_are_normalised():
    assert parse_id_number(" 11010519491231002x ").number == VALID_FEMALE
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ").number == VALID_FEMALE


def test_wrong_check_digit_names_the_expected_digit():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.code == "id_number_check_digit"
    assert "X" in exc.value.messages[0]
    assert "校验位" in exc.value.messages[0]


def test_impossible_date_is_rejected():
    first17 = "11010519490230002"  # 30 February
    with pytest.raises(ValidationError) as exc:
        parse_id_number(first17 + check_digit(first17))
    assert exc.value.code == "id_number_birth_date"
    assert "19490230" in exc.value.messages[0]


def test_future_birth_date_is_rejected():
    number = make_id_number("110105", datetime.date(2030, 1, 1), 1, "M")
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number, today=datetime.date(2026, 11, 21))
    assert exc.value.code == "id_number_birth_date"


def test_fifteen_digit_old_number_is_rejected_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105491231002")
    assert exc.value.code == "id_number_old_format"
    assert "15位" in exc.value.messages[0]
    assert "18位" in exc.value.messages[0]


@pytest.mark.parametrize("value", ["", "abc", "1101051949123100", "11010519491231002Y", "1101051949123100211"])
def test_malformed_numbers_are_rejected(value):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value)
    assert exc.value.code == "id_number_format"


def test_unknown_province_is_rejected():
    first17 = "99010519491231002"
    with pytest.raises(ValidationError) as exc:
        parse_id_number(first17 + check_digit(first17))
    assert exc.value.code == "id_number_region"


@pytest.mark.parametrize("gender", ["M", "F"])
def test_made_numbers_are_valid_and_carry_the_gender(gender):
    for sequence in range(0, 500, 37):
        number = make_id_number("130534", datetime.date(1980, 2, 29), sequence, gender)
        info = parse_id_number(number)
        assert info.gender == gender
        assert info.birth_date == datetime.date(1980, 2, 29)


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID_FEMALE) == "110105********002X"


def test_check_digit_is_the_weighted_sum_of_the_standard():
    """check_digit computes GB 11643's sum (weights 2**17 … 2**1 mod 11) another way: compared here
    with the sum itself, for every digit in every position and for random numbers."""
    import random

    weights = [2 ** (17 - i) % 11 for i in range(17)]
    numbers = ["0" * i + str(d) + "0" * (16 - i) for i in range(17) for d in range(10)]
    numbers += ["".join(random.choices("0123456789", k=17)) for _ in range(2_000)]
    for first17 in numbers:
        expected = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
        assert check_digit(first17) == expected, first17
    assert check_digit("１１０１０５１９４９１２３１００２") == "X"  # full-width digits: the sum as before
    assert check_digit("11010519491231002") == "X"


def test_a_canonical_number_is_taken_as_it_is_and_others_are_normalised():
    from members.idcard import normalize_id_number

    assert normalize_id_number(VALID_FEMALE) is VALID_FEMALE
    assert normalize_id_number("11010519491231002x") == VALID_FEMALE
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID_FEMALE
    assert normalize_id_number(" 110105 19491231002X\u3000") == VALID_FEMALE
