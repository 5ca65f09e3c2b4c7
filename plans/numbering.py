"""The Chinese numbering of a plan's headings, computed from depth and position.

Official documents (党政机关公文格式, GB/T 9704) number levels as 一、 → （一） → 1. → （1）; union
plans write the third level as 1、 as often as 1. and add ① below. We use 一、（一）1、（1）①.
"""

_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (plans never have 100 sections)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


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
