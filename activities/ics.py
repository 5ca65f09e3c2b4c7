"""iCalendar (RFC 5545) written by hand: the feed needs VEVENTs with a handful of properties.

Lines end in CRLF, text values escape backslash, semicolon, comma and newlines, and lines longer
than 75 octets are folded (a CRLF and a space) without splitting a UTF-8 character.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from .calendar import CalendarItem


def escape(text: str) -> str:
    # A lone CR too: some calendar apps end a line there, and the rest of a title would become a property.
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def render(items: Iterable[CalendarItem], *, name: str, host: str, base_url: str) -> str:
    stamp = _utc(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//union_office//工会办公管理系统//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for item in items:
        lines += ["BEGIN:VEVENT", f"UID:{item.uid}@{host}", f"DTSTAMP:{stamp}"]
        if item.all_day:
            lines.append(f"DTSTART;VALUE=DATE:{item.starts_at:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{item.starts_at + dt.timedelta(days=1):%Y%m%d}")
        else:
            lines.append(f"DTSTART:{_utc(item.starts_at)}")
            lines.append(f"DTEND:{_utc(item.ends_at or item.starts_at)}")
        lines.append(f"SUMMARY:{escape(item.title)}")
        if item.place:
            lines.append(f"LOCATION:{escape(item.place)}")
        if item.description:
            lines.append(f"DESCRIPTION:{escape(item.description)}")
        if item.url:
            lines.append(f"URL:{base_url}{item.url}")
        if item.cancelled:
            lines.append("STATUS:CANCELLED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
