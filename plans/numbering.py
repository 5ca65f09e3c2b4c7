"""The Chinese numbering of a plan's headings, computed from depth and position.

Official documents (党政机关公文格式, GB/T 9704) number levels as 一、 → （一） → 1. → （1）; union
plans write the third level as 1、 as often as 1. and add ① below. We use 一、（一）1、（1）①.
"""

_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 99 → 九十九, 101 → 一百零一, 110 → 一百一十; digits from 10,000.

    Written plans stop well before 100 sections, but a paste can hold thousands of headings and
    its preview numbers every one of them.
    """
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    if n >= 10_000:
        return str(n)
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            parts.append(("零" if zero else "") + _DIGITS[digit] + unit)
            zero = False
        elif parts:
            zero = True
    return "".join(parts)


def heading_number(depth: int, index: int) -> str:
    """The label of the `index`-th (1-based) heading at `depth` (1 = top level)."""
    if depth == 1:
        return f"{chinese_number(index)}、"
    if depth == 2:
        return f"（{chinese_number(index)}）"
    if depth == 3:
        return f"{index}、"
    if depth == 4:
        return f"（{index}）"
    return _CIRCLED[index - 1] if index <= len(_CIRCLED) else f"{index})"


# Items are never numbered above the 1、 level: items directly under 一、 read 1、 2、 as union plans
# write them.
ITEM_MIN_DEPTH = 3


def item_depth(section_depth: int) -> int:
    """The numbering level of the items of a section at `section_depth`."""
    return max(section_depth + 1, ITEM_MIN_DEPTH)


def child_offset(section_depth: int, item_count: int) -> int:
    """Where a section's sub-sections start counting: after its items when both use the same label
    style, so no two siblings share a label."""
    return item_count if item_depth(section_depth) == section_depth + 1 else 0
