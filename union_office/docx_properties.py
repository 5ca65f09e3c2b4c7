"""Document properties of the .docx files we write, so File > Properties tells the truth.

python-docx starts every document from its own template, which carries that template's history:
created 2013, "Microsoft Macintosh Word", last modified by "python-docx", and a blank thumbnail
that Explorer and WPS show as the file's preview. `clean_properties` replaces all of it: the
title, the union as author, created and modified now, our application name, and no thumbnail.
"""

from typing import Any

from django.utils import timezone
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part

__all__ = ["APPLICATION", "clean_properties"]

APPLICATION = "union_office"

_APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>{application}</Application><DocSecurity>0</DocSecurity></Properties>"
)


def clean_properties(document: Any, *, title: str, author: str) -> None:
    """Set the core and extended properties of a python-docx Document and drop the thumbnail."""
    now = timezone.now().replace(microsecond=0)
    core = document.core_properties
    core.title = title
    core.author = author
    core.last_modified_by = author
    core.created = now
    core.modified = now
    core.revision = 1
    core.language = "zh-CN"
    core.comments = ""
    core.keywords = ""
    core.subject = ""
    package = document.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype in (RT.THUMBNAIL, RT.EXTENDED_PROPERTIES):
            package.rels.pop(key)
    app = Part(
        PackURI("/docProps/app.xml"),
        "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        _APP_XML.format(application=APPLICATION).encode(),
        package,
    )
    package.relate_to(app, RT.EXTENDED_PROPERTIES)
