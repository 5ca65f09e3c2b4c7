"""The state machine that turns classified lines into a tree of headings and paragraphs, and the 活动安排."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import find_date
from .lines import (
    _BARE_HEADINGS,
    _CJK,
    _GUIDING_TITLE,
    _NOTICE_DEADLINE_RE,
    _SCHEDULE_TITLE_RE,
    _joined,
    _Line,
    _match_heading,
)
from .parsed import ScheduleEntry

_SENTENCE_END_RE = re.compile(r"[。；;！!？?]")
_ENDS_A_SENTENCE = tuple('。！？!?；;：:…”"）)」』.')


# ---------------------------------------------------------------------------------------------
# Reading a plan


@dataclass(eq=False)
class _Node:
    kind: str  # "heading" or "paragraph"
    text: str
    title: str = ""
    style: str = ""
    rank: int = 0
    number: int = 0
    marker: str = ""
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    opens_body: bool = False  # a title, so the paragraphs after it are its own
    opens_list: bool = False  # ends with a colon: "四、创建要求：…主要方法和途径如下："
    role: str = ""  # "guiding" (指导思想), "schedule" (活动安排), "deadline" (报送时间): headings that are not sections
    trail: list[str] = field(default_factory=list)  # a top-level heading's line kinds, in order
    owner_targets: list[_Node] = field(default_factory=list)  # where its 责任人 lines went

    def add(self, child: _Node) -> _Node:
        child.parent = self
        self.children.append(child)
        return child


class _PlanReader:
    """The state machine: "body" builds the tree of headings and paragraphs, "schedule" the months."""

    def __init__(self) -> None:
        self.root = _Node("heading", "")
        self.stack: list[_Node] = []  # the open headings, outermost first
        self.last: _Node | None = None  # the line 目标/时限/责任人 lines belong to
        self.last_paragraph_at = -2  # where the paragraph that may go on in the next line was
        self.index = 0
        self.in_schedule = False
        self.schedule: list[ScheduleEntry] = []
        self.warnings: list[str] = []
        self.deadline_for: _Node | None = None  # the item a deadline heading's next line gives its 时限

    def read(self, lines: list[_Line]) -> None:
        for self.index, line in enumerate(lines):
            if self.in_schedule and not self._leaves_schedule(line):
                self._schedule_line(line)
            else:
                self.in_schedule = False
                self._body_line(line, month_follows=_month_follows(lines, self.index + 1))
            if self.stack:
                is_owner = line.kind == "attribute" and "owner_text" in line.pairs
                self.stack[0].trail.append("owner" if is_owner else line.kind)

    # -- body

    def _body_line(self, line: _Line, *, month_follows: bool) -> None:
        if line.kind in ("heading", "bare"):
            self.deadline_for = None
            if deadline := _NOTICE_DEADLINE_RE.fullmatch(line.text.rstrip("。")):
                self._deadline_heading(line, deadline[2] or "")
                return
        elif self.deadline_for is not None and line.kind == "paragraph":
            self._give_deadline(self.deadline_for, line.text)
            self.deadline_for = None
            return
        match line.kind:
            case "month":
                self.in_schedule = True
                self._schedule_line(line)
            case "heading" | "bare" | "schedule_title" if month_follows and _SCHEDULE_TITLE_RE.fullmatch(line.title):
                if line.kind == "heading":
                    self._heading(line).role = "schedule"  # placed, so the numbering after it reads on
                self.in_schedule = True
            case "label" if month_follows:
                self.in_schedule = True
            case "bare" if line.title not in _BARE_HEADINGS and self.stack and self.stack[0].style != "bare":
                self._paragraph(line.text, line.pairs)  # "具体如下：" inside a numbered plan is no new part
            case "heading" | "bare":
                self._heading(line)
            case "attribute":
                self._attribute(line)
            case "paragraph" | "schedule_title":
                self._paragraph(line.text, line.pairs)
            case _:
                pass  # a column title, or a second plan header (already warned about)

    def _heading(self, line: _Line) -> _Node:
        node = _Node(
            "heading",
            line.text,
            title=line.title,
            style=line.style or "bare",
            rank=line.rank,
            number=line.number,
            marker=line.marker,
            attrs=dict(line.pairs),
            opens_body=line.kind == "bare" or bool(line.body) or (len(line.text) <= 40 and "。" not in line.text[:-1]),
            opens_list=line.text.endswith((":", "：")),
            role="guiding" if line.title.startswith(_GUIDING_TITLE) else "",
        )
        self._place(node)
        previous = _previous_of_style(node)
        if previous is not None and any(child.kind == "paragraph" for child in previous.children):
            if not node.opens_body and not line.body:
                # "(三)推动落实…建设围绕推动落实…。": (一) and (二) were titles over paragraphs, so this
                # one is too, and its paragraph lost the newline after the title
                node.title, body = _lost_title(line.text)
                if body:
                    line.body = body
            node.opens_body = True
        if line.body:
            node.add(_Node("paragraph", line.body))
        self._absorb_continuation(node)
        self.last = node
        return node

    def _deadline_heading(self, line: _Line, value: str) -> None:
        """ "三、报送时间" (its date on the next line), "截止日期：9月30日前": the 时限 of the item above.

        The heading is placed, so the numbering after it reads on, and left out of the plan.
        """
        target = self.last
        self._heading(line).role = "deadline"
        self.last = target
        if target is None or target.kind == "paragraph" and target.parent is self.root:
            return
        if value:
            self._give_deadline(target, value)
        else:
            self.deadline_for = target

    def _give_deadline(self, target: _Node, text: str) -> None:
        """A deadline's date becomes the item's 时限; a sentence around it ("…前报送工会办公室") its 措施."""
        date = find_date(text)
        value = text.strip().rstrip("。.；;")
        target.attrs["deadline_text"] = date[0] if date else value
        if date and value != date[0]:
            target.attrs["measures"] = _joined(target.attrs.get("measures", ""), text.strip())

    def _absorb_continuation(self, node: _Node) -> None:
        """Join paragraphs between "2、…。" and "3、" to 2、: they go on with it, as 3、 shows.

        A numbered line that is itself a paragraph (too long for a title) is an item; an un-numbered
        paragraph after it is read as its sibling ("8、…。" then a closing paragraph) until the next
        number of the same list arrives: then it was the numbered paragraph's second paragraph, and
        keeping it a sibling would renumber every item after it.
        """
        if node.parent is None:
            return
        # Indexes into the siblings, not a copy of them: a paste of thousands of headings made
        # each heading copy all the ones before it.
        siblings = node.parent.children
        end = len(siblings) - 1  # node itself is the last one
        start = end
        while start and siblings[start - 1].kind == "paragraph":
            start -= 1
        previous = siblings[start - 1] if start else None
        if (
            start == end
            or previous is None
            or previous.kind != "heading"
            or previous.style != node.style
            or previous.number + 1 != node.number
            or previous.opens_body
            or previous.children
        ):
            return
        for paragraph in siblings[start:end]:
            previous.text = f"{previous.text}\n{paragraph.text}"
            for name, value in paragraph.attrs.items():
                previous.attrs[name] = _joined(previous.attrs.get(name, ""), value)
            for top in self.stack[:1]:
                top.owner_targets = [previous if target is paragraph else target for target in top.owner_targets]
        del siblings[start:end]

    def _place(self, node: _Node) -> None:
        """Nest a heading under the nearest open heading of an outer numbering style."""
        stack = self.stack
        same = [i for i, open_ in enumerate(stack) if open_.style == node.style]
        if node.rank == 0:
            stack.clear()  # an un-numbered heading ("工作要点：") starts a part of the plan
        elif same:
            follows = next((i for i in reversed(same) if stack[i].number + 1 == node.number), None)
            if follows is not None:
                del stack[follows:]
            elif node.number == 1 and stack[same[-1]].opens_list:
                del stack[same[-1] + 1 :]  # "四、创建要求：…如下：" then "一、…": a list inside 四
            else:
                previous = stack[same[-1]]
                self.warnings.append(
                    f"编号不连续：“{previous.marker}{previous.title[:12]}”之后是“{node.marker}{node.title[:12]}”。"
                )
                del stack[same[-1] :]
        else:
            while stack and stack[-1].rank > node.rank:
                stack.pop()
        (stack[-1] if stack else self.root).add(node)
        stack.append(node)

    def _paragraph(self, text: str, pairs: dict[str, str]) -> None:
        last = self.last
        if last is not None and self.last_paragraph_at == self.index - 1 and _is_cut_off(last.text) and not pairs:
            last.text += text  # a sentence broken over two lines by the paste
        else:
            if not self.stack:
                parent = self.root  # before the first heading: the plan's preamble
            elif len(self.stack) == 1 or self.stack[-1].opens_body:
                parent = self.stack[-1]
            else:
                parent = self.stack[-1].parent or self.root  # "8、…。" is an item, the paragraph its sibling
            self.last = parent.add(_Node("paragraph", text, attrs=dict(pairs)))
        self.last_paragraph_at = self.index

    def _attribute(self, line: _Line) -> None:
        target = self.last
        outside = target is None or (target.kind == "paragraph" and target.parent is self.root)
        if outside or (self.stack and self.stack[0].role == "guiding"):
            self._paragraph(line.text, {})  # the preamble and the 指导思想 keep such a line as text
            return
        for name, value in line.pairs.items():
            target.attrs[name] = _joined(target.attrs.get(name, ""), value)
        if "owner_text" in line.pairs and self.stack:
            self.stack[0].owner_targets.append(target)

    # -- schedule

    def _leaves_schedule(self, line: _Line) -> bool:
        if line.kind == "heading":
            return line.rank == 1
        return line.kind == "bare" and not _SCHEDULE_TITLE_RE.fullmatch(line.title)

    def _schedule_line(self, line: _Line) -> None:
        month = line.month
        if month is not None and (month.strict or month.theme):
            entry = ScheduleEntry(month_text=month.text, months=month.values)
            if month.theme:
                entry.theme = month.rest
            elif month.rest:
                entry.activities.extend(_numbered_pieces(month.rest) or _SENTENCE_END_RE.split(month.rest))
            entry.activities = [_activity(text) for text in entry.activities if _activity(text)]
            self.schedule.append(entry)
        elif line.kind != "label" and self.schedule:
            text = f"{line.marker}{line.text}" if line.kind == "heading" else line.text
            pieces = _numbered_pieces(text) or [text]
            self.schedule[-1].activities.extend(_activity(piece) for piece in pieces if _activity(piece))


def _previous_of_style(node: _Node) -> _Node | None:
    """The nearest sibling before `node` numbered in the same style, found walking back from it."""
    siblings = node.parent.children if node.parent else []
    for index in range(len(siblings) - 2, -1, -1):
        if siblings[index].style == node.style:
            return siblings[index]
    return None


def _month_follows(lines: list[_Line], start: int) -> bool:
    """Whether the next line that is not a column title is a month's entry."""
    for index in range(start, len(lines)):  # not islice(), which walks past the first `start` lines
        if lines[index].kind != "label":
            return lines[index].month is not None
    return False


