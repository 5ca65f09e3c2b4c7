import pytest

from plans.numbering import chinese_number, heading_number


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (23, "二十三"), (99, "九十九")]
    + [(100, "一百"), (101, "一百零一"), (110, "一百一十"), (999, "九百九十九"), (1005, "一千零五"), (2000, "二千")]
    + [(10_000, "10000")],
)
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text


@pytest.mark.parametrize(
    ("depth", "index", "label"),
    [(1, 1, "一、"), (1, 12, "十二、"), (2, 3, "（三）"), (3, 4, "4、"), (4, 2, "（2）"), (5, 1, "①"), (6, 20, "⑳")],
)
def test_heading_numbers_follow_the_official_levels(depth, index, label):
    assert heading_number(depth, index) == label
