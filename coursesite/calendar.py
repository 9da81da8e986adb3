"""Site -> iCalendar feeds (RFC 5545 / RFC 7986), reproducible byte for byte.

Each offering gets four feeds at URLs that never move: `<slug>/calendar.ics` (everything),
`lectures.ics`, `exams.ics` (exams and deadlines) and `office-hours.ics`. See
shared/guide/CALENDAR.md for why each decision (no METHOD, UUIDv5 UIDs, rule-based VTIMEZONE,
one VEVENT per lecture) was taken.

SEQUENCE, LAST-MODIFIED and DTSTAMP come from the offering's change record, a replay of its
versions (history.py derives them from git), never from the build's clock: unchanged content
gives identical bytes, and a changed event gets a higher SEQUENCE so clients replace it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, vDuration
from icalendar.timezone.tzid import tzid_from_tzinfo

from . import schema as S
from . import text as T
from .dates import office_hour_dates, weekly
from .errors import ContentError
from .model import Offering, Session, Site
from .schema import WEEKDAYS, is_local
from .text import Labels, asset_path, labels
from .timezones import vtimezone

PRODID = "-//coursesite//coursesite 1//EN"
# Never change this: every UID ever published is derived from it, and a new UID turns each
# event into a duplicate in every subscriber's calendar.
UID_NAMESPACE = uuid.UUID("5b1c8f0e-2a61-4c38-9a53-0c7e2f1d6a90")
UID_DOMAIN = "coursesite"
REFRESH = dt.timedelta(hours=6)

# --- items: what an event shows, before it is serialised -------------------------------------

@dataclass(frozen=True)
class Item:
    """One calendar event as plain data: timed (datetimes in `tzid`) or all-day (dates)."""

    kind: str                   # lecture, office-hours, exam, deadline
    key: str                    # logical key, unique in the offering: lecture/07, exam/final
    summary: str
    start: dt.date | dt.datetime  # local naive datetime, or a date for all-day items
    end: dt.date | dt.datetime    # exclusive
    tzid: str | None = None     # None for all-day items
    location: str | None = None
    description: str | None = None
    cancelled: bool = False
    url: str | None = None
    conferences: tuple = ()     # (label, url)
    until: dt.datetime | None = None  # weekly repetition up to this local start, inclusive
    exdates: tuple = ()         # local starts the weekly repetition skips
    where: S.Where = S.Where()  # for error messages only
    label: str = ""             # what news calls it: "Lecture 07", "Final written exam"

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    def significant(self) -> dict:
        """The fields whose change must reach subscribers (and so raise SEQUENCE)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "all_day": self.all_day, "tzid": self.tzid, "location": self.location,
                "status": "CANCELLED" if self.cancelled else "CONFIRMED",
                "summary": self.summary,
                # Office hours repeat: a new holiday or a later end moves occurrences too.
                "until": self.until.isoformat() if self.until else None,
                "exdates": [d.isoformat() for d in self.exdates]}

    def order(self) -> tuple:
        """Feeds list events by start; all-day items first on their day, then by key."""
        day = self.start.date() if not self.all_day else self.start
        time = self.start.time() if not self.all_day else None
        return (day, time is not None, time or dt.time(0), self.key)


def event_uid(slug: str, key: str) -> str:
    """The UID of an offering's event: a function of its logical key only, never of its date."""
    return f"{uuid.uuid5(UID_NAMESPACE, f'{slug}/{key}')}@{UID_DOMAIN}"


def offering_items(site: Site, o: Offering, pending: frozenset = frozenset()) -> list[Item]:
    """Every dated event of the offering (TBD items have no date, so no event yet)."""
    items = [lecture_item(site, o, s, pending) for s in o.sessions if s.day is not None]
    items += office_hour_items(site, o)
    items += [exam_item(site, o, e) for e in o.organization.exams if e.date is not S.TBD]
    items += [deadline_item(o, d) for d in o.organization.deadlines if d.date is not S.TBD]
    # Keys are unique: checks.py rejects repeated lecture numbers, exam and deadline ids;
    # model.session_keys numbers repeated titles; office-hour keys are numbered per weekday.
    return sorted(items, key=Item.order)