def _numbered_pieces(text: str) -> list[str] | None:
    """ "1、制定工会工作计划2、慰问困难教职工" → the two activities; None if the text is not numbered.

    Only the next number in the sequence splits, so "5.12护士节" or "3月2日" inside stay whole.
    """
    line = _match_heading(text)
    if line is None:
        return None
    pieces, rest, number = [], line.text, line.number
    while True:
        if line.style in ("1、", "1）"):
            following = re.search(rf"(?<!\d){number + 1}\s*(?:[、．。]|[.,，)）](?!\d))", rest)
        elif line.style == "（1）":
            following = re.search(rf"[（(]\s*{number + 1}\s*[）)]", rest)
        elif line.style == "①" and number < 20:
            following = re.search(chr(ord("①") + number), rest)
        else:
            following = None
        if following is None:
            pieces.append(rest)
            return pieces
        pieces.append(rest[: following.start()])
        rest, number = rest[following.end() :], number + 1


def _activity(text: str) -> str:
    return text.strip().rstrip("；;，,。. ")


def _is_cut_off(text: str) -> bool:
    return len(text) >= 40 and not text.endswith(_ENDS_A_SENTENCE)


# Words a paragraph opens with, for finding where a title glued to its paragraph ends.
_PARAGRAPH_OPENER_RE = re.compile(rf"(?<=[{_CJK}])(?<!紧)(?:紧紧围绕|围绕|按照|根据|为了|坚持|结合|针对|紧扣|立足)")


def _lost_title(text: str) -> tuple[str, str]:
    """(title, paragraph) of a heading that should be a title but runs on into its paragraph.

    The title ends at its first sentence break ("标题。正文…") or, with none, where a word that opens
    a paragraph follows a character directly ("…机构建设围绕推动落实…", no punctuation: that is
    where the newline was); (text, "") when neither comes within a title's length.
    """
    if match := re.fullmatch(r"(.{6,40}?[。；;！？])\s*(\S.{9,})", text):
        return match[1], match[2]
    if opener := _PARAGRAPH_OPENER_RE.search(text, 6, 41):
        return text[: opener.start()], text[opener.start() :]
    return text, ""
