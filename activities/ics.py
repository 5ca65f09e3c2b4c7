"""iCalendar (RFC 5545) written by hand: the feed needs VEVENTs with a handful of properties.

Lines end in CRLF, text values escape backslash, semicolon, comma and newlines, and lines longer
than 75 octets are folded (a CRLF and a space) without splitting a UTF-8 character.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass
class Series:
    """A recurring activity as one VEVENT: its first occurrence, the RRULE, the skipped dates
    (EXDATE) and the moved ones (a VEVENT with the same UID and a RECURRENCE-ID each)."""

    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    rrule: str
    place: str = ""
    description: str = ""
    url: str = ""
    exdates: list[dt.datetime] = field(default_factory=list)
    overrides: list[tuple[dt.datetime, CalendarItem]] = field(default_factory=list)


def _series_lines(series: Series, stamp: str, host: str, base_url: str) -> list[str]:
    head = [f"UID:{series.uid}@{host}", f"DTSTAMP:{stamp}"]
    lines = ["BEGIN:VEVENT", *head, f"DTSTART:{_utc(series.starts_at)}", f"DTEND:{_utc(series.ends_at)}"]
    lines += [f"RRULE:{series.rrule}", f"SUMMARY:{escape(series.title)}"]
    if series.exdates:
        lines.append("EXDATE:" + ",".join(_utc(day) for day in sorted(series.exdates)))
    if series.place:
        lines.append(f"LOCATION:{escape(series.place)}")
    if series.description:
        lines.append(f"DESCRIPTION:{escape(series.description)}")
    if series.url:
        lines.append(f"URL:{base_url}{series.url}")
    lines.append("END:VEVENT")
    for recurrence_id, item in series.overrides:
        lines += ["BEGIN:VEVENT", *head, f"RECURRENCE-ID:{_utc(recurrence_id)}"]
        lines += [f"DTSTART:{_utc(item.starts_at)}", f"DTEND:{_utc(item.ends_at or item.starts_at)}"]
        lines.append(f"SUMMARY:{escape(item.title)}")
        if item.place:
            lines.append(f"LOCATION:{escape(item.place)}")
        if item.url:
            lines.append(f"URL:{base_url}{item.url}")
        lines.append("END:VEVENT")
    return lines


def render(items: Iterable[CalendarItem], *, name: str, host: str, base_url: str, series: Iterable[Series] = ()) -> str:
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
    for one in series:
        lines += _series_lines(one, stamp, host, base_url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