def lecture_item(site: Site, o: Offering, s: Session, pending: frozenset = frozenset()) -> Item:
    """A lecture session in its room, with online and material links: timed, or all-day for
    a date-only session (whose time is not known: none is invented)."""
    lecture = s.lecture
    L = o.labels
    title = T.lecture_summary(o.course.short, lecture.number, lecture.title)
    cancelled = lecture.status == "cancelled"
    lines = [L.part_line(s.part.letter, s.part.title), lecture.note,
             *online_lines(L, s.online),
             *material_lines(site, L, [m for m in lecture.materials if m.url not in pending])]
    start, end, tzid = (s.start, s.end, o.timezone) if s.start is not None else (
        s.day, s.day + dt.timedelta(days=1), None)
    return Item("lecture", s.key, L.cancelled(title) if cancelled else title, start, end,
                tzid, location(site, L, s.room, s.online), join_lines(lines), cancelled,
                page_url(site, o), conferences(s.online), where=lecture.where,
                label=L.lecture_label(lecture.number, lecture.title))


def office_hour_items(site: Site, o: Offering) -> list[Item]:
    """One weekly repeating event per office hour; key office-hours/<weekday>[-n]."""
    items, per_day = [], {}
    for oh in o.course.weekly.office_hours:
        per_day[oh.weekday] = per_day.get(oh.weekday, 0) + 1
        n = per_day[oh.weekday]
        key = f"office-hours/{oh.weekday}" + (f"-{n}" if n > 1 else "")
        dates = office_hour_dates(o, oh)
        if dates:
            items.append(replace(office_hour_item(site, o, oh, key, dates),
                                 label=o.labels.office_hours_label(oh.weekday, n)))
    return items


def office_hour_item(site: Site, o: Offering, oh: S.OfficeHours, key: str, dates) -> Item:
    """Weekly from the first to the last date; the weeks in between that are skipped (holidays,
    exclusions) become EXDATEs, so the occurrences are exactly `dates`."""
    skipped = sorted(set(weekly(dates[0], dates[-1], WEEKDAYS.index(oh.weekday))) - set(dates))
    at = dt.datetime.combine
    L = o.labels
    return Item("office-hours", key, L.office_hours_summary(o.course.short), at(dates[0], oh.start),
                at(dates[0], oh.end), o.timezone, location(site, L, oh.room, oh.online),
                join_lines([oh.note, *online_lines(L, oh.online)]), False, page_url(site, o),
                conferences(oh.online), until=at(dates[-1], oh.start),
                exdates=tuple(at(d, oh.start) for d in skipped), where=oh.where)


def exam_item(site: Site, o: Offering, e: S.Exam) -> Item:
    """Timed when start and end are given, else all-day and transparent."""
    common = dict(location=location(site, o.labels, e.room, (), e.place), description=e.text,
                  url=page_url(site, o), where=e.where, label=e.title)
    summary = o.labels.exam_summary(o.course.short, e.title)
    if e.start and e.end:
        return Item("exam", f"exam/{e.id}", summary, dt.datetime.combine(e.date, e.start),
                    dt.datetime.combine(e.date, e.end), o.timezone, **common)
    return Item("exam", f"exam/{e.id}", summary, e.date, e.date + dt.timedelta(days=1), **common)


def deadline_item(o: Offering, d: S.Deadline) -> Item:
    """All-day on its date, the time (if any) in the title: a deadline occupies no time slot."""
    summary = o.labels.deadline_summary(o.course.short, d.title, d.time)
    return Item("deadline", f"deadline/{d.id}", summary,
                d.date, d.date + dt.timedelta(days=1), description=d.text, where=d.where,
                label=d.title)


