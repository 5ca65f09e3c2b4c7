"""One widget per 花名册 column: a cell in, a Python value out, or ValueError with a Chinese message."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from ..idcard import IdNumberInfo, parse_id_number
from ..models import Department, OrgUnit
from .files import FORMULA_TRIGGERS, cell_text

# Excel's serial day 0, for a date typed as a plain number (a date cell comes as a date already).
EXCEL_EPOCH = datetime.date(1899, 12, 30)


class TextWidget:
    """Plain text up to `max_length`; an empty cell is None (the field then keeps its value)."""

    def __init__(self, max_length: int, label: str, *, plain: bool = False) -> None:
        self.max_length, self.label, self.plain = max_length, label, plain

    def clean(self, value: Any, **kwargs: Any) -> str | None:
        text = cell_text(value)
        if not text:
            return None
        if len(text) > self.max_length:
            raise ValueError(
                gettext("%(column)s不能超过 %(n)d 个字（现在有 %(len)d 个）。")
                % {"column": self.label, "n": self.max_length, "len": len(text)}
            )
        if self.plain and text.startswith(FORMULA_TRIGGERS):
            raise ValueError(gettext("%(column)s不能以 = + - @ 开头。") % {"column": self.label})
        return text


class PhoneWidget:
    _PATTERN = re.compile(r"(\+?86)?1\d{10}|[\d\-]{7,20}")

    def clean(self, value: Any, **kwargs: Any) -> str | None:
        text = cell_text(value).replace(" ", "")
        if not text:
            return None
        if len(text) > 20 or not self._PATTERN.fullmatch(text):
            raise ValueError(gettext("手机号“%(value)s”格式不对：应为11位手机号或带区号的电话。") % {"value": text})
        return text


class IdNumberWidget:
    """The number's parsed facts (IdNumberInfo), or ValueError with parse_id_number's message."""

    def __init__(self) -> None:
        self.today: datetime.date | None = None  # the import's day, so not asked for again per row

    def clean(self, value: Any, **kwargs: Any) -> IdNumberInfo | None:
        if isinstance(value, Decimal):
            raise ValueError(
                gettext("身份证号被 Excel 存成了数字，后几位可能已经丢失。请把该列设为“文本”格式后重新填写。")
            )
        text = cell_text(value)
        if not text:
            return None
        if "*" in text:
            raise ValueError(gettext("身份证号中间被打码（含 *），导入需要完整的18位号码。"))
        try:
            return parse_id_number(text, today=self.today)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None


class ChoiceWidget:
    """A TextChoices value from its label (在编) or its code (permanent)."""

    def __init__(self, choices: Any, label: str, extra: dict[str, str] | None = None) -> None:
        self.label = label
        self.allowed = "、".join(str(choice.label) for choice in choices)
        self.lookup = {str(choice.label): choice.value for choice in choices}
        self.lookup.update({choice.value: choice.value for choice in choices})
        self.lookup.update(extra or {})

    def clean(self, value: Any, **kwargs: Any) -> str | None:
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.lookup[text]
        except KeyError:
            raise ValueError(
                gettext("%(column)s“%(value)s”无法识别，只能填写：%(allowed)s。")
                % {"column": self.label, "value": text, "allowed": self.allowed}
            ) from None


class YesNoWidget:
    _VALUES = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False, "√": True, "×": False}

    def clean(self, value: Any, **kwargs: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = cell_text(value).upper()
        if not text:
            return None
        if text in {"TRUE", "YES"}:
            return True
        if text in {"FALSE", "NO"}:
            return False
        try:
            return self._VALUES[text]
        except KeyError:
            raise ValueError(gettext("一线职工只能填“是”或“否”（现在是“%(value)s”）。") % {"value": text}) from None


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")


class ExcelDateWidget:
    """yyyy-mm-dd (also 2015/9/1, 2015年9月1日, 20150901) or an Excel date."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.epoch = EXCEL_EPOCH
        self._cache: dict[str, datetime.date] = {}  # a roster repeats its join dates

    def clean(self, value: Any, **kwargs: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, Decimal):
            return self._from_number(value)
        text = cell_text(value)
        if not text:
            return None
        if text in self._cache:
            return self._cache[text]
        date = None
        match = _DATE_TEXT.fullmatch(text)
        try:
            if match:
                date = datetime.date(*(int(part) for part in match.groups()))
            elif re.fullmatch(r"\d{8}", text):
                date = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            date = None
        if date is None:
            raise ValueError(
                gettext("%(column)s“%(value)s”不是有效日期，请按 yyyy-mm-dd 填写，如 2015-09-01。")
                % {"column": self.label, "value": text}
            )
        self._cache[text] = date
        return date

    def _from_number(self, number: Decimal) -> datetime.date:
        try:
            if number == number.to_integral_value() and 19000101 <= number <= 21001231:
                text = str(int(number))  # 20150901 typed as a number
                return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            if 1 <= number < 100_000:  # an Excel serial date
                return self.epoch + datetime.timedelta(days=int(number))
        except (ValueError, OverflowError):
            pass
        raise ValueError(
            gettext("%(column)s“%(value)s”不是有效日期，请按 yyyy-mm-dd 填写，如 2015-09-01。")
            % {"column": self.label, "value": cell_text(number)}
        )


