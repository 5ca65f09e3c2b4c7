"""Read a document back as a reader would, for the tests of every PDF, .docx and .xlsx we write.

`read_pdf` gives each page's text (spaces dropped, as CJK layout inserts them at will), its words
with positions, and the table cells pdfplumber finds, so a test can assert what is printed where:
the page count, the 落款, the watermark, "— 1 —" on the right of page 1, no cell whose text was
broken one character a line. `office_to_pdf` converts a .docx or .xlsx with LibreOffice headless
(installed by `scripts/install-system-packages --with-browser`), the closest to Word/WPS/Excel that
runs here, so a test can check what an office suite prints.
"""

import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

__all__ = ["PdfPage", "broken_cells", "office_to_pdf", "read_pdf", "soffice", "write_artifact"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "documents"
_SPACES = re.compile(r"[\s\u3000]+")
_PAGE_NUMBER = re.compile(r"—\d+—|第\d+页(共\d+页)?")


@dataclass
class PdfPage:
    number: int
    width: float
    height: float
    text: str  # without spaces or line breaks
    lines: list[str]  # each printed line, without spaces
    words: list[dict] = field(repr=False)
    tables: list[list[list[str]]] = field(repr=False)  # rows of cells, line breaks kept
    display_text: str = ""  # characters of 40 pt and more: a watermark, a stamp

    @property
    def cells(self) -> list[str]:
        return [cell for table in self.tables for row in table for cell in row]

    @property
    def body_lines(self) -> list[str]:
        """The printed lines less the page number ("— 2 —") and a watermark's characters."""
        return [line for line in self.lines if not _PAGE_NUMBER.fullmatch(line) and line not in self.display_text]


def read_pdf(data: bytes) -> list[PdfPage]:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            raw = page.extract_text() or ""
            tables = [[[cell or "" for cell in row] for row in table] for table in page.extract_tables()]
            pages.append(
                PdfPage(
                    number=number,
                    width=float(page.width),
                    height=float(page.height),
                    text=_SPACES.sub("", raw),
                    lines=[_SPACES.sub("", line) for line in raw.splitlines() if line.strip()],
                    words=page.extract_words(keep_blank_chars=False),
                    tables=tables,
                    display_text="".join(char["text"] for char in page.chars if char["size"] >= 40),
                )
            )
    return pages


def broken_cells(pages: list[PdfPage]) -> list[str]:
    """Cells whose text wraps one character a line ("张\\n三\\n丰"): the column is too narrow."""
    broken = []
    for page in pages:
        for cell in page.cells:
            lines = [line for line in cell.splitlines() if line.strip()]
            if len(lines) >= 3 and sum(len(line.strip()) <= 1 for line in lines) >= len(lines) - 1:
                broken.append(cell)
    return broken


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(data: bytes, suffix: str) -> bytes:
    """Convert an office file to PDF with LibreOffice headless, in a private profile (tests run in
    parallel with other users of the machine; a shared profile locks)."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice is not installed: scripts/install-system-packages --with-browser")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                folder,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "HOME": folder},
        )
        return (Path(folder) / "document.pdf").read_bytes()


def write_artifact(name: str, data: bytes) -> bytes:
    """Keep a rendered document under test-artifacts/documents/ to look at (not committed); returns
    the data, so a test reads what it kept."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)
    return data
