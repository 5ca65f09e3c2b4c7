"""A fast reader for the sheet XML that Excel, WPS and openpyxl write; expat reads everything else.

Two expat callbacks per cell made reading 100,000 rows take 4 s, most of an .xlsx dry run. The
sheet data of a workbook is a narrow dialect of XML: `<row r="2"><c r="A2" s="1" t="s"><v>12</v>
</c>…</row>`. This reader matches those shapes with one regular expression, token after token
with no gap between them, and raises NotPlain at the first thing it does not know (a rich-text or
formula cell, a comment, CDATA, whitespace between cells, another attribute order, an entity that
is not one of XML's five): the caller then reads the sheet with expat (files._xlsx_rows).

Safety is the expat reader's: the XML outside <sheetData> (the prolog, where a DOCTYPE would be,
and the epilog) goes to `check_xml`, expat with no DTD and no entities, so the document as a whole
must still be well-formed XML without a DTD; inside, no entity is ever expanded (only &lt; &gt;
&amp; &quot; &apos; and character references are decoded, as expat would).
"""

import codecs
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any


class NotPlain(Exception):
    """The sheet has a shape this reader does not know: read it with expat."""


_SHEET_DATA = re.compile(r"<sheetData(/?)>")
# One token: a cell (column letters, its row; then either an inline string, or its type and a <v>
# value), a row's start tag (its number; "/" if it is empty), or a row's end tag. The inline string
# (what openpyxl writes) is an alternative of its own: no type to capture, a quarter less time.
_TOKEN = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?'
    r'(?: t="inlineStr"(?: s="\d+")?><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>'
    r'|(?: t="(\w+)")?(?: s="\d+")?(?:/>|>(?:<v>([^<]*)</v>)?</c>))'
    r'|<row r="(\d+)"[^<>/]*(/?)>'
    r"|(</row>)"
)
_GROUPS = _TOKEN.groups + 1  # a token's groups and the text after it, in _TOKEN.split()
# ASCII digits only, as XML (and expat) take them.
_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_UNKNOWN_ENTITY = re.compile(r"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|(?:lt|gt|amp|quot|apos);)")
_DECIMAL_REFERENCE = re.compile(r"&#([0-9]+);")
# Characters XML does not allow (expat refuses the file; so does the expat reader, after NotPlain).
_NOT_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_DECLARED_ENCODING = re.compile(r"""<\?xml[^>]*encoding=["']([^"']+)["']""")


def _entity(match: re.Match) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not (
        code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ):
        raise NotPlain  # not an XML character: expat says the file is broken
    return chr(code)


def _text(raw: str) -> str:
    """Cell text as expat gives it: references decoded, line ends normalized."""
    if "&" in raw:  # openpyxl writes every non-ASCII character as &#…;
        pieces = _DECIMAL_REFERENCE.split(raw)  # text, a code, text, a code … text
        codes = list(map(int, pieces[1::2]))
        if codes and raw.count("&") == len(codes) and min(codes) >= 0x20 and max(codes) <= 0xD7FF:
            # Only decimal references to characters XML allows (什么 is &#20160;&#20040;): decoded
            # without a Python call per reference.
            pieces[1::2] = map(chr, codes)
            raw = "".join(pieces)
        else:
            if _UNKNOWN_ENTITY.search(raw):
                raise NotPlain
            raw = _ENTITY.sub(_entity, raw)
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return raw


