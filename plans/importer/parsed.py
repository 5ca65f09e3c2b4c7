"""What the importer hands back: the plans found in a paste, and one plan read into a tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

DEFAULT_TITLE = "工会工作计划"


@dataclass
class PastedPlan:
    """One plan found in a pasted text, for the user to pick."""

    label: str  # "篇1：2024年学校工会工作计划"
    title: str
    text: str  # the plan's own lines (its header first), site junk removed, otherwise as pasted
    preview: str = ""  # its first line of content: several plans of one page often share a title


@dataclass
class FlaggedLine:
    """A line the importer changed or left out, shown in the review so nothing goes unseen."""

    line: str  # as pasted (after the conversion to simplified characters, when there was one)
    reason: str  # "mojibake", "romanisation" or "title_run"


@dataclass
class ParsedItem:
    content: str
    goal: str = ""
    measures: str = ""
    deadline_text: str = ""
    owner_text: str = ""
    deadline_proposed: str = ""  # a date written in the content, offered as its 时限 in the review


@dataclass
class ParsedSection:
    title: str
    level: int  # 1 for the outermost sections, the depth in the tree below that
    deadline_text: str = ""  # a phase's date range ("第一阶段（3月1日—3月15日）"), its items' 时限
    children: list[ParsedSection] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)

    def walk(self) -> Iterator[ParsedSection]:
        """This section and all the sections under it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class ScheduleEntry:
    month_text: str  # as written: 元月, 三月份, 七、八月份, 9-10月
    activities: list[str] = field(default_factory=list)
    months: list[int] = field(default_factory=list)  # 七、八月份 → [7, 8]; empty if unreadable
    theme: str = ""  # a month's heading in a table: "2月新学期新面貌" → 新学期新面貌


@dataclass
class ParsedPlan:
    title: str
    year: int | None
    guiding_ideas: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    schedule: list[ScheduleEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preamble: str = ""  # a 通知's opening (addressee, purpose): shown, not saved as 指导思想
    flagged: list[FlaggedLine] = field(default_factory=list)
    traditional: bool = False  # the paste was in traditional characters
    conversions: list[tuple[str, str]] = field(default_factory=list)  # (traditional, simplified) characters

    def walk(self) -> Iterator[ParsedSection]:
        for section in self.sections:
            yield from section.walk()