def location(site: Site, L: Labels, room_id, online=(), place=None) -> str | None:
    """'Name, building, address' of the room; else the place; else the online links."""
    room = site.rooms.get(room_id) if room_id else None
    if room is not None:
        return ", ".join(p for p in (room.name, room.details) if p)
    if place:
        return place
    return "; ".join(online_lines(L, online)) or None


def online_lines(L: Labels, links) -> list[str]:
    """'Online via Zoom: https://...' per link, or just 'Online via Zoom' while it has no URL."""
    return [L.online_line(link.label, link.url) for link in links]


def conferences(links) -> tuple:
    """(label, url) of each online link that has a URL (CONFERENCE needs a URI)."""
    return tuple((link.label, link.url) for link in links if link.url)


def material_lines(site: Site, L: Labels, materials) -> list[str]:
    """'Slides (PDF): URL' per material with an absolute URL (files under assets/ only when the
    site's base_url is known: a relative link means nothing inside a calendar)."""
    lines = []
    for m in materials:
        url = absolute_url(site, asset_path(m.url)) if is_local(m.url) else m.url
        if url:
            lines.append(f"{L.material_label(m)}: {url}")
    return lines


def absolute_url(site: Site, path: str) -> str | None:
    """The site path under base_url, or None when the site's address is unknown."""
    return site.config.base_url + path if site.config.base_url else None


def page_url(site: Site, o: Offering) -> str | None:
    return absolute_url(site, f"{o.folder}/index.html")


def join_lines(lines) -> str | None:
    text = "\n".join(line.strip() for line in lines if line and line.strip())
    return text or None


# --- the change record: SEQUENCE, LAST-MODIFIED and schedule-change news --------------------

@dataclass(frozen=True)
class Version:
    """The offering's events at one moment of its history: a commit, or the working tree."""

    id: str               # commit id, or "worktree-<hash of its events>"
    when: dt.datetime     # aware: when this version was made (commit time, or file time)
    events: dict          # key -> {"label": "Lecture 07", "sig": Item.significant()}
    unknown: bool = False  # a commit whose content today's coursesite cannot read


@dataclass(frozen=True)
class Stamp:
    """SEQUENCE and LAST-MODIFIED (also DTSTAMP) of one event."""

    sequence: int
    changed: dt.datetime


@dataclass(frozen=True)
class Change:
    """The schedule changes one version made, in words, for the news feed."""

    version: str
    when: dt.datetime
    sentences: tuple      # "Lectures 01-13 move to FR 772, ..."


@dataclass(frozen=True)
class Record:
    """An offering's change record: a Stamp per event key, and its changes oldest first."""

    stamps: dict = field(default_factory=dict)
    changes: tuple = ()


def snapshot(site: Site, o: Offering) -> dict:
    """The offering's events as a Version holds them (plain data: it is cached as JSON), with
    the rooms' names in the offering's language, as its feeds show them."""
    return {item.key: {"label": item.label, "sig": item.significant()}
            for item in offering_items(site.in_language(o.language), o)}