def plain_sheet_rows(
    stream: IO[bytes],
    strings: list[str],
    value: Callable[[str | None, str], Any],
    check_xml: Callable[[str], None],
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) as files._xlsx_rows gives them; `value(cell type, text)` converts a
    cell that is not a shared string. Raises NotPlain (maybe after some rows) for other shapes."""
    decoder = codecs.getincrementaldecoder("utf-8")()

    def read() -> str | None:
        chunk = stream.read(1024 * 1024)
        try:
            return decoder.decode(chunk, final=not chunk) if chunk else (decoder.decode(b"", final=True) or None)
        except UnicodeDecodeError:
            raise NotPlain from None

    buffer = ""
    while (start := _SHEET_DATA.search(buffer)) is None:
        chunk = read()
        if chunk is None:
            raise NotPlain
        buffer += chunk
    prolog = buffer[: start.start()] + "<sheetData>"
    declared = _DECLARED_ENCODING.search(prolog)
    if "<!" in prolog or (declared and declared.group(1).lower().replace("-", "") != "utf8"):
        raise NotPlain  # a DOCTYPE, a comment …, or not UTF-8: all expat's to judge
    buffer = buffer[start.end() :]
    if start.group(1):  # <sheetData/>: no rows
        buffer = "</sheetData>" + buffer

    shared = len(strings)
    columns: dict[str, int] = {}
    decoded: dict[str, str] = {}
    cells: dict[int, Any] = {}
    number, row_text = 0, ""
    while True:
        close = buffer.find("</sheetData>")
        if close >= 0:
            part, epilog = buffer[:close], buffer[close:]
        else:
            end = buffer.rfind("</row>")
            part, buffer = (buffer[: end + 6], buffer[end + 6 :]) if end >= 0 else ("", buffer)
        # split: the text between the tokens (all of it must be empty), each followed by the
        # groups of the next token (None for a group not matched), in one pass in C.
        pieces = _TOKEN.split(part)
        if any(pieces[::_GROUPS]) or _NOT_XML_CHARACTER.search(part):
            raise NotPlain
        done: list[tuple[int, list[Any]]] = []
        tokens = iter(pieces)
        next(tokens)  # the text before the first token
        for letters, cell_row, inline, cell_type, raw, row_number, empty_row, _end, _between in zip(
            *[tokens] * _GROUPS, strict=True
        ):
            if letters:  # a cell
                if cell_row != row_text:
                    raise NotPlain  # a cell outside its row
                if not (raw or inline):
                    continue  # no value: expat gives none either
                column = columns.get(letters)
                if column is None:
                    column = 0
                    for char in letters:
                        column = column * 26 + ord(char) - 64
                    column = columns[letters] = column - 1
                if inline:
                    if "&" in inline or "\r" in inline:
                        # Inline strings repeat (units, 是/否 …): each distinct text is decoded once.
                        text = decoded.get(inline)
                        if text is None:
                            text = _text(inline)
                            if len(decoded) < 10_000:
                                decoded[inline] = text
                        inline = text
                    cells[column] = inline
                elif cell_type == "s":
                    cells[column] = strings[int(raw)] if raw.isdigit() and int(raw) < shared else _text(raw)
                elif not cell_type or cell_type == "n":
                    try:
                        cells[column] = Decimal(raw)
                    except InvalidOperation:
                        cells[column] = _text(raw)
                else:
                    if "&" in raw or "\r" in raw:
                        text = decoded.get(raw)
                        if text is None:
                            text = _text(raw)
                            if len(decoded) < 10_000:
                                decoded[raw] = text
                        raw = text
                    cells[column] = raw if cell_type == "inlineStr" else value(cell_type, raw)
            elif row_number:  # <row r="…">
                if row_text:
                    raise NotPlain  # the row before is not closed
                row_text = row_number
                number, cells = int(row_text), {}
                if empty_row:  # <row …/>: no cells
                    row_text = ""
            else:  # </row>
                if not row_text:
                    raise NotPlain  # no row to close
                if cells:
                    done.append((number, [cells.get(i) for i in range(max(cells) + 1)]))
                row_text, cells = "", {}
        if close >= 0 and row_text:
            raise NotPlain  # a row left open
        yield from done
        if close >= 0:
            break
        chunk = read()
        if chunk is None:
            raise NotPlain  # no </sheetData>: broken, expat says so
        buffer += chunk
    while (chunk := read()) is not None:
        epilog += chunk
    check_xml(prolog + epilog)
