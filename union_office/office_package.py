"""The checks every uploaded Office file (.xlsx, .docx: a zip of XML parts) passes before anything reads it.

Roster and ledger imports parse the workbook; 提案 attachments are only stored and handed out again,
but a colleague opens them. Whatever comes next, a hostile package is refused here first, in
milliseconds, from the zip directory and the first bytes of each XML part:

* a zip bomb: the declared sizes of all parts over a limit, or one part compressed more than
  `MAX_COMPRESSION_RATIO` to 1 (zipfile never inflates a part past its declared size, so the
  directory is enough), or more parts than any real document has (a bomb by entry count, or the
  overlapping-entry kind);
* an encrypted or truncated package, one whose directory cannot be read, a compression zipfile
  does not know, and (with `verify=True`) a CRC error anywhere;
* a DOCTYPE or ENTITY declaration in any XML part: Office never writes one, and it is what the
  billion-laughs and XXE attacks need. The parsers that read the parts refuse them too (defusedxml,
  expat without DTDs); refusing at upload means the hostile file is never stored.

Nested zips are not opened: nothing here or after it inflates a part inside a part.
"""

import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_COMPRESSION_RATIO = 100
# A workbook has about a dozen parts, a .docx with pictures a few hundred.
MAX_PARTS = 2_000
# A DOCTYPE must come before the root element, so within the first bytes of a part.
_HEAD_BYTES = 4096
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_office_package(stream: IO[bytes], *, max_unzipped_bytes: int, kind: str, verify: bool = False) -> None:
    """Raise ValidationError (Chinese) for a package that must not be read or stored; `kind` names
    the format in the messages ("Excel（.xlsx）"). The stream is left at position 0."""
    damaged = ValidationError(_("文件已损坏，无法作为 %(kind)s 打开。") % {"kind": kind})
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise damaged from None
    try:
        with archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise ValidationError(
                    _("文件内部有 %(count)s 个部件，不像正常保存的 %(kind)s 文件，已拒绝。")
                    % {"count": f"{len(parts):,}", "kind": kind}
                )
            if sum(part.file_size for part in parts) > max_unzipped_bytes or any(
                part.file_size > 0
                and (part.compress_size == 0 or part.file_size / part.compress_size > MAX_COMPRESSION_RATIO)
                for part in parts
            ):
                raise ValidationError(
                    _("文件解压后异常庞大（疑似“压缩炸弹”），已拒绝。请上传正常保存的 %(kind)s 文件。") % {"kind": kind}
                )
            if any(part.flag_bits & 0x1 for part in parts):
                raise ValidationError(_("文件已加密，请取消密码后再上传。"))
            for part in parts:
                if part.filename.lower().endswith(_XML_SUFFIXES):
                    with archive.open(part) as member:
                        # NULs out: a part in UTF-16 spells "<!DOCTYPE" with a NUL after each letter.
                        head = member.read(_HEAD_BYTES).replace(b"\x00", b"")
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise ValidationError(
                            _("文件内含 XML 实体声明（DOCTYPE/ENTITY），正常保存的 %(kind)s 文件不会有，已拒绝。")
                            % {"kind": kind}
                        )
            if verify and archive.testzip() is not None:
                raise damaged
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise damaged from None
    finally:
        stream.seek(0)