def fingerprint(sig: dict) -> str:
    """A short hash of an event's significant fields, stable across Python versions."""
    text = json.dumps(sig, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def replay(versions: list[Version], L: Labels | None = None) -> Record:
    """The record after the versions in order. An event starts at SEQUENCE 0 when it first
    appears; each later version in which its significant fields differ, or in which it returns
    after being absent, raises it by one and stamps that version's time. An unreadable version
    raises every event (it may have changed any), and so does the next readable one. Monotonic
    by construction: a version can only add to what earlier ones counted. Each readable version
    after the first that changes anything gives one Change (none for the offering's first),
    its sentences in the words of `L` (default English)."""
    L = L or labels("en")
    stamps: dict = {}
    changes = []
    before: dict | None = None
    unknowns = 0  # unreadable versions since the last readable one
    for v in versions:
        if v.unknown:
            # It was deployed (an older coursesite read it) and may have changed anything:
            # count a change for every event, so SEQUENCE can only err upwards.
            unknowns += 1
            for key in before or {}:
                stamps[key] = Stamp(stamps[key].sequence + 1, v.when)
            continue
        for key, event in v.events.items():
            old = stamps.get(key)
            if old is None:
                stamps[key] = Stamp(unknowns, v.when)
            elif unknowns or before is None or key not in before or \
                    fingerprint(before[key]["sig"]) != fingerprint(event["sig"]):
                stamps[key] = Stamp(old.sequence + 1, v.when)
        if before is not None:
            sentences = describe_changes(before, v.events, L)
            if sentences:
                changes.append(Change(v.id, v.when, tuple(sentences)))
        before, unknowns = v.events, 0
    current = before or {}
    return Record({k: s for k, s in sorted(stamps.items()) if k in current}, tuple(changes))


# Which fields say when an event happens (the rest: where, status, title).
WHEN_FIELDS = ("start", "end", "all_day", "tzid", "until", "exdates")


def describe_changes(old: dict, new: dict, L: Labels | None = None) -> list[str]:
    """One sentence per kind of change, events with the same change named together:
    'Lectures 01-13 move to FR 772', 'Lecture 05 is cancelled', 'Lecture 14 is added: ...'."""
    L = L or labels("en")
    groups: dict = {}
    for key in [*old, *(k for k in new if k not in old)]:
        phrase = change_phrase(L, old.get(key), new.get(key))
        if phrase is not None:
            groups.setdefault(phrase, []).append((new.get(key) or old[key])["label"])
    return [L.change_sentence(names, phrase) for phrase, names in groups.items()]


def change_phrase(L: Labels, old: dict | None, new: dict | None) -> tuple | None:
    """(singular, plural) predicate for what happened to one event, or None if nothing did."""
    if new is None:
        return L.phrase("removed")
    if old is None:
        return L.added(new["sig"])
    a, b = old["sig"], new["sig"]
    if fingerprint(a) == fingerprint(b):
        return None
    if b["status"] == "CANCELLED" and a["status"] != "CANCELLED":
        return L.phrase("cancelled_pred")
    if a["status"] == "CANCELLED" and b["status"] != "CANCELLED":
        return L.restored(b)
    moved = any(a.get(f) != b.get(f) for f in WHEN_FIELDS)
    place = a["location"] != b["location"]
    if moved and not place:
        return L.moved(L.sig_when(b))
    if moved or place:
        where = b["location"] or L.fmt["no_room"]
        return L.moved(f"{L.sig_when(b)}, {where}" if moved else where)
    return L.renamed(b["summary"])


# --- feeds --------------------------------------------------------------------------------------

def offering_feeds(site: Site, o: Offering, record: Record,
                   pending: frozenset = frozenset()) -> dict[str, bytes]:
    """One offering's feeds (output path -> bytes); pure. SEQUENCE and LAST-MODIFIED come from
    the change record; materials whose URL is in `pending` (not released yet) are left out of
    descriptions."""
    items = offering_items(site, o, pending)
    # Each event and the VTIMEZONE are serialised once and shared by the feeds that list
    # them (serialising, with its line folding, is most of the cost of a feed).
    try:
        zone = timezone_text(o.timezone, *timezone_span(o, items))
    except ValueError as exc:  # the dates span a change of the zone's yearly rules
        raise ContentError(f"{o.slug}: the calendar cannot describe its dates: {exc}; keep "
                           "an offering's dates within its own years") from None
    events = {item.key: vevent(o.folder, item, record.stamps[item.key]) for item in items}
    files = {}
    for feed in o.labels.feeds:
        chosen = [events[i.key] for i in items if i.kind in feed.kinds]
        name = o.labels.calendar_name(o.course.short, o.term_short, feed.suffix)
        files[f"{o.folder}/{feed.name}"] = b"".join(
            [calendar_header(name, o.timezone), zone, *chosen, b"END:VCALENDAR\r\n"])
    return files


# RFC 5545 folds content lines longer than 75 octets; icalendar folds so that no line part
# reaches this many octets.
FOLD_AT = 75


def serialised(component) -> bytes:
    """`component.to_ical()`, byte for byte (a test compares them on random components),
    without icalendar's character-by-character folding of every line, which was the hottest
    function of a build: most lines are short and need no folding at all."""
    return b"".join(folded(line) for line in component.content_lines() if line)


def folded(line: str) -> bytes:
    """One content line and its CRLF, folded as icalendar folds it: parts of at most 74
    octets, never split after a backslash or caret (an escape stays whole)."""
    data = line.encode("utf-8")
    if len(data) < FOLD_AT:
        return data + b"\r\n"
    return ("\r\n ".join(fold_parts(line)) + "\r\n").encode("utf-8")


def fold_parts(line: str) -> list[str]:
    """The parts a long line is folded into (see `folded`)."""
    if line.isascii():  # one octet a character: cut by position, not character by character
        return _ascii_fold_parts(line)
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= FOLD_AT:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else None
            parts.append("".join(current))
            current = [carried] if carried else []
            size = len(carried) if carried else 0  # an escape character is one octet
        current.append(char)
        size += width
    parts.append("".join(current))
    return parts


def _ascii_fold_parts(line: str) -> list[str]:
    """`fold_parts` of an ASCII line: parts of 74 characters, one fewer where the 74th is an
    escape character (it goes with the character it escapes)."""
    parts, start, width = [], 0, FOLD_AT - 1
    while len(line) - start > width:
        end = start + width
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return parts


# REFRESH as icalendar writes a DURATION value (PT6H).
_REFRESH_TEXT = vDuration(REFRESH).to_ical().decode("ascii")


def calendar_header(name: str, tzid: str) -> bytes:
    """A VCALENDAR's first line and its properties, serialised: constant PRODID, no METHOD
    (a snapshot, not a scheduling message), its `name`, time zone and refresh hints; the
    VTIMEZONE, the events and END follow. The VTIMEZONE is always embedded, even for a feed
    of all-day items or none: X-WR-TIMEZONE names it, and RFC 5545 requires at least one
    component in a VCALENDAR. Written line by line, as `vevent` is: building and serialising
    icalendar's Calendar for each of an offering's four feeds took a third of making them.
    The bytes are those of the same Calendar built with icalendar, its names given as TEXT
    (icalendar 7 types NAME and X-WR-CALNAME as unknown and would not escape them);
    tests/test_properties.py compares them on random names and zones."""
    # RFC 7986 wants VALUE=DURATION on REFRESH-INTERVAL, which icalendar's setter omits.
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}", "CALSCALE:GREGORIAN",
             f"NAME:{_text(name)}", f"X-WR-CALNAME:{_text(name)}",
             f"REFRESH-INTERVAL;VALUE=DURATION:{_REFRESH_TEXT}",
             f"X-PUBLISHED-TTL:{_REFRESH_TEXT}", f"X-WR-TIMEZONE:{_text(tzid)}"]
    return b"".join(folded(line) for line in lines)


