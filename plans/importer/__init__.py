"""Read a 工会工作计划 pasted from Word or a web page into a tree the editor shows for review.

Pasted plans are messy. A web page wraps one or several plans ("篇1", "篇一" headers) in site junk
(时间:, 分享, 下载本文, a "小编为您推荐" blurb, related articles); numbering mixes full- and
half-width forms ("一,", "一。", "1.", "１、", "(1)、"); documents skip levels or reuse "一、" for a
list inside a section; a table pasted from Word arrives as one cell per line (目标 / 措施 / 时限 /
责任人 under each row); the 活动安排 is a month-by-month list; newlines get lost ("…成果。二、开展…").

How it reads: every line is normalised (`normalise_line`) and classified by one table of line kinds
(`_LINE_KINDS`), then a small state machine (`_PlanReader`, states "body" and "schedule") builds a
tree of headings and paragraphs, which `parse_plan` turns into dataclasses:

- a numbered line with something under it is a section, a numbered line with nothing under it or
  an un-numbered paragraph is an item (DESIGN.md §3.1: sections whose leaves are items); a top-level
  heading, or one after a sibling section, stays a section even when empty, so the order survives;
- a numbered line that is itself a paragraph (too long for a title, or a sentence inside) has no
  "under": the paragraphs after it are its siblings, except those before the next number of its
  list ("2、…。", a paragraph, "3、"), which go on with it (one item of several paragraphs) — read as
  siblings they would renumber every item after them, read as 2、's children 2、 would become a
  section numbered （一） after the item 1、;
- a heading whose siblings before it were titles over paragraphs is a title too, even when long:
  its paragraph lost the newline, and the title ends at its first sentence break or where a
  paragraph's opening word (围绕, 按照, 坚持 …) follows a character directly;
- a heading's level is its depth: a heading nests under the nearest open heading of an outer
  numbering style, so "一、" → "(1)" (a skipped level) or a plan numbered only "1、" both read right;
- 目标/措施/时限/责任人 lines belong to the line above them; under a heading they are defaults for
  the items that follow; a 责任人 written once as a part's last line is the whole part's;
- paragraphs before the first heading and the 指导思想 part become `guiding_ideas`; a 落款 at the
  end ("学校工会委员会") is left out with a warning.

Real-world pastes (issue 19, docs/plans.md): text is read in simplified characters (OpenCC), cleaned
of converters' garbage, tables and broken words repaired; phases (第一阶段) are sections whose dates
are their items' 时限; a 通知's opening is not 指导思想, its 所需材料 one checklist item with the
deadline's date; a date in an item's text is proposed as its 时限.

Pure Python, no database: the editor saves what the user accepts.

| module | what it holds |
|---|---|
| `parsed.py` | the dataclasses returned (`PastedPlan`, `ParsedPlan`, `ParsedSection`, `ParsedItem`, `ScheduleEntry`) |
| `lines.py` | `normalise_line` and the line kinds: numbering styles, months, 目标/时限 pairs, junk, headers |
| `script.py` | traditional characters: OpenCC's t2s for reading, and the user's characters put back |
| `cleaning.py` | romanisation, mojibake (flagged), runs of titles, words broken over two lines |
| `tables.py` | Word tables (one cell per line, or tab-separated rows) rewritten as numbered lines |
| `dates.py` | `find_date`: a date or range inside a line, for phases, notice deadlines and 时限 proposals |
| `documents.py` | `split_documents` (one plan per header: 篇N, 范文二, 模板二, 报告一, …<二>) and a plan's title |
| `reader.py` | `_PlanReader`, the state machine building the tree of headings and paragraphs and the 活动安排 |
| `parsing.py` | `parse_plan`: lines → tree → dataclasses, the 指导思想, the year, the 落款 |
"""

from __future__ import annotations

from .documents import split_documents
from .lines import normalise_line
from .parsed import ParsedItem, ParsedPlan, ParsedSection, PastedPlan, ScheduleEntry
from .parsing import parse_plan

__all__ = [
    "ParsedItem",
    "ParsedPlan",
    "ParsedSection",
    "PastedPlan",
    "ScheduleEntry",
    "normalise_line",
    "parse_plan",
    "split_documents",
]
