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
class ParsedItem:
    content: str
    goal: str = ""
    measures: str = ""
    deadline_text: str = ""
    owner_text: str = ""


@dataclass
class ParsedSection:
    title: str
    level: int  # 1 for the outermost sections, the depth in the tree below that
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

    def walk(self) -> Iterator[ParsedSection]:
        for section in self.sections:
            yield from section.walk()