@lru_cache(maxsize=256)
def timezone_text(tzid: str, first: dt.date, last: dt.date) -> bytes:
    """The serialised VTIMEZONE of `timezone_component`; remembered, because the offerings
    of a department share a few zones and terms (at 100 offerings, 5 distinct spans), and
    building and serialising the component was a fifth of making an offering's feeds."""
    return serialised(timezone_component(tzid, first, last))


def timezone_component(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """The reviewed rule-based VTIMEZONE (timezones.vtimezone), as a component."""
    tz = vtimezone(tzid, first, last)
    return tz if isinstance(tz, Timezone) else Timezone.from_ical(tz)


def timezone_span(o: Offering, items: list[Item]) -> tuple[dt.date, dt.date]:
    """The dates the VTIMEZONE must cover: the term and every event (exams may come after)."""
    days = [o.course.term.start, o.course.term.end]
    for item in items:
        days += [item.start if item.all_day else item.start.date(),
                 (item.until or item.end).date() if not item.all_day else item.end]
    return min(days), max(days)


def vevent(slug: str, item: Item, record: Stamp) -> bytes:
    """The VEVENT of an item, serialised: UID and DTSTAMP given explicitly (never invented).
    Written line by line rather than through icalendar's Event: building and serialising
    ~20 event objects per offering was the largest part of a build. The bytes are exactly
    those of the same event built with icalendar (tests/test_properties.py compares them on
    random items), so icalendar stays the reference for what the lines say."""
    # icalendar's order: its canonical properties first, then the others alphabetically.
    stamp, zoned = _utc(record.changed), not item.all_day
    if zoned:
        lines = [f"DTSTART{_local(item.tzid, item.start)}", f"DTEND{_local(item.tzid, item.end)}"]
    else:
        lines = [f"DTSTART;VALUE=DATE:{item.start:%Y%m%d}", f"DTEND;VALUE=DATE:{item.end:%Y%m%d}"]
    lines = ["BEGIN:VEVENT", f"SUMMARY:{_text(item.summary)}", *lines, f"DTSTAMP:{stamp}",
             f"UID:{_text(event_uid(slug, item.key))}", f"SEQUENCE:{record.sequence}"]
    if item.until is not None:
        # With a zoned DTSTART, RFC 5545 wants UNTIL in UTC: the last occurrence's start.
        until = item.until.replace(tzinfo=ZoneInfo(item.tzid))
        lines.append(f"RRULE:FREQ=WEEKLY;UNTIL={_utc(until)}")
    if item.exdates:
        lines.append(f"EXDATE{_local(item.tzid, *item.exdates)}")
    lines += [f"CONFERENCE;LABEL={_parameter(label)};VALUE=URI:{url}"
              for label, url in item.conferences]
    if item.description:
        lines.append(f"DESCRIPTION:{_text(item.description)}")
    lines.append(f"LAST-MODIFIED:{stamp}")
    if item.location:
        lines.append(f"LOCATION:{_text(item.location)}")
    lines.append(f"STATUS:{'CANCELLED' if item.cancelled else 'CONFIRMED'}")
    if not zoned:
        lines.append("TRANSP:TRANSPARENT")  # a deadline does not make anyone busy
    if item.url:
        lines.append(f"URL:{item.url}")
    lines.append("END:VEVENT")
    return b"".join(folded(line) for line in lines)


def _utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC form: 20260416T120000Z."""
    return f"{moment.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}"


def _local(tzid: str, *moments: dt.datetime) -> str:
    """A DATE-TIME property's parameters and values for local times of the zone: with its
    TZID, or in UTC form for a zone icalendar takes for UTC (Etc/UTC, Atlantic/Reykjavik)."""
    if _is_utc(tzid):
        return ":" + ",".join(f"{m:%Y%m%dT%H%M%S}Z" for m in moments)
    return f";TZID={tzid}:" + ",".join(f"{m:%Y%m%dT%H%M%S}" for m in moments)


@lru_cache(maxsize=None)
def _is_utc(tzid: str) -> bool:
    return tzid_from_tzinfo(ZoneInfo(tzid)) == "UTC"


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 (3.3.11) and icalendar escape it: backslash,
    semicolon and comma escaped, every line ending written as \\n."""
    return (value.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;")
            .replace(",", r"\,").replace("\r\n", r"\n").replace("\n", r"\n")
            .replace("\r", r"\n"))


def _parameter(value: str) -> str:
    """A parameter value as RFC 6868 and icalendar write it: ^ as ^^, a line ending as ^n,
    a double quote as ^', quoted when it holds , ; : or a typographic apostrophe."""
    value = (value.replace("^", "^^").replace("\r\n", "^n").replace("\n", "^n")
             .replace("\r", "^n").replace('"', "^'"))
    return f'"{value}"' if any(c in value for c in ",;:\u2019") else value