class MoneyWidget:
    _CLEAN = re.compile(r"[,，¥￥元\s]")

    def clean(self, value: Any, **kwargs: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            amount = value
        else:
            text = self._CLEAN.sub("", cell_text(value))
            if not text:
                return None
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise ValueError(gettext("会费工资基数“%(value)s”不是数字。") % {"value": text}) from None
        if not amount.is_finite():
            raise ValueError(gettext("会费工资基数“%(value)s”不是数字。") % {"value": cell_text(value)})
        if amount < 0:
            raise ValueError(gettext("会费工资基数不能为负数（现在是 %(value)s）。") % {"value": amount})
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(gettext("会费工资基数最多两位小数（现在是 %(value)s）。") % {"value": amount})
        if amount >= Decimal("1e12"):
            raise ValueError(gettext("会费工资基数 %(value)s 过大，请核对。") % {"value": amount})
        return amount.quantize(Decimal("0.01"))


class UnitWidget:
    """所属工会 by name (or “上级/名称” when two units share a name) within the target subtree."""

    def __init__(self) -> None:
        self.target: OrgUnit | None = None
        self.by_name: dict[str, list[OrgUnit]] = {}

    def bind(self, target: OrgUnit, units: list[OrgUnit]) -> None:
        self.target = target
        self.by_name = {}
        by_id = {unit.pk: unit for unit in units}
        for unit in units:
            if not unit.path.startswith(target.path):
                continue
            self.by_name.setdefault(unit.name, []).append(unit)
            parent = by_id.get(unit.parent_id)
            if parent is not None:
                self.by_name.setdefault(f"{parent.name}/{unit.name}", []).append(unit)

    def clean(self, value: Any, **kwargs: Any) -> OrgUnit | None:
        name = cell_text(value).replace("／", "/").replace(" / ", "/")
        if not name:
            return None
        found = self.by_name.get(name, [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValueError(
                gettext("所属工会“%(name)s”不在“%(target)s”之下。") % {"name": name, "target": self.target}
            )
        raise ValueError(
            gettext("“%(target)s”之下有 %(n)d 个单位叫“%(name)s”，请写成“上级单位/%(name)s”。")
            % {"target": self.target, "n": len(found), "name": name}
        )


class DepartmentWidget:
    """部门 by name among the departments of the row's unit and the units above it (its 基层工会)."""

    def __init__(self) -> None:
        self.by_unit_and_name: dict[tuple[int, str], Department] = {}
        self.unit_of: dict[int, int] = {}  # department → the unit it belongs to
        self.units_by_id: dict[int, OrgUnit] = {}

    def bind(self, units: list[OrgUnit], departments: list[Department]) -> None:
        self.units_by_id = {unit.pk: unit for unit in units}
        self.by_unit_and_name = {(d.org_unit_id, d.name): d for d in departments}
        self.unit_of = {d.pk: d.org_unit_id for d in departments}

    def belongs(self, department_id: int, unit: OrgUnit) -> bool:
        """Is the department one of `unit` or of a unit above it (what Member.clean() requires)?"""
        return self.unit_of.get(department_id) in {int(part) for part in unit.path.split("/")[:-1]}

    def clean(self, value: Any, unit: OrgUnit | None = None, **kwargs: Any) -> Department | None:
        name = cell_text(value)
        if not name or unit is None:
            return None  # without a unit (its own error is reported) no department can be checked
        chain = [int(part) for part in unit.path.split("/")[:-1]]
        for unit_id in reversed(chain):
            department = self.by_unit_and_name.get((unit_id, name))
            if department is not None:
                return department
        base = next(
            (
                self.units_by_id[i]
                for i in reversed(chain)
                if i in self.units_by_id and self.units_by_id[i].kind == OrgUnit.Kind.BASE
            ),
            unit,
        )
        raise ValueError(gettext("部门“%(name)s”不是“%(unit)s”的部门。") % {"name": name, "unit": base})
