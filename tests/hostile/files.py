"""Hostile files for the upload and import tests, built in memory in milliseconds.

Each builder returns bytes. The Office packages start from a real workbook or document (openpyxl,
python-docx) and replace one part, so everything but the attack is what Excel or Word would write.
"""

import functools
import io
import zipfile

import docx
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
DOCUMENT = "word/document.xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert('hostile')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'hostile\')"><script>alert(1)</script></svg>'
NUL_TEXT = "姓名,身份证号\n张三\x00,110\n".encode()

# Nine levels of ten: expanded, &lol9; is a billion "lol"s (3 GB).
BILLION_LAUGHS_DTD = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1 if n > 1 else ''};" * 10}">' for n in range(1, 10))
    + "]>"
)
XXE_DTD = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def document(*paragraphs: str) -> bytes:
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(contents: dict[str, bytes], *, stored: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def replace_part(package: bytes, name: str, data: bytes) -> bytes:
    return rezip(parts(package) | {name: data})


def with_dtd(package: bytes, name: str, dtd: str, entity: str) -> bytes:
    """`package` with a DOCTYPE in front of part `name` and `&entity;` used in its first text."""
    xml = parts(package)[name].decode()
    xml = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    xml = xml.replace("<t>", f"<t>&{entity};", 1).replace("<w:t>", f"<w:t>&{entity};", 1)
    return replace_part(package, name, (dtd + xml).encode())


def inline_sheet(rows: list[list[str]]) -> bytes:
    """A sheet whose cells are inline strings (shared strings would hide a payload in another part)."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(values))
        + "</row>"
        for r, values in enumerate(rows, start=1)
    )
    return f'<worksheet xmlns="{_MAIN_NS}"><sheetData>{body}</sheetData></worksheet>'.encode()


def ratio_bomb(package: bytes, name: str = SHEET, mebibytes: int = 5) -> bytes:
    """`package` with part `name` padded by `mebibytes` MiB of spaces (~1000:1, about 20 KB per MiB)."""
    data = parts(package)[name]
    return replace_part(package, name, data.replace(b"</", b" " * (mebibytes * 1024 * 1024) + b"</", 1))


def many_parts(package: bytes, count: int = 5_000) -> bytes:
    """`package` with `count` empty extra parts: a bomb by entry count (and a directory to parse)."""
    return rezip(parts(package) | {f"customXml/item{i}.bin": b"" for i in range(count)})


def crc_error(package: bytes, name: str = SHEET) -> bytes:
    """`package` with one byte of part `name` changed after its CRC was written."""
    contents = parts(package)
    data = rezip(contents, stored=(name,))
    at = data.index(contents[name]) + len(contents[name]) // 2
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


def truncated(package: bytes) -> bytes:
    return package[: len(package) // 2]


@functools.cache
def _inner_bomb() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.txt", b"\x00" * (50 * 1024 * 1024))
    return inner.getvalue()


def nested_bomb(package: bytes) -> bytes:
    """`package` carrying, as an ordinary stored part, a zip whose one member inflates to 50 MiB."""
    return rezip(parts(package) | {"embeddings/package.zip": _inner_bomb()}, stored=("embeddings/package.zip",))


def encrypted(package: bytes) -> bytes:
    """`package` with the "encrypted" flag set on every entry, as a password-protected zip has."""
    data = bytearray(package)
    for magic, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(magic)
        while at != -1:
            data[at + flags_at] |= 0x1
            at = data.find(magic, at + 4)
    return bytes(data)


def shared_strings(package: bytes, dtd: str, entity: str) -> bytes:
    """`package` with a shared-strings part (as Excel writes one) whose string is `&entity;` under `dtd`."""
    xml = f'{dtd}<sst xmlns="{_MAIN_NS}" count="1" uniqueCount="1"><si><t>&{entity};</t></si></sst>'
    return replace_part(package, "xl/sharedStrings.xml", xml.encode())


def _without_dimension(sheet: str) -> str:
    start = sheet.index("<dimension ")
    return sheet[:start] + sheet[sheet.index("/>", start) + 2 :]


def empty_rows(package: bytes, count: int) -> bytes:
    """`package` with `count` empty rows after its data and no <dimension> (a reader must count the
    rows itself): ~200 KB zipped for 100,000 rows."""
    sheet = _without_dimension(parts(package)[SHEET].decode())
    first = sheet.count("<row ") + 1
    rows = "".join(f'<row r="{r}"/>' for r in range(first, first + count))
    return replace_part(package, SHEET, sheet.replace("</sheetData>", rows + "</sheetData>").encode())


def dimension_bomb(package: bytes) -> bytes:
    """`package` whose sheet declares itself A1:XFD1048576 (17 billion cells) and has a cell in its
    last row: a reader that fills the rows and columns in between makes them all."""
    sheet = _without_dimension(parts(package)[SHEET].decode())
    sheet = sheet.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return replace_part(package, SHEET, sheet.replace("</sheetData>", last + "</sheetData>").encode())
